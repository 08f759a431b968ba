"""Getting bytes in: HTTP with limits and address checks, feeds, OPML, URL canonicalisation."""
