"""Feed bytes → :class:`~digest.model.Entry` values.

feedparser reads RSS 0.9x/1.0/2.0, Atom and RDF, including broken ones (its
loose parser copes with undefined entities and most encoding lies); JSON Feed
is parsed here with :mod:`json`. Nothing past this module sees a feedparser
dictionary.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import re
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree

from digest.errors import SourceError
from digest.escape import one_line, web_url
from digest.fetch.urls import canonicalize
from digest.model import Entry, plausible_date

__all__ = ["STREAM_MIN", "iter_feed", "looks_like_feed", "parse_feed"]

log = logging.getLogger(__name__)

# C0 controls other than tab/newline/CR are illegal in XML 1.0 and break the
# strict parser; removing them up front keeps feeds parseable by the strict one.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_JSONFEED_PREFIX = "https://jsonfeed.org/version/"


def _clean_text(value: Any) -> str | None:
    return one_line(value) if isinstance(value, str) else None


def _parse_date(raw: Any, parsed: Any = None) -> datetime | None:
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


def _believable(when: datetime | None, fetched: datetime, where: str | None) -> datetime | None:
    """A parsed date inside the plausible window, else None (the entry counts as undated).

    A hostile or broken feed can claim year 9999 or year 1; stored raw, such
    a date breaks every later build (no UTC time exists for it).
    """
    checked = plausible_date(when, fetched)
    if when is not None and checked is None:
        log.info("%s: ignored an implausible entry date %s", where or "feed", when.isoformat())
    return checked


def _http_link(base: str, link: Any) -> str | None:
    """An absolute http(s) link, or None (feedparser offers ``urn:`` ids as links)."""
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        absolute = urljoin(base, link.strip())
    except ValueError:  # "http://[::1": kept as it is, to fail alone when fetched
        absolute = link.strip()
    return web_url(absolute)


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
                 fetched: datetime, skip: int = 0) -> list[Entry]:
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 has NULs by design
        data = _CONTROL_BYTES.sub(b"", data)
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
        link = _http_link(base, item.get("link"))
        content, summary = _entry_content(item)
        published = _believable(
            _parse_date(item.get("published"), item.get("published_parsed"))
            or _parse_date(item.get("updated"), item.get("updated_parsed")), fetched, url)
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


# --- Streaming XML feeds ------------------------------------------------------
#
# A big feed (STREAM_MIN bytes or more) is read with lxml's pull parser, one
# <item>/<entry> at a time, each element freed once its Entry is made, so
# memory does not grow with the feed. The values are those the feedparser
# path gives: the same sanitizer and relative-URI resolver (feedparser's
# own), the same date parsing, the same link and summary rules.

STREAM_MIN = 4 * 1024 * 1024
_CHUNK = 1 << 16
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_ATOM_NS = ("http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#")
_RSS_NS = (None, "", "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/",
           "http://backend.userland.com/rss2", "http://blogs.law.harvard.edu/tech/rss")
_DC_NS = ("http://purl.org/dc/elements/1.1/", "http://purl.org/dc/terms/")
_CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_ATOM_TYPES = {"text": "text/plain", "html": "text/html", "xhtml": "application/xhtml+xml"}
_XML_DECL = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


class _NotStreamable(Exception):
    """The document is not one the streaming path reads; feedparser takes it."""


def _declared_encoding(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    match = _XML_DECL.match(head.lstrip(b"\xef\xbb\xbf \t\r\n"))
    return match.group(1).decode("ascii").lower() if match else "utf-8"


def _inner_xml(elem: Any) -> str:
    """The text of an element, with any child markup kept as markup."""
    text = elem.text or ""
    if len(elem):
        text += "".join(etree.tostring(child, encoding="unicode", with_tail=True)
                        for child in elem)
    return text


def _xhtml_inner(elem: Any) -> str:
    """Atom type="xhtml": the content of the wrapping <div>, without namespaces."""
    children = [c for c in elem if isinstance(c.tag, str)]
    node = elem
    if len(children) == 1 and etree.QName(children[0]).localname == "div" \
            and not (elem.text or "").strip() and not (children[0].tail or "").strip():
        node = children[0]
    parts = [node.text or ""]
    for child in node:
        if not isinstance(child.tag, str):
            parts.append(child.tail or "")
            continue
        copy = etree.fromstring(etree.tostring(child, with_tail=False))
        for sub in copy.iter():
            if isinstance(sub.tag, str):
                sub.tag = etree.QName(sub).localname
        etree.cleanup_namespaces(copy)
        parts.append(etree.tostring(copy, encoding="unicode", method="html"))
        parts.append(child.tail or "")
    return "".join(parts)


class _Streamer:
    """Turns one <item>/<entry> element into the values feedparser would give."""

    def __init__(self, url: str | None, encoding: str, source: str, fetched: datetime) -> None:
        from feedparser.html import _cp1252
        from feedparser.sanitizer import _sanitize_html
        from feedparser.urls import resolve_relative_uris

        self.url = url
        self.base = url or ""
        self.utf8 = encoding in ("utf-8", "utf8")
        self.source = source
        self.fetched = fetched
        self._cp1252 = _cp1252
        self._sanitize: Callable[[str, str, str], str] = _sanitize_html
        self._resolve: Callable[[str, str, str, str], str] = resolve_relative_uris

    def set_root(self, root: Any) -> None:
        self.base = urljoin(self.url or "", root.get(f"{_XML_NS}base") or "")

    def _text(self, value: str, element_base: str, kind: str | None) -> str:
        """feedparser's ``pop``: strip, resolve and sanitize HTML, fix mojibake."""
        output = value.strip()
        if kind is not None and kind in _HTML_TYPES:
            output = self._resolve(output, element_base, "utf-8", kind)
            output = self._sanitize(output, "utf-8", kind)
        if self.utf8:
            with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                output = output.encode("iso-8859-1").decode("utf-8")
        return output.translate(self._cp1252)

    def _guess(self, value: str, kind: str, atom: bool) -> str:
        from feedparser.mixin import _FeedParserMixin

        if not atom and kind == "text/plain" and _FeedParserMixin.looks_like_html(value.strip()):
            return "text/html"
        return kind

    def entry(self, elem: Any, atom: bool) -> Entry | None:
        base = urljoin(self.base, elem.get(f"{_XML_NS}base") or "")
        title: str | None = None
        link: str | None = None
        guid: str | None = None
        author: str | None = None
        published: tuple[str, Any] | None = None
        updated: tuple[str, Any] | None = None
        content: tuple[str, str] | None = None  # (value, type)
        summary: tuple[str, str] | None = None
        for child in elem:
            if not isinstance(child.tag, str):
                continue
            qname = etree.QName(child)
            ns, name = qname.namespace, qname.localname.lower()
            own = ns in _ATOM_NS if atom else ns in _RSS_NS
            cbase = urljoin(base, child.get(f"{_XML_NS}base") or "")
            if (own and name == "title") or (ns in _DC_NS and name == "title" and title is None):
                kind = _ATOM_TYPES.get(child.get("type") or "text", child.get("type") or "") \
                    if atom else "text/plain"
                raw = _xhtml_inner(child) if kind == "application/xhtml+xml" else _inner_xml(child)
                title = self._text(raw, cbase, self._guess(raw, kind, atom))
            elif own and name == "link":
                href = child.get("href")
                if href is None and not atom:
                    link = urljoin(cbase, (child.text or "").strip())
                elif href is not None:
                    rel = child.get("rel") or "alternate"
                    kind = child.get("type") or "text/html"
                    if rel == "alternate" and kind in _HTML_TYPES:
                        link = urljoin(cbase, href.strip())
            elif own and name in ("guid", "id"):
                if child.get("isPermaLink", child.get("ispermalink", "true")) == "true":
                    guid = urljoin(cbase, (child.text or "").strip())
            elif (own and name == "author") or (ns in _DC_NS and name == "creator"):
                if atom and own:
                    names = [c for c in child if isinstance(c.tag, str)
                             and etree.QName(c).localname == "name"]
                    raw = names[0].text or "" if names else ""
                else:
                    raw = _inner_xml(child)
                author = self._text(raw, cbase, None)
            elif (own and name in ("pubdate", "published", "issued")) \
                    or (ns in _DC_NS and name in ("issued", "created")):
                published = published or ((child.text or "").strip(), None)
            elif (own and name in ("updated", "modified")) \
                    or (ns in _DC_NS and name in ("date", "modified")):
                updated = ((child.text or "").strip(), None)
            elif (ns == _CONTENT_NS and name == "encoded") or (own and atom and name == "content"):
                if atom:
                    kind = _ATOM_TYPES.get(child.get("type") or "text", child.get("type") or "")
                else:
                    kind = "text/html"
                raw = _xhtml_inner(child) if kind == "application/xhtml+xml" else _inner_xml(child)
                content = (self._text(raw, cbase, kind), kind)
            elif own and name in ("description", "summary"):
                kind = _ATOM_TYPES.get(child.get("type") or "text", child.get("type") or "") \
                    if atom else "text/html"
                raw = _xhtml_inner(child) if kind == "application/xhtml+xml" else _inner_xml(child)
                summary = (self._text(raw, cbase, self._guess(raw, kind, atom)), kind)
        if summary is None and content is not None and (
                content[1] in _HTML_TYPES or content[1] == "text/plain"):
            summary = content  # feedparser copies content into summary
        if link is None and guid:
            link = guid
        return self._make(title, link, author, published, updated, content, summary)

    def _make(self, title: str | None, link: str | None, author: str | None,
              published: tuple[str, Any] | None, updated: tuple[str, Any] | None,
              content: tuple[str, str] | None, summary: tuple[str, str] | None) -> Entry | None:
        from feedparser.datetimes import _parse_date as feedparser_date

        item: dict[str, Any] = {"title": title, "author": author or None}
        if link:
            item["link"] = link
        if content is not None and content[0]:
            item["content"] = [{"value": content[0], "type": content[1]}]
        if summary is not None and summary[0]:
            item["summary"] = summary[0]
            item["summary_detail"] = {"type": summary[1]}
        when = None
        for raw in (published, updated):
            if raw is not None and raw[0]:
                when = _believable(_parse_date(raw[0])
                                   or _parse_date(None, feedparser_date(raw[0])),
                                   self.fetched, self.url)
                if when is not None:
                    break
        href = _http_link(self.url or "", item.get("link"))
        body, short = _entry_content(item)
        if href is None and not (body or short):
            log.debug("%s: skipped an entry with neither link nor content", self.url)
            return None
        return Entry(
            source=self.source,
            url=canonicalize(href) if href else None,
            title=_clean_text(item.get("title")),
            author=_clean_text(item.get("author")),
            published=when or self.fetched,
            date_missing=when is None,
            content_html=body,
            summary_html=short,
        )


