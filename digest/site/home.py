"""The home page: the top stories of the last days, then the best of each tag.

"Today" is the build's day, never the newest article's: a digest that has
been quiet for a week says so, and shows its latest stories under their dates.
A story dated after the build (a feed's clock, a typo) never leads. The page is
bounded: a few top stories, a few per tag, each story once, and links to the
tag pages for the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from digest.escape import md_text
from digest.site.format import long_date, rel_link
from digest.site.pages import HOME, Listing, TagInfo, by_tag, front, listing
from digest.site.records import Record

__all__ = ["TOP_STORIES", "home_page", "ranked"]

TOP_STORIES = 5
PER_SECTION = 4


def ranked(records: Sequence[Record]) -> list[Record]:
    """Newest day first; within a day, the stories more sources carried, then the newest."""
    return sorted(records, key=lambda r: (r.when.date(), len(r.sources), r.when), reverse=True)


def _window(records: Sequence[Record], now: datetime, days: int) -> tuple[list[Record], str]:
    """The stories the home page picks from, and a line saying which they are."""
    current = [r for r in records if r.when <= now]
    if not current:
        return [], ""
    today = now.date()
    fresh = [r for r in current if r.when.date() > today - timedelta(days=days)]
    if fresh:
        span = "today's" if days == 1 else f"the last {days} days'"
        return fresh, f"Updated {long_date(today)}: {span} stories, newest first."
    latest = max(r.when.date() for r in current)
    window = [r for r in current if r.when.date() > latest - timedelta(days=days)]
    note = f"Nothing new in the last {days} days. The latest stories, up to {long_date(latest)}:"
    return window, note


def home_page(
    records: Sequence[Record],
    tags: Sequence[TagInfo],
    *,
    title: str,
    description: str,
    days: int,
    now: datetime,
    how: Listing,
) -> str:
    # The left sidebar of the home tab would hold one link to the page itself.
    window, note = _window(records, now, days)
    newest = max((r.when for r in window), default=None)
    parts = [
        front(title, hide=["navigation"], description=description, updated=newest),
        f"# {md_text(title)}\n",
    ]
    if description:
        parts.append(md_text(description) + "\n")
    if not window:
        parts.append("No articles yet. Run `digest fetch`, then `digest build`.\n")
    else:
        order = ranked(window)
        top = order[:TOP_STORIES]
        parts.append("## Top stories\n")
        parts.append(md_text(note) + "\n")
        parts.append(listing(HOME, top, how, kind="top"))
        shown = {r.rel for r in top}
        known = {t.name: i for i, t in enumerate(tags)}
        sections: dict[str, list[Record]] = {}
        for r in order:
            if r.rel in shown:
                continue
            first = min((t for t in r.tags if t in known), key=known.__getitem__, default="")
            sections.setdefault(first, []).append(r)
        totals = {name: len(items) for name, items in by_tag(records).items()}
        for tag in tags:
            members = sections.get(tag.name)
            if not members:
                continue
            parts.append(f"## {md_text(tag.title)}\n")
            parts.append(listing(HOME, members[:PER_SECTION], how))
            more = totals.get(tag.name, 0)
            parts.append(
                f"[All {more} stories in {md_text(tag.title)} →]({rel_link(HOME, tag.page)})\n"
            )
        others = sections.get("")
        if others:
            parts.append("## Other news\n")
            parts.append(listing(HOME, others[:PER_SECTION], how))
            if len(others) > PER_SECTION:
                parts.append(
                    f"[All stories, newest first →]({rel_link(HOME, 'archive/index.md')})\n"
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
