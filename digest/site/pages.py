"""The listing pages: tags, sources, days, the paginated archive and the search page.

Each function returns ``{path relative to content/: Markdown text}``; the
caller writes them. The long lists (one entry per article) are raw HTML blocks
with final relative URLs (``Listing.urls``: MkDocs' ``use_directory_urls``), which
Python-Markdown passes through whole: as Markdown, their links, escapes and
summaries made these pages cost more to build than all the articles' pages.
Untrusted strings go through :mod:`digest.escape` (``html_text`` there,
``md_text`` in the few Markdown lines); those keep relative ``.md`` links that MkDocs checks.
The home page is :mod:`digest.site.home`.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml

from digest.escape import html_text, md_text
from digest.site.format import (
    href,
    index_language,
    lang_tag,
    long_date,
    page_url,
    rel_link,
    short_summary,
    slug_for,
    time_html,
)
from digest.site.records import Record

__all__ = [
    "GENERATED_DIRS",
    "HOME",
    "RAW_BLOCK",
    "Listing",
    "TagInfo",
    "archive_pages",
    "clear_caches",
    "day_pages",
    "front",
    "listing",
    "search_page",
    "source_pages",
    "tag_pages",
]

# Folders of content/ that belong to the generator (stale files there are removed).
GENERATED_DIRS = ("tags", "sources", "days", "archive", "feeds", "search")
HOME = "index.md"
# The raw HTML blocks this module writes (the in-process build passes them
# around Python-Markdown: passthrough.py): the lists and the pager, each after a
# blank line or at the very start of the Markdown (MkDocs strips the front matter
# and the blank lines after it, so a day or source page starts with its list).
# Entries never hold a newline followed by "</ul>", nor a pager a newline:
# untrusted text is escaped and joined onto one line.
RAW_BLOCK = re.compile(
    r'(?:\A|(?<=\n\n))(<div class="digest-list[a-z -]*">\n<ul>\n.*?\n</ul>\n</div>'
    r'|<ul class="digest-index">\n.*?\n</ul>'
    r'|<p class="digest-pager">[^\n]*</p>)\n',
    re.DOTALL,
)
# A thumbnail's box: fixed, so a picture that loads late moves nothing.
THUMB_WIDTH, THUMB_HEIGHT = 112, 75


@dataclass(frozen=True)
class Listing:
    """How the listings are written for this build."""

    urls: bool = True  # MkDocs' use_directory_urls
    language: str = "en"  # the site's language: titles in another one are marked
    # Source name → its unique slug (format.source_slugs); a name missing here
    # gets the plain slug_for.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def source_slug(self, name: str) -> str:
        return self.sources.get(name) or slug_for(name)

    def source_page(self, name: str) -> str:
        return f"sources/{self.source_slug(name)}/index.md"


@dataclass(frozen=True)
class TagInfo:
    name: str
    title: str
    description: str = ""

    @property
    def slug(self) -> str:
        return slug_for(self.name)

    @property
    def page(self) -> str:
        return f"tags/{self.slug}/index.md"


_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def front(title: str, *, updated: datetime | None = None, **extra: Any) -> str:
    """Front matter: ``description`` feeds the page's meta and og:description,
    ``updated`` (the newest story listed) the sitemap's lastmod."""
    data: dict[str, Any] = {"title": title, **{k: v for k, v in extra.items() if v}}
    if updated is not None:
        data["updated"] = updated.isoformat()
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)
    return "---\n" + text + "---\n\n"


# Every article is listed on about five pages (its tags, sources, day, archive):
# its escaped title, source, summary and time are made once (bounded caches).
_cached = functools.lru_cache(maxsize=1 << 16)


@_cached
def _text(value: str) -> str:
    """One line of untrusted text for raw HTML (never a blank line: it would end the block)."""
    return html_text(" ".join(value.split()))


@_cached
def _summary(value: str) -> str:
    return _text(short_summary(value))


@_cached
def _lang(language: str | None, site: str) -> str:
    """A ``lang`` attribute for text in another language than the site's, or ''."""
    tag = lang_tag(language)
    if tag is None or index_language(tag) == index_language(site):
        return ""
    return f' lang="{html_text(tag)}"'


_time = _cached(time_html)


def clear_caches() -> None:
    """Forget the escaped texts and URLs of the last run (the caller's MkDocs build
    need not hold them)."""
    for cached in (_text, _summary, _lang, _time, page_url):
        cached.cache_clear()


