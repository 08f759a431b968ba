"""``fetch`` and ``add``: sources to stored articles, with worker processes."""
