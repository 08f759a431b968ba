"""Feed items → the fields of :class:`~digest.model.Entry`: shared by both feed readers.

The feedparser path (:mod:`digest.fetch.feeds`) and the streaming path
(:mod:`digest.fetch.feedstream`) give the same values because they turn
titles, dates, links and content into fields here.
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from digest.escape import one_line, web_url
from digest.model import plausible_date

__all__ = ["CONTROL_BYTES", "HTML_TYPES", "believable", "clean_text", "entry_content",
           "http_link", "looks_like_feed", "parse_date", "text_to_html"]

log = logging.getLogger("digest.fetch.feeds")

# C0 controls other than tab/newline/CR are illegal in XML 1.0 and break the
# strict parser; removing them up front keeps feeds parseable by the strict one.
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
HTML_TYPES = ("text/html", "application/xhtml+xml")


def clean_text(value: Any) -> str | None:
    return one_line(value) if isinstance(value, str) else None


def parse_date(raw: Any, parsed: Any = None) -> datetime | None:
    """A timezone-aware datetime that keeps the feed's own UTC offset when it has one."""
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                when = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError, OverflowError):  # "06:4444444444…"
                when = None
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    if isinstance(parsed, time.struct_time):  # feedparser's own parse, normalised to UTC
        try:
            return datetime(*parsed[:6], tzinfo=UTC)
        except ValueError:
            return None
    return None


def believable(when: datetime | None, fetched: datetime, where: str | None) -> datetime | None:
    """A parsed date inside the plausible window, else None (the entry counts as undated).

    A hostile or broken feed can claim year 9999 or year 1; stored raw, such
    a date breaks every later build (no UTC time exists for it).
    """
    checked = plausible_date(when, fetched)
    if when is not None and checked is None:
        log.info("%s: ignored an implausible entry date %s", where or "feed", when.isoformat())
    return checked


def http_link(base: str, link: Any) -> str | None:
    """An absolute http(s) link, or None (feedparser offers ``urn:`` ids as links)."""
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        absolute = urljoin(base, link.strip())
    except ValueError:  # "http://[::1": kept as it is, to fail alone when fetched
        absolute = link.strip()
    return web_url(absolute)


def text_to_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in re.split(r"\n\s*\n", text)
                   if p.strip())


def looks_like_feed(data: bytes) -> bool:
    """A cheap sniff: does this look like RSS/Atom/RDF or a JSON Feed?"""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return b"jsonfeed.org" in data[:4096] or b'"items"' in data[:65536]
    return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<rdf"))



def entry_content(item: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(full content HTML, summary HTML) of a feedparser entry."""
    content: str | None = None
    for part in item.get("content") or ():
        value = part.get("value")
        if not isinstance(value, str) or not value.strip():
            continue
        kind = part.get("type") or "text/html"
        content = value if kind in HTML_TYPES else text_to_html(value)
        if kind in HTML_TYPES:
            break
    summary = item.get("summary")
    detail = item.get("summary_detail") or {}
    if isinstance(summary, str) and summary.strip():
        if detail.get("type") not in (None, *HTML_TYPES):
            summary = text_to_html(summary)
    else:
        summary = None
    if summary is not None and content is not None and summary.strip() == content.strip():
        summary = None  # Atom: feedparser copies content into summary
    return content, summary