def _a(page: str, target: str, label: str, urls: bool, attrs: str = "") -> str:
    return f'<a href="{html.escape(href(page, target, urls))}"{attrs}>{label}</a>'


def _thumb(r: Record) -> str:
    if not r.image:
        return ""
    return (
        f'<img class="digest-thumb" src="{_text(r.image)}" alt="{_text(r.image_alt)}"'
        f' width="{THUMB_WIDTH}" height="{THUMB_HEIGHT}" loading="lazy" decoding="async"'
        ' referrerpolicy="no-referrer">'
    )


def _entry(page: str, r: Record, how: Listing, *, show_source: bool, summary: bool) -> str:
    lang = _lang(r.language, how.language)
    meta = [_time(r.when)]
    if show_source and r.source:
        meta.insert(0, _a(page, how.source_page(r.source), _text(r.source), how.urls))
    line = (
        f"<li><div><strong>{_a(page, r.rel, _text(r.title), how.urls, lang)}</strong>"
        f' <span class="digest-meta">{" · ".join(meta)}</span>'
    )
    # The archive lists every article again: without summaries (and pictures) its
    # pages stay small.
    if summary and r.summary:
        line += f' <span class="digest-summary"{lang}>{_summary(r.summary)}</span>'
    return line + "</div>" + (_thumb(r) if summary else "") + "</li>"


def listing(
    page: str,
    records: Iterable[Record],
    how: Listing,
    *,
    kind: str = "",
    show_source: bool = True,
    summary: bool = True,
) -> str:
    """The entries as one raw HTML block: Python-Markdown stashes it whole instead of
    parsing thousands of links, escapes and summaries inline (the bulk of the build
    time of these pages when they were Markdown). ``kind`` names a variant ("top")."""
    body = "\n".join(
        _entry(page, r, how, show_source=show_source, summary=summary) for r in records
    )
    css = f"digest-list digest-list--{kind}" if kind else "digest-list"
    return f'<div class="{css}">\n<ul>\n{body}\n</ul>\n</div>\n' if body else ""


def _pager(page_of: Sequence[str], index: int, urls: bool) -> str:
    if len(page_of) < 2:
        return ""
    here = page_of[index]
    parts = []
    if index > 0:
        parts.append(_a(here, page_of[index - 1], "← Newer", urls))
    parts.append(f"Page {index + 1} of {len(page_of)}")
    if index + 1 < len(page_of):
        parts.append(_a(here, page_of[index + 1], "Older →", urls))
    return '\n<p class="digest-pager">' + " · ".join(parts) + "</p>\n"


def _paginated(
    folder: str,
    title: str,
    intro: str,
    records: Sequence[Record],
    size: int,
    how: Listing,
    description: str,
    *,
    show_source: bool = True,
    summary: bool = True,
) -> dict[str, str]:
    """``folder/index.md`` holds the newest ``size`` records, ``folder/N.md`` the older."""
    chunks = [records[i : i + size] for i in range(0, len(records), size)] or [[]]
    names = [f"{folder}/index.md"] + [f"{folder}/{n}.md" for n in range(2, len(chunks) + 1)]
    out: dict[str, str] = {}
    for i, (name, chunk) in enumerate(zip(names, chunks, strict=True)):
        heading = title if i == 0 else f"{title} (page {i + 1})"
        head = front(
            heading,
            hide=["toc"],
            description=description,
            updated=chunk[0].when if chunk else None,
        )
        entries = listing(name, chunk, how, show_source=show_source, summary=summary)
        out[name] = head + intro + "\n" + entries + _pager(names, i, how.urls)
    return out


def _index(page: str, lines: Iterable[tuple[str, str, str]], urls: bool) -> str:
    """A plain list of links with counts or notes: (target page, label, trailing HTML)."""
    items = "\n".join(f"<li>{_a(page, t, label, urls)}{rest}</li>" for t, label, rest in lines)
    return f'<ul class="digest-index">\n{items}\n</ul>\n' if items else ""


