"""The archive: front matter round trips, atomic writes, one file per story."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.archive.files import TMP_PREFIX
from digest.archive.fingerprint import THRESHOLD, band_values, closest, hamming
from digest.archive.frontmatter import dump_article, load_article
from digest.archive.store import Archive, StateDB, slugify
from digest.model import Article

BEIJING = timezone(timedelta(hours=8))


def make(title: str = "A title", url: str = "https://example.org/a", **kw: object) -> Article:
    fields: dict[str, object] = {
        "title": title, "url": url, "canonical_url": url, "source": "Example",
        "fetched": datetime(2025, 1, 21, 1, 0, tzinfo=UTC),
        "published": datetime(2025, 1, 21, 6, 17, tzinfo=BEIJING),
        "body": "First paragraph.\n\nSecond paragraph.", "tags": ("us-china",),
        "summary": "First paragraph.",
    }
    fields.update(kw)
    return Article(**fields)  # type: ignore[arg-type]


HOSTILE = [
    'He said: "no"',
    "Colon: then more",
    "line one\nline two",
    "---",
    "a\n---\nb: c",
    "'single' and \"double\"",
    "# not a comment",
    "- not a list",
    "{not: a mapping}",
    "yes",
    "null",
    "2025-01-21",
    "  leading and trailing  ",
    "tab\there",
    "emoji 🚀 and 中文 and ٱلْعَرَبِيَّة",
    "<script>alert(1)</script>",
    "back\\slash",
    "\u2028line separator",
]


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_titles_round_trip(title: str) -> None:
    article = make(title=title, author=title, summary=title)
    text = dump_article(article)
    assert text.startswith("---\n")
    back = load_article(text)
    assert back == article


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(min_size=1).filter(lambda s: s.strip() != ""),
       author=st.text(), summary=st.text())
def test_any_unicode_round_trips(title: str, author: str, summary: str) -> None:
    article = make(title=title, author=author or None, summary=summary)
    assert load_article(dump_article(article)) == article


def test_published_keeps_its_utc_offset() -> None:
    text = dump_article(make())
    assert "published: '2025-01-21T06:17:00+08:00'" in text
    assert load_article(text).published == datetime(2025, 1, 21, 6, 17, tzinfo=BEIJING)


@given(st.text())
def test_slugs_are_safe_bounded_and_stable(title: str) -> None:
    slug = slugify(title, "https://example.org/x")
    assert 1 <= len(slug) <= 80
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    assert slug == slugify(title, "https://example.org/x")
    assert slug not in {".", ".."}


def test_cjk_title_gets_a_stable_slug_from_its_url() -> None:
    url = "https://zh.example.org/tech/2025/01/16/rednote.html"
    slug = slugify("美国网友涌入小红书", url)
    assert slug.startswith("rednote-") and slug == slugify("美国网友涌入小红书", url)
    assert slug != slugify("美国网友涌入小红书", url + "?page=2")
    assert slugify("美国网友涌入小红书", "https://zh.example.org/12345.html").startswith("article-")


def test_layout_and_no_temporary_files(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "content", tmp_path / ".digest" / "state.sqlite")
    result = archive.save(make(title="A journey from TikTok to RedNote"))
    assert result.created
    assert result.path == tmp_path / "content/articles/2025/01/21/a-journey-from-tiktok-to-rednote.md"
    assert not list((tmp_path / "content").rglob(f"{TMP_PREFIX}*"))


def test_same_story_twice_is_stored_once_with_both_sources(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "content", tmp_path / "state.sqlite")
    first = archive.save(make(source="Feed A"))
    again = archive.save(make(url="https://example.org/a?utm_source=x", source="Feed B"),
                         ("https://example.org/a",))
    assert not again.created and again.path == first.path
    assert len(list(archive.iter_paths())) == 1
    assert archive.read(first.path).sources == ("Feed A", "Feed B")


def test_state_is_rebuilt_from_content_when_corrupt(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    archive = Archive(tmp_path / "content", state)
    saved = archive.save(make())
    archive.close()
    state.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{state}{suffix}").unlink(missing_ok=True)
    archive = Archive(tmp_path / "content", state)
    assert archive.find("https://example.org/a") == saved.path


def test_article_deleted_by_hand_is_not_stored_again(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "content", tmp_path / "state.sqlite")
    saved = archive.save(make())
    saved.path.unlink()
    again = archive.save(make())
    assert not again.created
    assert not saved.path.exists()


def test_unreadable_article_is_skipped_not_fatal(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "content", tmp_path / "state.sqlite")
    archive.save(make())
    broken = tmp_path / "content/articles/2025/01/22/broken.md"
    broken.parent.mkdir(parents=True)
    broken.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    assert [s.article.title for s in archive.iter_articles()] == ["A title"]


def _near(rng: random.Random, fp: int, bits: int) -> int:
    for bit in rng.sample(range(64), bits):
        fp ^= 1 << bit
    return fp - (1 << 64) if fp >= 1 << 63 else fp


def test_near_duplicate_lookup_is_a_query_that_misses_no_near_copy(tmp_path: Path) -> None:
    # Checked against comparing with every stored fingerprint: the query
    # offers exactly those that share a 16-bit band, so every fingerprint
    # within the threshold, and the closest match is as close as any.
    rng = random.Random(7)
    db = StateDB(tmp_path / "state.sqlite")
    rows: list[tuple[str, str, int]] = []
    seeds = [rng.randrange(-(1 << 63), 1 << 63) for _ in range(40)]
    for n in range(400):  # families of near-identical fingerprints, signed and unsigned
        fp = _near(rng, rng.choice(seeds) & ((1 << 64) - 1), rng.randrange(0, 6))
        db.record(f"https://x/{n}", f"articles/{n}.md", (), fp)
        rows.append((f"https://x/{n}", f"articles/{n}.md", fp))
    db.record("https://x/none", "articles/none.md")  # no fingerprint: never a candidate
    for _ in range(300):
        probe = _near(rng, rng.choice(seeds) & ((1 << 64) - 1), rng.randrange(0, 5))
        sharing = {r for r in rows
                   if any(a == b for a, b in zip(band_values(probe), band_values(r[2]),
                                                 strict=True))}
        assert set(db.similar(probe)) == sharing
        near = [hamming(probe, r[2]) for r in rows if hamming(probe, r[2]) <= THRESHOLD]
        match = closest(probe, db.similar(probe))
        assert (match.distance if match else None) == (min(near) if near else None)
    plan = " ".join(str(row) for row in db.conn.execute(
        "EXPLAIN QUERY PLAN " + StateDB._SIMILAR, (1, 2, 3, 4)))
    assert all(f"articles_band{band}" in plan for band in range(4)), plan
    db.close()


def test_merging_a_source_keeps_the_fingerprint_and_the_order(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "state.sqlite")
    db.record("https://x/1", "articles/1.md", (), 5)
    db.record("https://x/2", "articles/2.md", (), 5)
    db.record("https://x/1", "articles/1.md", ("https://x/1?utm_source=y",))  # a merge
    assert db.similar(5) == [("https://x/1", "articles/1.md", 5),
                             ("https://x/2", "articles/2.md", 5)] * 4
    db.record("https://x/1", "articles/1.md", (), 7)  # --refresh: a new body
    match = closest(7, db.similar(7))
    assert match is not None and (match.canonical_url, match.distance) == ("https://x/1", 0)
    db.close()


def test_an_older_state_database_gains_the_band_indexes(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE articles (canonical_url TEXT PRIMARY KEY, path TEXT NOT NULL,
                               fingerprint INTEGER);
        CREATE TABLE urls (url TEXT PRIMARY KEY, canonical_url TEXT NOT NULL);
        CREATE TABLE http_cache (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        INSERT INTO articles VALUES ('https://x/1', 'articles/1.md', -8070450532247928832);
        INSERT INTO urls VALUES ('https://x/one', 'https://x/1');
        INSERT INTO http_cache VALUES ('https://x/feed', '"v1"', NULL);
    """)
    old.commit()
    old.close()
    db = StateDB(path)
    assert not db.fresh
    names = {row[0] for row in db.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {f"articles_band{band}" for band in range(4)} <= names
    assert db.similar(-8070450532247928832 ^ 0b101) == [
        ("https://x/1", "articles/1.md", -8070450532247928832)] * 3
    assert db.lookup("https://x/one") == "articles/1.md"
    assert db.validators("https://x/feed") == ('"v1"', None)
    db.close()


def test_near_copy_merges_and_refresh_replaces_the_body(tmp_path: Path) -> None:
    from dataclasses import replace

    from digest.archive.fingerprint import simhash

    archive = Archive(tmp_path / "content", tmp_path / "state.sqlite")
    body = " ".join(f"word{i}" for i in range(300))
    first = archive.save(make(source="Feed A", body=body), fingerprint=simhash(body))
    # Another URL, almost the same text: the same story.
    copy = make(url="https://mirror.example/b", source="Feed B", body=body + " extra")
    again = archive.save(copy, fingerprint=simhash(copy.body))
    assert not again.created and again.path == first.path
    assert archive.read(first.path).sources == ("Feed A", "Feed B")
    # --refresh: the new body replaces the old, every source and the manual tags stay.
    stored = archive.read(first.path)
    archive.write(first.path, replace(stored, manual_tags=("us-china",)))
    newer = make(source="Feed A", body="A corrected body.", tags=())
    placement = archive.place(newer, ("https://example.org/a",), refresh=True)
    assert placement.refreshed and not placement.created and placement.path == first.path
    assert placement.write is not None
    assert placement.write.body == "A corrected body."
    assert placement.write.sources == ("Feed A", "Feed B")
    assert placement.write.manual_tags == ("us-china",)
    assert "us-china" in placement.write.tags  # a tag added by hand stays on the page
