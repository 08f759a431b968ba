"""Feed bytes → :class:`~digest.model.Entry` values, and OPML in and out.

feedparser reads RSS 0.9x/1.0/2.0, Atom and RDF, including broken ones (its
loose parser copes with undefined entities and most encoding lies); JSON Feed
is parsed here with :mod:`json`. Nothing past this module sees a feedparser
dictionary.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree

from digest.errors import SourceError
from digest.model import Entry, Source, SourceKind
from digest.urls import canonicalize, host_of

__all__ = ["export_opml", "import_opml", "looks_like_feed", "parse_feed", "parse_opml"]

log = logging.getLogger(__name__)

# C0 controls other than tab/newline/CR are illegal in XML 1.0 and break the
# strict parser; removing them up front keeps feeds parseable by the strict one.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_JSONFEED_PREFIX = "https://jsonfeed.org/version/"


def _clean_text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = _CONTROL_CHARS.sub("", value).strip()
    return re.sub(r"\s+", " ", text) or None


def _parse_date(raw: Any, parsed: Any = None) -> datetime | None:
    """A timezone-aware datetime that keeps the feed's own UTC offset when it has one."""
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                when = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                when = None
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    if isinstance(parsed, time.struct_time):  # feedparser's own parse, normalised to UTC
        try:
            return datetime(*parsed[:6], tzinfo=UTC)
        except ValueError:
            return None
    return None


def _http_link(base: str, link: Any) -> str | None:
    """An absolute http(s) link, or None (feedparser offers ``urn:`` ids as links)."""
    if not isinstance(link, str) or not link.strip():
        return None
    absolute = urljoin(base, link.strip())
    return absolute if absolute.startswith(("http://", "https://")) else None


def _text_to_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in re.split(r"\n\s*\n", text)
                   if p.strip())


def looks_like_feed(data: bytes) -> bool:
    """A cheap sniff: does this look like RSS/Atom/RDF or a JSON Feed?"""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return b"jsonfeed.org" in data[:4096] or b'"items"' in data[:65536]
    return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<rdf"))


# --- XML feeds --------------------------------------------------------------