def by_tag(records: Iterable[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        for t in dict.fromkeys(r.tags):
            out[t].append(r)
    return out


def tag_pages(
    records: Sequence[Record], tags: Sequence[TagInfo], size: int, how: Listing
) -> dict[str, str]:
    """A page per tag that has articles (an empty tag is shown nowhere), and the index."""
    grouped = by_tag(records)
    out: dict[str, str] = {}
    index: list[tuple[str, str, str]] = []
    for tag in tags:
        items = grouped.get(tag.name, [])
        if not items:
            continue
        intro = md_text(tag.description) + "\n" if tag.description else ""
        feeds = (
            f"Subscribe: [Atom]({rel_link(tag.page, f'feeds/tags/{tag.slug}.xml')}) · "
            f"[JSON Feed]({rel_link(tag.page, f'feeds/tags/{tag.slug}.json')})\n"
        )
        about = tag.description or f"Stories tagged {tag.title}, newest first."
        out.update(
            _paginated(f"tags/{tag.slug}", tag.title, intro + "\n" + feeds, items, size, how, about)
        )
        note = f"<br>\n{_text(tag.description)}" if tag.description else ""
        index.append((tag.page, f"<strong>{_text(tag.title)}</strong>", f" ({len(items)}){note}"))
    newest = records[0].when if records else None
    out["tags/index.md"] = front(
        "Tags", hide=["toc"], description="The topics of this digest.", updated=newest
    ) + _index("tags/index.md", index, how.urls)
    return out


def source_pages(records: Sequence[Record], size: int, how: Listing) -> dict[str, str]:
    by_source: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        for s in dict.fromkeys(r.sources or (r.source,)):
            if s:
                by_source[s].append(r)
    out: dict[str, str] = {}
    index: list[tuple[str, str, str]] = []
    for name in sorted(by_source, key=str.casefold):
        folder = how.source_page(name).rsplit("/", 1)[0]
        items = by_source[name]
        about = f"Stories from {name}, newest first."
        out.update(_paginated(folder, name, "", items, size, how, about, show_source=False))
        index.append((how.source_page(name), _text(name), f" ({len(items)})"))
    newest = records[0].when if records else None
    out["sources/index.md"] = front(
        "Sources", hide=["toc"], description="Where the stories come from.", updated=newest
    ) + _index("sources/index.md", index, how.urls)
    return out


def day_page(day: date) -> str:
    return f"days/{day.isoformat()}.md"


def day_pages(records: Sequence[Record], how: Listing) -> dict[str, str]:
    by_day: dict[date, list[Record]] = defaultdict(list)
    for r in records:
        by_day[r.when.date()].append(r)
    out: dict[str, str] = {}
    by_month: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for day in sorted(by_day, reverse=True):
        name = day_page(day)
        items = by_day[day]
        head = front(
            long_date(day),
            description=f"Stories filed on {long_date(day)}.",
            updated=items[0].when,
        )
        out[name] = head + listing(name, items, how)
        by_month[f"{day:%B %Y}"].append((name, long_date(day), f" ({len(items)})"))
    newest = records[0].when if records else None
    index = [
        front("Archive by day", hide=["toc"], description="Every day with stories.", updated=newest)
    ]
    for month, days in by_month.items():
        index.append(f"## {month}\n\n" + _index("days/index.md", days, how.urls))
    out["days/index.md"] = "\n".join(index)
    return out


def archive_pages(records: Sequence[Record], size: int, how: Listing) -> dict[str, str]:
    days = rel_link("archive/index.md", "days/index.md")
    intro = f"All articles, newest first. Also by [day]({days}).\n"
    about = "All stories, newest first."
    return _paginated("archive", "Archive", intro, records, size, how, about, summary=False)


def search_page(tags: Sequence[tuple[str, str]] = (),
                sources: Sequence[tuple[str, str]] = ()) -> dict[str, str]:
    """The page hosting the search (digest.js builds the form on Pagefind's JS API).

    ``tags`` and ``sources`` are (slug, label) pairs. The index files each article
    under its tags' and source's slugs: Pagefind matches no filter value that
    holds a double quote, and a name may hold anything. The lists come with the
    page: read from the index, they would cost a request per bundle."""
    def pairs(items: Sequence[tuple[str, str]]) -> list[list[str]]:
        return [[slug, label] for slug, label in sorted(items, key=lambda i: i[1].casefold())]

    values = html_text(json.dumps({"tag": pairs(tags), "source": pairs(sources)}))
    text = (
        front("Search", hide=["navigation", "toc"], description="Search every article.")
        + "Search the full text of every article, in any of its languages.\n\n"
        + f'<div id="digest-search" data-filters="{values}"></div>\n'
    )
    return {"search/index.md": text}
