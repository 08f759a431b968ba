"""The home page ranks: the build's day is "today", future stories never lead, it stays short."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from digest.site.home import PER_SECTION, TOP_STORIES, home_page
from digest.site.pages import Listing, TagInfo
from digest.site.records import Record

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
TAGS = [TagInfo("ai", "AI"), TagInfo("trade", "Trade"), TagInfo("empty", "Nobody writes this")]


def record(n: int, when: datetime, tags: tuple[str, ...] = ("ai",), sources: int = 1) -> Record:
    return Record(
        rel=f"articles/{when:%Y/%m/%d}/story-{n}.md",
        title=f"Story {n}",
        url=f"https://news.example.org/{n}",
        source="Wire",
        when=when,
        summary=f"Summary {n}.",
        tags=tags,
        sources=tuple(f"Source {i}" for i in range(sources)),
        canonical_url=f"https://news.example.org/{n}",
    )


def home(records: list[Record], days: int = 7) -> str:
    ordered = sorted(records, key=lambda r: r.when, reverse=True)
    return home_page(ordered, TAGS, title="T", description="", days=days, now=NOW, how=Listing())


def titles(text: str) -> list[str]:
    return re.findall(r"<strong><a [^>]*>(Story \d+)</a></strong>", text)


def test_the_builds_day_leads_and_future_stories_never_do() -> None:
    stories = [
        record(1, NOW - timedelta(days=1)),
        record(2, NOW - timedelta(hours=2)),  # today
        record(3, NOW + timedelta(days=30)),  # a feed's wrong clock
        record(4, NOW - timedelta(days=2), sources=3),
    ]
    text = home(stories)
    assert "Updated Saturday 5 December 2026" in text
    top = titles(text.split("## Top stories")[1])
    assert top[0] == "Story 2"  # the freshest day first
    assert top.index("Story 1") < top.index("Story 4")  # then the day, before the size
    assert "Story 3" not in text


def test_a_quiet_digest_says_how_old_its_latest_stories_are() -> None:
    old = datetime(2019, 11, 20, 9, 0, tzinfo=UTC)
    text = home([record(1, old), record(2, old - timedelta(days=1))])
    assert "Today" not in text
    assert "Nothing new in the last 7 days" in text
    assert "Wednesday 20 November 2019" in text
    assert titles(text) == ["Story 1", "Story 2"]


def test_the_page_is_bounded_each_story_once_with_links_to_the_rest() -> None:
    stories = [
        record(n, NOW - timedelta(hours=n), tags=(("ai",), ("trade",), ())[n % 3])
        for n in range(300)
    ]
    text = home(stories)
    shown = titles(text)
    assert len(shown) == len(set(shown))  # each story once
    assert len(shown) <= TOP_STORIES + 3 * PER_SECTION
    assert "All 100 stories in AI →" in text and "All 100 stories in Trade →" in text
    assert "## Other news" in text
    assert "Nobody writes this" not in text  # a tag without stories is not shown


def test_a_story_carried_by_more_sources_leads_its_day() -> None:
    day = NOW - timedelta(hours=5)
    stories = [record(1, day + timedelta(hours=1)), record(2, day, sources=4)]
    assert titles(home(stories))[:2] == ["Story 2", "Story 1"]
