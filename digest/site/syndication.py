"""The digest's own feeds: Atom (RFC 4287) and JSON Feed 1.1, site-wide and per tag.

Built from front matter only. Titles and summaries are untrusted, so they go
out as plain text (``type="text"`` in Atom, ``content_text`` in JSON Feed) and
never as HTML, escaped by :mod:`digest.escape`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from digest import project_url
from digest.escape import html_text, json_text, web_url
from digest.site.format import lang_tag, slug_for
from digest.site.records import Record

__all__ = ["FEED_SIZE", "FeedInfo", "SourceInfo", "atom_feed", "json_feed"]

FEED_SIZE = 50  # entries per feed: enough for a reader that polls daily


@dataclass(frozen=True)
class FeedInfo:
    title: str
    description: str
    site_url: str | None  # absolute, ending in '/'; None when the digest has no site.url
    home_path: str  # the page the feed is about, relative to the site root ('' or 'tags/x/')
    self_path: str  # the feed's own path relative to the site root
    language: str = "en"


@dataclass(frozen=True)
class SourceInfo:
    """What an Atom ``<source>`` says of the feed an entry came from (RFC 4287 4.2.11)."""

    id: str  # the source's own feed URL, or its page on this site, or a URN
    updated: datetime  # its newest story
    link: str | None = None  # its page on this site


_x = html_text


def _abs(info: FeedInfo, path: str) -> str | None:
    return None if info.site_url is None else info.site_url + path


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def atom_feed(
    info: FeedInfo,
    records: Sequence[Record],
    now: datetime,
    sources: Mapping[str, SourceInfo] | None = None,
) -> str:
    """``now`` dates a feed without entries: it must be plausible and the same on
    every run (or the file would be rewritten each time)."""
    updated = _stamp(records[0].when if records else now)
    feed_id = _abs(info, info.home_path) or f"urn:digest:{slug_for(info.title)}"
    head = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{_x(info.language)}">',
        f'  <title type="text">{_x(info.title)}</title>',
        f"  <id>{_x(feed_id)}</id>",
        f"  <updated>{updated}</updated>",
        f"  <author><name>{_x(info.title)}</name></author>",
        f'  <generator uri="{_x(project_url())}">digest</generator>',
    ]
    if info.description:
        head.append(f'  <subtitle type="text">{_x(info.description)}</subtitle>')
    home, self_url = _abs(info, info.home_path), _abs(info, info.self_path)
    if home:
        head.append(f'  <link rel="alternate" type="text/html" href="{_x(home)}"/>')
    if self_url:
        head.append(f'  <link rel="self" type="application/atom+xml" href="{_x(self_url)}"/>')
    for r in records:
        page = _abs(info, r.page_url)
        original = web_url(r.url)
        entry_id = web_url(r.canonical_url) or original or page or f"urn:digest:{r.rel}"
        # Each entry says its language (an article that declares none is in the site's).
        lang = lang_tag(r.language) or lang_tag(info.language)
        head.append(f'  <entry xml:lang="{_x(lang)}">' if lang else "  <entry>")
        head.append(f'    <title type="text">{_x(r.title)}</title>')
        head.append(f"    <id>{_x(entry_id)}</id>")
        head.append(f"    <published>{_stamp(r.when)}</published>")
        head.append(f"    <updated>{_stamp(r.when)}</updated>")
        if page or original:
            head.append(
                f'    <link rel="alternate" type="text/html" href="{_x(page or original or "")}"/>'
            )
        if page and original:
            head.append(f'    <link rel="related" type="text/html" href="{_x(original)}"/>')
        if r.author:
            head.append(f"    <author><name>{_x(r.author)}</name></author>")
        source = (sources or {}).get(r.source)
        if r.source and source is not None:
            head.append("    <source>")
            head.append(f"      <id>{_x(source.id)}</id>")
            head.append(f'      <title type="text">{_x(r.source)}</title>')
            head.append(f"      <updated>{_stamp(source.updated)}</updated>")
            if source.link:
                link = _x(source.link)
                head.append(f'      <link rel="alternate" type="text/html" href="{link}"/>')
            head.append("    </source>")
        for tag in r.tags:
            head.append(f'    <category term="{_x(tag)}"/>')
        if r.summary:
            head.append(f'    <summary type="text">{_x(r.summary)}</summary>')
        head.append("  </entry>")
    head.append("</feed>")
    return "\n".join(head) + "\n"


def json_feed(info: FeedInfo, records: Sequence[Record]) -> str:
    items = []
    for r in records:
        page = _abs(info, r.page_url)
        original = web_url(r.url)
        item: dict[str, object] = {
            "id": web_url(r.canonical_url) or original or page or r.rel,
            "title": r.title,
            "content_text": r.summary or r.title,
            "date_published": _stamp(r.when),
            "tags": list(r.tags),
        }
        if page or original:
            item["url"] = page or original
        if page and original:
            item["external_url"] = original
        if r.summary:
            item["summary"] = r.summary
        if r.author:
            item["authors"] = [{"name": r.author}]
        if r.language:
            item["language"] = r.language
        if r.image:
            item["image"] = r.image
        items.append(item)
    feed: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title,
        "language": info.language,
        "items": items,
    }
    if info.description:
        feed["description"] = info.description
    if info.site_url:
        feed["home_page_url"] = _abs(info, info.home_path)
        feed["feed_url"] = _abs(info, info.self_path)
    return json_text(feed) + "\n"
