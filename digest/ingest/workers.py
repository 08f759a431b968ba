"""The CPU work of a fetch run: what one worker process does with one job.

One :class:`Job` is one article's CPU work: extract it (a fetched page, a
local file or a feed entry's content), assemble and tag it, fingerprint its
body. :func:`_work` runs a job and returns a :class:`Done` (or the error's
one-line message). :class:`digest.ingest.pool.WorkerPool` runs jobs in worker
processes, each under a time limit.

The extraction stack (lxml, trafilatura, Markdown) is imported by the worker
processes, not by this module: a run in which nothing is new never loads it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Literal
from urllib.parse import urlsplit

from digest.errors import ExtractError
from digest.escape import web_url
from digest.fetch.urls import canonicalize, url_keys
from digest.model import Article, Entry, Extracted, Source
from digest.tags.rules import Taxonomy

__all__ = ["Done", "Job", "unnamed"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One article's CPU work: extract (page, file or feed content), tag, fingerprint."""

    # Feed content shorter than this is a teaser: the linked page is read instead.
    FULL_CONTENT_MIN: ClassVar[int] = 200

    kind: Literal["page", "fragment", "file"]
    data: bytes | str
    url: str | None  # the page's final URL, a file:// URI, or the entry's link
    content_type: str | None
    entry: Entry | None
    source: Source
    fetched: datetime
    keys: tuple[str, ...] = ()  # URLs the story was already known by (the entry's link)

    @classmethod
    def page(cls, data: bytes, url: str, content_type: str | None, entry: Entry | None,
             source: Source, fetched: datetime, extra_keys: tuple[str, ...] = ()) -> Job:
        return cls("page", data, url, content_type, entry, source, fetched, extra_keys)

    @classmethod
    def fragment(cls, entry: Entry, source: Source, fetched: datetime, *,
                 summary: bool = False) -> Job:
        html = (entry.summary_html if summary else entry.content_html) or ""
        # The worker reads the HTML from ``data``; the entry travels without it
        # (feed content is most of an entry's size, and it would be pickled twice).
        return cls("fragment", html, entry.url, None,
                   replace(entry, content_html=None, summary_html=None), source, fetched)

    @classmethod
    def file(cls, data: bytes, uri: str, source: Source, fetched: datetime) -> Job:
        return cls("file", data, uri, None, None, source, fetched, (uri,))


@dataclass(frozen=True)
class Done:
    article: Article
    fingerprint: int | None
    keys: tuple[str, ...]  # every URL the story is known by, canonical first


def _canonical(claimed: str | None, url: str) -> str:
    """The page's rel=canonical when it is plausible, else the URL it came from."""
    checked = web_url(claimed)
    if checked is None:
        return canonicalize(url)
    canonical = canonicalize(checked)
    # Sites that point every page's canonical at their home page would merge
    # every story into one: a canonical home page for an inner page is ignored.
    if urlsplit(canonical).path in ("", "/") and urlsplit(url).path not in ("", "/"):
        return canonicalize(url)
    return canonical


def _entry_url(job: Job) -> str:
    """A stable URL for an entry that has no link of its own."""
    entry = job.entry
    seed = f"{entry.title if entry else ''}\n{job.data!s}".encode("utf-8", "replace")
    location = job.source.location
    if not (web_url(location) or location.startswith("file:")):
        location = Path(location).resolve().as_uri()
    return f"{location}#entry-{hashlib.sha1(seed).hexdigest()[:12]}"


def unnamed(source: Source) -> bool:
    """A source made from a command-line path or URL: its name is its location."""
    return source.name == source.location or web_url(source.name) is not None


def _work(job: Job, taxonomy: Taxonomy | None = None) -> Done | str:
    """Run one job; an error comes back as its one-line message."""
    from digest.archive.fingerprint import simhash
    from digest.extract.html import extract_fragment
    from digest.extract.page import extract_page
    from digest.ingest.assemble import build_article, source_name_for

    taxonomy = taxonomy or _WORKER_TAXONOMY
    assert taxonomy is not None, "worker not initialised"
    entry = job.entry
    try:
        if job.kind == "fragment":
            assert entry is not None
            markdown, text = extract_fragment(str(job.data), base_url=entry.url)
            if not text.strip():
                return f"{entry.url or entry.title or job.source.name}: the feed entry has no text"
            extracted = Extracted(title=entry.title, markdown=markdown, text=text,
                                  author=entry.author, url=entry.url,
                                  published=None if entry.date_missing else entry.published)
            url = entry.url or _entry_url(job)
        else:
            page_url = job.url if job.kind == "page" else None
            extracted = extract_page(job.data, url=page_url, content_type=job.content_type)
            url = job.url or ""
            if job.kind == "file":
                url = extracted.url or extracted.canonical_url or url
    except ExtractError as exc:
        return f"{job.url or job.source.name}: {exc}"
    except Exception as exc:  # a parser bug must cost one article, not the run
        log.debug("extraction crashed on %s", job.url, exc_info=True)
        return f"{job.url or job.source.name}: extraction failed: {type(exc).__name__}: {exc}"
    canonical = _canonical(extracted.canonical_url, url)
    source_name = job.source.name
    if unnamed(job.source):
        # A path or URL given on the command line names no source: the
        # publisher the page names does, else the folder or host.
        source_name = source_name_for(extracted, job.url or job.source.location)
    article = build_article(extracted, source=job.source, source_name=source_name, url=url,
                            taxonomy=taxonomy, fetched=job.fetched, entry=entry)
    date_missing = bool(entry and entry.date_missing and extracted.published is None)
    article = replace(article, canonical_url=canonical,
                      date_missing=article.date_missing or date_missing)
    keys = (*url_keys(canonical), *url_keys(url), *job.keys)
    if entry is not None and entry.url:
        keys = (*keys, *url_keys(entry.url))
    return Done(article, simhash(extracted.text), tuple(dict.fromkeys(keys)))


def _parse_feed(data: bytes, url: str | None, content_type: str | None, source: str,
                fetched: datetime) -> tuple[Entry, ...]:
    from digest.fetch.feeds import parse_feed

    return parse_feed(data, url=url, content_type=content_type, source=source, fetched=fetched)


_WORKER_TAXONOMY: Taxonomy | None = None
