"""Big XML feeds read as a stream, one item at a time.

A big feed (STREAM_MIN bytes or more) is read with lxml's pull parser, one
<item>/<entry> at a time, each element freed once its Entry is made, so
memory does not grow with the feed. The values are those the feedparser
path gives: the same sanitizer and relative-URI resolver (feedparser's
own), the same date parsing, the same link and summary rules.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from digest.fetch.entries import (
    CONTROL_BYTES,
    HTML_TYPES,
    believable,
    clean_text,
    entry_content,
    http_link,
    parse_date,
)
from digest.fetch.urls import canonicalize
from digest.model import Entry

__all__ = ["STREAM_MIN", "NotStreamable", "Streamer", "declared_encoding", "stream_items"]

log = logging.getLogger("digest.fetch.feeds")

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


class NotStreamable(Exception):
    """The document is not one the streaming path reads; feedparser takes it."""


def declared_encoding(head: bytes) -> str:
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


class Streamer:
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
        if kind is not None and kind in HTML_TYPES:
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
                    if rel == "alternate" and kind in HTML_TYPES:
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
                content[1] in HTML_TYPES or content[1] == "text/plain"):
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
                when = believable(parse_date(raw[0])
                                   or parse_date(None, feedparser_date(raw[0])),
                                   self.fetched, self.url)
                if when is not None:
                    break
        href = http_link(self.url or "", item.get("link"))
        body, short = entry_content(item)
        if href is None and not (body or short):
            log.debug("%s: skipped an entry with neither link nor content", self.url)
            return None
        return Entry(
            source=self.source,
            url=canonicalize(href) if href else None,
            title=clean_text(item.get("title")),
            author=clean_text(item.get("author")),
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
                yield CONTROL_BYTES.sub(b"", chunk) if clean else chunk
        return
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        chunk = bytes(view[start:start + _CHUNK])
        yield CONTROL_BYTES.sub(b"", chunk) if clean else chunk


def stream_items(data: bytes | Path, streamer: Streamer, clean: bool,
                  ) -> Iterator[Entry | None]:
    """One value per item/entry element, in document order (None: skipped).

    Raises NotStreamable when the root is no RSS, RDF or Atom root, and
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
                    raise NotStreamable(name)
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
        raise NotStreamable("no root element")
