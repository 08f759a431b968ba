"""The domain values that flow through digest's stages.

Third-party shapes (feedparser dicts, trafilatura documents, httpx responses)
are converted into these frozen dataclasses at the edge where they enter;
nothing past that edge reads a third-party shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

__all__ = ["EARLIEST_DATE", "Article", "Entry", "Extracted", "Publish", "Source", "SourceKind",
           "plausible_date"]


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
    # False: the source's own address must be public too (an OPML import found
    # it at a loopback or private address; the user has not confirmed it).
    allow_private: bool = True


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
    # The body's SimHash (digest.archive.fingerprint), kept in the file so that
    # near-duplicate detection survives the loss of the state database.
    fingerprint: int | None = None

    @property
    def date(self) -> datetime:
        """The date the archive files the article under."""
        return self.published or self.fetched


# The dates digest believes: a news article from before 1990, or from more
# than a day after it was fetched, is a parsing accident or a hostile feed,
# and a year such as 9999 breaks date arithmetic downstream. One window for
# feed entries, extracted pages and front matter.
EARLIEST_DATE = datetime(1990, 1, 1, tzinfo=UTC)
_FUTURE_SLACK = timedelta(days=1)


def plausible_date(when: datetime | None, now: datetime) -> datetime | None:
    """``when`` if it lies in [1990, ``now`` + 1 day], else None (naive times read as UTC)."""
    if when is None:
        return None
    try:
        moment = (when if when.tzinfo is not None else when.replace(tzinfo=UTC)).astimezone(UTC)
        latest = (now if now.tzinfo is not None else now.replace(tzinfo=UTC)) + _FUTURE_SLACK
    except (OverflowError, ValueError):  # 9999-12-31T23:59:59-05:00 has no UTC time
        return None
    return when if EARLIEST_DATE <= moment <= latest else None
