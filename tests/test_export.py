"""`digest export` on a small fixed archive matches the expected files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from runner import Digest

from digest.archive.store import Archive
from digest.model import Article

EXPECTED = Path(__file__).resolve().parent / "fixtures" / "export"
UTC = UTC


def _article(title: str, day: int, tags: tuple[str, ...], source: str, summary: str) -> Article:
    slug = title.lower().replace(" ", "-")
    return Article(
        title=title, url=f"https://news.example.org/{slug}", source=source,
        canonical_url=f"https://news.example.org/{slug}",
        fetched=datetime(2025, 1, 25, tzinfo=UTC),
        published=datetime(2025, 1, day, 8, 30, tzinfo=timezone(timedelta(hours=8))),
        body=f"{summary}\n\nMore text.", tags=tags, summary=summary, author="A. Writer")


ARTICLES = [
    _article("App sale ordered", 20, ("platform-policy", "us-china"), "Wire", "Congress acts."),
    _article("Creators move to RedNote", 21, ("social-media", "us-china"), "China Daily",
             "Users arrive [in] *numbers*."),
    _article("Chip export rules tighten", 18, ("us-china", "trade-economy"), "Wire",
             "New limits on accelerators."),
    _article("Solar tariff review delayed", 14, (), "Energy Desk", "No tag fits this one."),
    _article("Old news", 2, ("ai",), "Wire", "Before the window."),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "digest.yml").write_text(
        'site: {title: "Weekly <Digest>"}\nsources: []\n', encoding="utf-8")
    archive = Archive(tmp_path / "content", tmp_path / ".digest/state.sqlite")
    for article in ARTICLES:
        archive.save(article)
    archive.close()
    return tmp_path


def test_markdown_export_matches_expected(digest_in: Digest, folder: Path) -> None:
    result = digest_in("export", "--since", "2025-01-10", "--until", "2025-01-21")
    assert result.exit_code == 0, result.output
    assert result.output == (EXPECTED / "week.md").read_text(encoding="utf-8")


def test_tag_filter_and_output_file(digest_in: Digest, folder: Path) -> None:
    result = digest_in("export", "--tag", "us-china", "-o", "out.md")
    assert result.exit_code == 0, result.output
    text = (folder / "out.md").read_text(encoding="utf-8")
    assert text == (EXPECTED / "us-china.md").read_text(encoding="utf-8")


def test_jsonl_export_has_full_records(digest_in: Digest, folder: Path) -> None:
    result = digest_in("export", "--format", "jsonl", "--since", "2025-01-18")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["title"] for r in records] == ["Creators move to RedNote", "App sale ordered",
                                              "Chip export rules tighten"]
    assert records[0]["markdown"].startswith("Users arrive")
    assert records[0]["published"] == "2025-01-21T08:30:00+08:00"
    assert records[0]["sources"] == ["China Daily"]


def test_bad_dates_and_tags_are_refused(digest_in: Digest, folder: Path) -> None:
    result = digest_in("export", "--since", "last week")
    assert result.exit_code == 2 and "is not a date like 2025-01-21" in result.output
    result = digest_in("export", "--tag", "sports")
    assert result.exit_code == 2 and "unknown tag(s): sports" in result.output