def _chunks(data: bytes | Path, clean: bool) -> Iterator[bytes]:
    """The document in pieces, illegal control bytes removed (not from UTF-16)."""
    if isinstance(data, Path):
        with data.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                yield _CONTROL_BYTES.sub(b"", chunk) if clean else chunk
        return
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        chunk = bytes(view[start:start + _CHUNK])
        yield _CONTROL_BYTES.sub(b"", chunk) if clean else chunk


def _stream_items(data: bytes | Path, streamer: _Streamer, clean: bool,
                  ) -> Iterator[Entry | None]:
    """One value per item/entry element, in document order (None: skipped).

    Raises _NotStreamable when the root is no RSS, RDF or Atom root, and
    etree.XMLSyntaxError when the XML is broken.
    """
    parser = etree.XMLPullParser(events=("start", "end"), huge_tree=True,
                                 resolve_entities=False, no_network=True,
                                 remove_comments=True, remove_pis=True)
    root: Any = None
    atom = False
    for chunk in _chunks(data, clean):
        parser.feed(chunk)
        for event, elem in parser.read_events():
            if not isinstance(elem.tag, str):
                continue
            if root is None:
                root = elem
                qname = etree.QName(elem)
                name = qname.localname.lower()
                atom = name == "feed" and qname.namespace in _ATOM_NS
                if not atom and name not in ("rss", "rdf"):
                    raise _NotStreamable(name)
                streamer.set_root(elem)
                continue
            if event != "end":
                continue
            parent = elem.getparent()
            name = etree.QName(elem).localname
            if name == ("entry" if atom else "item") and parent is not None and (
                    parent is root or parent.getparent() is root):
                try:
                    yield streamer.entry(elem, atom)
                finally:
                    elem.clear(keep_tail=False)
                    while elem.getprevious() is not None:
                        del parent[0]
    parser.close()
    if root is None:
        raise _NotStreamable("no root element")


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
        published = _believable(_parse_date(item.get("date_published")) or _parse_date(
            item.get("date_modified")), fetched, url)
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
    encoding = _declared_encoding(head)
    json_like = ctype.strip().lower() in ("application/feed+json", "application/json") \
        or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
    if size < stream_min or json_like or (charset and charset.group(1).lower() != encoding):
        raw = data.read_bytes() if isinstance(data, Path) else data
        yield from parse_feed(raw, url=url, content_type=content_type, source=source,
                              fetched=fetched)
        return
    streamer = _Streamer(url, encoding, source, fetched)
    clean = not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    count = 0
    try:
        for entry in _stream_items(data, streamer, clean):
            count += 1
            if entry is not None:
                yield entry
    except (etree.XMLSyntaxError, _NotStreamable) as exc:
        log.info("%s: read with feedparser after %d streamed entries: %s",
                 url or source, count, exc)
        raw = data.read_bytes() if isinstance(data, Path) else data
        yield from _xml_entries(raw, url, content_type, source, fetched, skip=count)
