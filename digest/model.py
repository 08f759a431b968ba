"""The domain values that flow through digest's stages.

Third-party shapes (feedparser dicts, trafilatura documents, httpx responses)
are converted into these frozen dataclasses at the edge where they enter;
nothing past that edge reads a third-party shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = ["Article", "Entry", "Extracted", "Publish", "Source", "SourceKind"]


class SourceKind(StrEnum):
    FEED = "feed"  # an RSS/Atom/RDF/JSON feed URL (or a local feed file)
    URL = "url"  # a single article page
    PATH = "path"  # a local .html/.txt file or a folder of them


class Publish(StrEnum):
    FULL = "full"  # the site shows the whole body
    EXCERPT = "excerpt"  # the site shows summary + link; the archive keeps the body


@dataclass(frozen=True)
class Source:
    """One configured source of articles."""

    name: str
    kind: SourceKind
    location: str  # URL for feed/url, a filesystem path for path
    publish: Publish = Publish.FULL
    respect_robots: bool = True
    group: str | None = None  # OPML category


@dataclass(frozen=True)
class Entry:
    """One item a source offers: a feed entry or a page to read."""

    source: str  # the Source.name it came from
    url: str | None
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    date_missing: bool = False  # published was set to the fetch time
    content_html: str | None = None  # the entry's full content, when the feed has it
    summary_html: str | None = None


@dataclass(frozen=True)
class Extracted:
    """What extraction gets out of one page: a clean body and its metadata."""

    title: str | None
    markdown: str  # the cleaned body as Markdown (no raw HTML)
    text: str  # the plain text of the body, for scoring and tagging
    author: str | None = None
    published: datetime | None = None  # timezone-aware when the page gives an offset
    canonical_url: str | None = None
    url: str | None = None
    site_name: str | None = None
    language: str | None = None
    image: str | None = None
    image_caption: str | None = None
    section: str | None = None  # breadcrumb, e.g. "Opinion / Chinese Perspectives"
    description: str | None = None  # the page's own summary, when it has one


@dataclass(frozen=True)
class Article:
    """A stored article: front matter fields plus the Markdown body."""

    title: str
    url: str
    canonical_url: str
    source: str
    fetched: datetime
    body: str
    author: str | None = None
    publisher: str | None = None  # the publication's own name (og:site_name), not the feed's
    published: datetime | None = None
    date_missing: bool = False
    language: str | None = None
    tags: tuple[str, ...] = ()
    manual_tags: tuple[str, ...] = ()
    summary: str = ""
    image: str | None = None
    image_caption: str | None = None
    section: str | None = None
    sources: tuple[str, ...] = field(default=())  # every source that carried the story
    publish: Publish = Publish.FULL

    @property
    def date(self) -> datetime:
        """The date the archive files the article under."""
        return self.published or self.fetched
