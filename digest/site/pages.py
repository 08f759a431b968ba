"""The listing pages: home, tags, sources, days and the paginated archive.

Each function returns ``{path relative to content/: Markdown text}``; the
caller writes them. The long lists (one entry per article) are raw HTML blocks
with final relative URLs (``urls``: MkDocs' ``use_directory_urls``), which
Python-Markdown passes through whole: as Markdown, their links, escapes and
summaries made these pages cost more to build than all the articles' pages.
Untrusted strings go through :mod:`digest.escape` (``html_text`` there,
``md_text`` in the few Markdown lines); those keep relative ``.md`` links that MkDocs checks.
"""

from __future__ import annotations

import functools
import html
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import yaml

from digest.escape import html_text, md_text
from digest.site.format import (
    href,
    long_date,
    page_url,
    rel_link,
    short_summary,
    slug_for,
    time_html,
)
from digest.site.records import Record

__all__ = [
    "TagInfo",
    "archive_pages",
    "clear_caches",
    "day_pages",
    "home_page",
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
    r'(?:\A|(?<=\n\n))(<div class="digest-list">\n<ul>\n.*?\n</ul>\n</div>'
    r'|<ul class="digest-index">\n.*?\n</ul>'
    r'|<p class="digest-pager">[^\n]*</p>)\n',
    re.DOTALL,
)
_HOME_PER_GROUP = 20  # a busy week still gives a home page that loads fast


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


def _front(title: str, **extra: Any) -> str:
    data: dict[str, Any] = {"title": title, **extra}
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


_time = _cached(time_html)


def clear_caches() -> None:
    """Forget the escaped texts and URLs of the last run (the caller's MkDocs build
    need not hold them)."""
    for cached in (_text, _summary, _time, source_page, page_url):
        cached.cache_clear()


def _a(page: str, target: str, label: str, urls: bool) -> str:
    return f'<a href="{html.escape(href(page, target, urls))}">{label}</a>'


def _entry(
    page: str,
    r: Record,
    *,
    with_date: bool = True,
    show_source: bool = True,
    summary: bool = True,
    urls: bool = True,
) -> str:
    meta = [_time(r.when, with_date=with_date)]
    if show_source and r.source:
        meta.insert(0, _a(page, source_page(r.source), _text(r.source), urls))
    line = f"<li><strong>{_a(page, r.rel, _text(r.title), urls)}</strong><br>\n" + " · ".join(meta)
    # The archive lists every article again: without summaries its pages stay small.
    if summary and r.summary:
        line += "<br>\n" + _summary(r.summary)
    return line + "</li>"


def _listing(page: str, records: Iterable[Record], **kw: bool) -> str:
    """The entries as one raw HTML block: Python-Markdown stashes it whole instead of
    parsing thousands of links, escapes and summaries inline (the bulk of the build
    time of these pages when they were Markdown)."""
    body = "\n".join(_entry(page, r, **kw) for r in records)
    return f'<div class="digest-list">\n<ul>\n{body}\n</ul>\n</div>\n' if body else ""


@_cached
def source_page(name: str) -> str:
    return f"sources/{slug_for(name)}/index.md"


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
    urls: bool = True,
    **kw: bool,
) -> dict[str, str]:
    """``folder/index.md`` holds the newest ``size`` records, ``folder/N.md`` the older."""
    chunks = [records[i : i + size] for i in range(0, len(records), size)] or [[]]
    names = [f"{folder}/index.md"] + [f"{folder}/{n}.md" for n in range(2, len(chunks) + 1)]
    out: dict[str, str] = {}
    for i, (name, chunk) in enumerate(zip(names, chunks, strict=True)):
        heading = title if i == 0 else f"{title} (page {i + 1})"
        text = _front(heading, hide=["toc"]) + intro + "\n" + _listing(name, chunk, urls=urls, **kw)
        out[name] = text + _pager(names, i, urls)
    return out


def _index(page: str, lines: Iterable[tuple[str, str, str]], urls: bool) -> str:
    """A plain list of links with counts or notes: (target page, label, trailing HTML)."""
    items = "\n".join(f"<li>{_a(page, t, label, urls)}{rest}</li>" for t, label, rest in lines)
    return f'<ul class="digest-index">\n{items}\n</ul>\n' if items else ""


def tag_pages(
    records: Sequence[Record], tags: Sequence[TagInfo], size: int, urls: bool = True
) -> dict[str, str]:
    by_tag: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        for t in dict.fromkeys(r.tags):
            by_tag[t].append(r)
    out: dict[str, str] = {}
    index: list[tuple[str, str, str]] = []
    for tag in tags:
        items = by_tag.get(tag.name, [])
        intro = md_text(tag.description) + "\n" if tag.description else ""
        feeds = (
            f"Subscribe: [Atom]({rel_link(tag.page, f'feeds/tags/{tag.slug}.xml')}) · "
            f"[JSON Feed]({rel_link(tag.page, f'feeds/tags/{tag.slug}.json')})\n"
        )
        out.update(
            _paginated(f"tags/{tag.slug}", tag.title, intro + "\n" + feeds, items, size, urls)
        )
        note = f"<br>\n{_text(tag.description)}" if tag.description else ""
        index.append((tag.page, f"<strong>{_text(tag.title)}</strong>", f" ({len(items)}){note}"))
    out["tags/index.md"] = _front("Tags", hide=["toc"]) + _index("tags/index.md", index, urls)
    return out