def _entry_content(item: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(full content HTML, summary HTML) of a feedparser entry."""
    content: str | None = None
    for part in item.get("content") or ():
        value = part.get("value")
        if not isinstance(value, str) or not value.strip():
            continue
        kind = part.get("type") or "text/html"
        content = value if kind in _HTML_TYPES else _text_to_html(value)
        if kind in _HTML_TYPES:
            break
    summary = item.get("summary")
    detail = item.get("summary_detail") or {}
    if isinstance(summary, str) and summary.strip():
        if detail.get("type") not in (None, *_HTML_TYPES):
            summary = _text_to_html(summary)
    else:
        summary = None
    if summary is not None and content is not None and summary.strip() == content.strip():
        summary = None  # Atom: feedparser copies content into summary
    return content, summary


def _xml_entries(data: bytes, url: str | None, content_type: str | None, source: str,
                 fetched: datetime) -> list[Entry]:
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 has NULs by design
        data = _CONTROL_BYTES.sub(b"", data)
    headers = {"content-location": url or "", "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(data, response_headers=headers, sanitize_html=True,
                              resolve_relative_uris=True)
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(_not_a_feed(data, parsed.get("bozo_exception")))
    base = url or ""
    entries: list[Entry] = []
    for item in parsed.entries:
        link = _http_link(base, item.get("link"))
        content, summary = _entry_content(item)
        published = _parse_date(item.get("published"), item.get("published_parsed")) \
            or _parse_date(item.get("updated"), item.get("updated_parsed"))
        entry = Entry(
            source=source,
            url=canonicalize(link) if link else None,
            title=_clean_text(item.get("title")),
            author=_clean_text(item.get("author")),
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
        link = _http_link(base, item.get("url") or item.get("external_url"))
        content = item.get("content_html")
        if not (isinstance(content, str) and content.strip()):
            text = item.get("content_text")
            content = _text_to_html(text) if isinstance(text, str) and text.strip() else None
        summary = item.get("summary")
        summary = _text_to_html(summary) if isinstance(summary, str) and summary.strip() else None
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        names = [a.get("name") for a in authors if isinstance(a, dict)]
        author = ", ".join(n for n in names if isinstance(n, str) and n.strip()) or None
        published = _parse_date(item.get("date_published")) or _parse_date(
            item.get("date_modified"))
        if link is None and content is None and summary is None:
            continue
        entries.append(Entry(
            source=source, url=canonicalize(link) if link else None,
            title=_clean_text(item.get("title")), author=_clean_text(author),
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


# --- OPML -------------------------------------------------------------------


def _outline_name(node: Any) -> str | None:
    for attr in ("title", "text"):
        value = _clean_text(node.get(attr))
        if value:
            return value
    return None


def import_opml(data: bytes | str, existing: Iterable[Source] = ()) -> tuple[Source, ...]:
    """The feeds of an OPML file as Sources, outline categories kept as ``group``.

    Nested category outlines become a group path ("News / China"). Feeds whose
    URL is already in ``existing`` (or earlier in the file) are skipped; missing
    titles fall back to the site's host; clashing names get " (2)", " (3)"…
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"not an OPML file: {exc}") from None
    if root is None or not isinstance(root.tag, str) or root.tag.lower() != "opml":
        raise SourceError("not an OPML file: the document has no <opml> root")
    body = next((c for c in root if isinstance(c.tag, str) and c.tag.lower() == "body"), None)
    if body is None:
        raise SourceError("not an OPML file: no <body>")
    seen_urls = {canonicalize(s.location) for s in existing}
    names = {s.name for s in existing}
    out: list[Source] = []

    def unique(name: str) -> str:
        candidate, n = name, 2
        while candidate in names:
            candidate = f"{name} ({n})"
            n += 1
        names.add(candidate)
        return candidate

    def walk(node: Any, groups: tuple[str, ...]) -> None:
        for child in node:
            if not isinstance(child.tag, str) or child.tag.lower() != "outline":
                continue
            feed_url = (child.get("xmlUrl") or child.get("xmlurl") or "").strip()
            if not feed_url:
                label = _outline_name(child)
                walk(child, (*groups, label) if label else groups)
                continue
            if not feed_url.startswith(("http://", "https://")):
                log.warning("OPML: skipped %r: not an http(s) feed URL", feed_url)
                continue
            key = canonicalize(feed_url)
            if key in seen_urls:
                continue
            seen_urls.add(key)
            group = " / ".join(groups) if groups else None
            if group is None and child.get("category"):
                first = child.get("category").split(",")[0].strip().strip("/")
                group = " / ".join(p for p in first.split("/") if p) or None
            name = _outline_name(child) or host_of(feed_url) or feed_url
            out.append(Source(name=unique(name), kind=SourceKind.FEED, location=feed_url,
                              group=group))
            walk(child, groups)  # some readers nest feeds under feeds; keep them too

    walk(body, ())
    return tuple(out)


def parse_opml(data: bytes | str, name: str = "",
               existing: Iterable[Source] = ()) -> tuple[Source, ...]:
    """:func:`import_opml` with errors naming the file they come from."""
    try:
        return import_opml(data, existing)
    except SourceError as exc:
        raise SourceError(f"{name}: {exc}" if name else str(exc)) from None


def export_opml(sources: Iterable[Source], *, title: str = "digest sources") -> str:
    """An OPML 2.0 document of the feed sources, one category outline per group."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    groups: dict[str, ET.Element] = {}
    for source in sources:
        if source.kind is not SourceKind.FEED or not source.location.startswith(
                ("http://", "https://")):
            continue
        parent = body
        if source.group:
            parent = groups.get(source.group) or ET.SubElement(
                body, "outline", text=source.group, title=source.group)
            groups[source.group] = parent
        ET.SubElement(parent, "outline", type="rss", text=source.name, title=source.name,
                      xmlUrl=source.location)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
