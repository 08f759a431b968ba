"""Feed bytes → :class:`~digest.model.Entry` values (big XML feeds: :mod:`.feedstream`).

feedparser reads RSS 0.9x/1.0/2.0, Atom and RDF, including broken ones (its
loose parser copes with undefined entities and most encoding lies); JSON Feed
is parsed here with :mod:`json`. Nothing past this module sees a feedparser
dictionary.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
from lxml import etree

from digest.errors import SourceError
from digest.fetch.entries import (
    CONTROL_BYTES,
    believable,
    clean_text,
    entry_content,
    http_link,
    looks_like_feed,
    parse_date,
    text_to_html,
)
from digest.fetch.feedstream import (
    STREAM_MIN,
    NotStreamable,
    Streamer,
    declared_encoding,
    stream_items,
)
from digest.fetch.urls import canonicalize
from digest.model import Entry

__all__ = ["STREAM_MIN", "iter_feed", "looks_like_feed", "parse_feed"]

log = logging.getLogger(__name__)

_JSONFEED_PREFIX = "https://jsonfeed.org/version/"


# --- XML feeds --------------------------------------------------------------


def _xml_entries(data: bytes, url: str | None, content_type: str | None, source: str,
                 fetched: datetime, skip: int = 0) -> list[Entry]:
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 has NULs by design
        data = CONTROL_BYTES.sub(b"", data)
    headers = {"content-location": url or "", "content-type": content_type or "application/xml"}
    try:
        parsed = feedparser.parse(data, response_headers=headers, sanitize_html=True,
                                  resolve_relative_uris=True)
    except (UnicodeError, ValueError, LookupError) as exc:
        # feedparser itself trips on some malformed encoding declarations
        # (found by fuzzing); that is a broken feed, not a crash of ours.
        raise SourceError(f"not a feed: unreadable XML ({exc.__class__.__name__})") from None
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(_not_a_feed(data, parsed.get("bozo_exception")))
    base = url or ""
    entries: list[Entry] = []
    for item in parsed.entries[skip:]:
        link = http_link(base, item.get("link"))
        content, summary = entry_content(item)
        published = believable(
            parse_date(item.get("published"), item.get("published_parsed"))
            or parse_date(item.get("updated"), item.get("updated_parsed")), fetched, url)
        entry = Entry(
            source=source,
            url=canonicalize(link) if link else None,
            title=clean_text(item.get("title")),
            author=clean_text(item.get("author")),
            published=published or fetched,
            date_missing=published is None,
            content_html=content,
            summary_html=summary,
        )
        if entry.url is None and not (content or summary):
            log.debug("%s: skipped an entry with neither link nor content", url)
            continue
        entries.append(entry)
    return entries


def _not_a_feed(data: bytes, problem: Any) -> str:
    head = data[:1024].lstrip().lower()
    if not head:
        return "not a feed: the response is empty"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "not a feed: an HTML page"
    if problem is not None:
        detail = str(problem).strip().splitlines()[0] if str(problem).strip() else ""
        return f"not a feed: not valid XML ({detail})" if detail else "not a feed: not valid XML"
    return "not a feed: no RSS, Atom or RDF document found"


# --- JSON Feed --------------------------------------------------------------


def _json_entries(data: bytes, url: str | None, source: str, fetched: datetime) -> list[Entry]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"not a feed: not valid JSON ({exc})") from None
    except RecursionError:
        raise SourceError("not a feed: JSON nested too deeply") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise SourceError("not a feed: a JSON document without JSON Feed 'items'")
    version = doc.get("version")
    if isinstance(version, str) and not version.startswith(_JSONFEED_PREFIX):
        log.debug("%s: unexpected JSON Feed version %r", url, version)
    base = url or (doc.get("feed_url") if isinstance(doc.get("feed_url"), str) else "") or ""
    entries: list[Entry] = []
    for item in doc["items"]:
        if not isinstance(item, dict):
            continue
        link = http_link(base, item.get("url") or item.get("external_url"))
        content = item.get("content_html")
        if not (isinstance(content, str) and content.strip()):
            text = item.get("content_text")
            content = text_to_html(text) if isinstance(text, str) and text.strip() else None
        summary = item.get("summary")
        summary = text_to_html(summary) if isinstance(summary, str) and summary.strip() else None
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        names = [a.get("name") for a in authors if isinstance(a, dict)]
        author = ", ".join(n for n in names if isinstance(n, str) and n.strip()) or None
        published = believable(parse_date(item.get("date_published")) or parse_date(
            item.get("date_modified")), fetched, url)
        if link is None and content is None and summary is None:
            continue
        entries.append(Entry(
            source=source, url=canonicalize(link) if link else None,
            title=clean_text(item.get("title")), author=clean_text(author),
            published=published or fetched, date_missing=published is None,
            content_html=content, summary_html=summary,
        ))
    return entries


def parse_feed(data: bytes, *, url: str | None = None, content_type: str | None = None,
               source: str = "", fetched: datetime | None = None) -> tuple[Entry, ...]:
    """Every entry of a feed document, newest handling left to the caller.

    ``url`` is the feed's own (final) URL: relative links resolve against it.
    Entries without a date get ``fetched`` and ``date_missing=True``. Raises
    SourceError("not a feed: …") for documents that are no feed.
    """
    fetched = fetched or datetime.now(UTC).replace(microsecond=0)
    ctype = (content_type or "").split(";")[0].strip().lower()
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if ctype in ("application/feed+json", "application/json") or head.startswith(b"{"):
        return tuple(_json_entries(data, url, source, fetched))
    return tuple(_xml_entries(data, url, content_type, source, fetched))


def iter_feed(data: bytes | Path, *, url: str | None = None, content_type: str | None = None,
              source: str = "", fetched: datetime | None = None,
              stream_min: int = STREAM_MIN) -> Generator[Entry, None, None]:
    """The entries of a feed one by one, memory not growing with the feed.

    ``data`` is the document, or the path of a local file holding it. An XML
    document of ``stream_min`` bytes or more is streamed (lxml's pull
    parser, each item freed once read); smaller ones, JSON Feeds and
    documents the streaming parser cannot read (broken XML, an HTTP charset
    that overrides the declared one) go to :func:`parse_feed`, whose loose
    parsing copes with more. Errors as :func:`parse_feed`, raised when the
    iterator is first advanced.
    """
    fetched = fetched or datetime.now(UTC).replace(microsecond=0)
    size = data.stat().st_size if isinstance(data, Path) else len(data)
    if isinstance(data, Path):
        with data.open("rb") as handle:
            head = handle.read(1024)
    else:
        head = data[:1024]
    ctype, _, params = (content_type or "").partition(";")
    charset = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", params)
    encoding = declared_encoding(head)
    json_like = ctype.strip().lower() in ("application/feed+json", "application/json") \
        or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
    if size < stream_min or json_like or (charset and charset.group(1).lower() != encoding):
        raw = data.read_bytes() if isinstance(data, Path) else data
        yield from parse_feed(raw, url=url, content_type=content_type, source=source,
                              fetched=fetched)
        return
    streamer = Streamer(url, encoding, source, fetched)
    clean = not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    count = 0
    try:
        for entry in stream_items(data, streamer, clean):
            count += 1
            if entry is not None:
                yield entry
    except (etree.XMLSyntaxError, NotStreamable) as exc:
        log.info("%s: read with feedparser after %d streamed entries: %s",
                 url or source, count, exc)
        raw = data.read_bytes() if isinstance(data, Path) else data
        yield from _xml_entries(raw, url, content_type, source, fetched, skip=count)