def source_pages(records: Sequence[Record], size: int, urls: bool = True) -> dict[str, str]:
    by_source: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        for s in dict.fromkeys(r.sources or (r.source,)):
            if s:
                by_source[s].append(r)
    out: dict[str, str] = {}
    index: list[tuple[str, str, str]] = []
    for name in sorted(by_source, key=str.casefold):
        folder = source_page(name).rsplit("/", 1)[0]
        items = by_source[name]
        out.update(_paginated(folder, name, "", items, size, urls, show_source=False))
        index.append((source_page(name), _text(name), f" ({len(items)})"))
    out["sources/index.md"] = _front("Sources", hide=["toc"]) + _index(
        "sources/index.md", index, urls
    )
    return out


def day_page(day: date) -> str:
    return f"days/{day.isoformat()}.md"


def day_pages(records: Sequence[Record], urls: bool = True) -> dict[str, str]:
    by_day: dict[date, list[Record]] = defaultdict(list)
    for r in records:
        by_day[r.when.date()].append(r)
    out: dict[str, str] = {}
    by_month: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for day in sorted(by_day, reverse=True):
        name = day_page(day)
        out[name] = _front(long_date(day)) + _listing(name, by_day[day], urls=urls)
        by_month[f"{day:%B %Y}"].append((name, long_date(day), f" ({len(by_day[day])})"))
    index = [_front("Archive by day", hide=["toc"])]
    for month, days in by_month.items():
        index.append(f"## {month}\n\n" + _index("days/index.md", days, urls))
    out["days/index.md"] = "\n".join(index)
    return out


def archive_pages(records: Sequence[Record], size: int, urls: bool = True) -> dict[str, str]:
    days = rel_link("archive/index.md", "days/index.md")
    intro = f"All articles, newest first. Also by [day]({days}).\n"
    return _paginated("archive", "Archive", intro, records, size, urls, summary=False)


def _group(
    records: Iterable[Record], tags: Sequence[TagInfo]
) -> list[tuple[str, str | None, list[Record]]]:
    """Records under their first tag in taxonomy order; untagged ones last."""
    order = {t.name: i for i, t in enumerate(tags)}
    groups: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        known = sorted((t for t in r.tags if t in order), key=order.__getitem__)
        groups[known[0] if known else ""].append(r)
    out: list[tuple[str, str | None, list[Record]]] = [
        (t.title, t.page, groups[t.name]) for t in tags if groups.get(t.name)
    ]
    if groups.get(""):
        out.append(("Other news", None, groups[""]))
    return out


def home_page(
    records: Sequence[Record],
    tags: Sequence[TagInfo],
    *,
    title: str,
    description: str,
    days: int,
    urls: bool = True,
) -> str:
    """Today's and this week's digest; 'today' is the newest article's day so a quiet
    day shows the last news rather than an empty page."""
    # The left sidebar of the home tab would hold one link to the page itself.
    parts = [_front(title, hide=["navigation"]), f"# {md_text(title)}\n"]
    if description:
        parts.append(md_text(description) + "\n")
    if not records:
        parts.append("No articles yet. Run `digest fetch`, then `digest build`.\n")
    else:
        latest = records[0].when.date()
        since = latest - timedelta(days=days)
        today = [r for r in records if r.when.date() == latest]
        week = [r for r in records if since < r.when.date() < latest]
        for heading, items, with_date in (
            (f"Today: {long_date(latest)}", today, False),
            ("Earlier this week", week, True),
        ):
            if not items:
                continue
            parts.append(f"## {heading}\n")
            for group, page, members in _group(items, tags):
                parts.append(f"### {md_text(group)}\n")
                parts.append(
                    _listing(HOME, members[:_HOME_PER_GROUP], with_date=with_date, urls=urls)
                )
                if len(members) > _HOME_PER_GROUP and page:
                    parts.append(
                        f"[All {len(members)} in {md_text(group)} →]({rel_link(HOME, page)})\n"
                    )
    parts.append("## Browse\n")
    parts.append(
        " · ".join(
            [
                f"[Tags]({rel_link(HOME, 'tags/index.md')})",
                f"[Sources]({rel_link(HOME, 'sources/index.md')})",
                f"[By day]({rel_link(HOME, 'days/index.md')})",
                f"[Archive]({rel_link(HOME, 'archive/index.md')})",
                "[Atom feed](feeds/atom.xml)",
                "[JSON Feed](feeds/feed.json)",
            ]
        )
        + "\n"
    )
    return "\n".join(parts)


def search_page() -> dict[str, str]:
    """The page hosting Pagefind's search UI (the theme override loads its script)."""
    text = (
        _front("Search", hide=["navigation", "toc"])
        + "Search titles, summaries and tags of every article, in English or Chinese.\n\n"
        + '<div id="digest-search"></div>\n'
    )
    return {"search/index.md": text}
