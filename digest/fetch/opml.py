"""OPML, the feed list format of feed readers: read into Sources, written from them.

Read with lxml with entities and the network off (an OPML file is as
untrusted as a feed); written with the standard library.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from lxml import etree

from digest.errors import SourceError
from digest.escape import one_line, web_url
from digest.fetch.urls import canonicalize, host_of
from digest.model import Source, SourceKind

__all__ = ["export_opml", "import_opml"]

log = logging.getLogger(__name__)


def _outline_name(node: Any) -> str | None:
    for attr in ("title", "text"):
        value = one_line(node.get(attr))
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
            if not web_url(feed_url):
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


def export_opml(sources: Iterable[Source], *, title: str = "digest sources") -> str:
    """An OPML 2.0 document of the feed sources, one category outline per group."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    groups: dict[str, ET.Element] = {}
    for source in sources:
        if source.kind is not SourceKind.FEED or not web_url(source.location):
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
