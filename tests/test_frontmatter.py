"""Front matter edited by hand, and dates at the edge of time, through fetch and build.

Article files are the archive's source of truth and people edit them. A value
digest cannot use stops the build with the file and line; one it can read
another way (one tag written as a string, a date no calendar can place) is a
warning and the build goes on. Nothing implausible is stored in the first place.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from runner import Digest
from test_end_to_end import write_config
from test_pipeline import prose

from digest.archive.frontmatter import dump_article, load_article, read_front_matter
from digest.archive.store import read_article
from digest.errors import StoreError

EDGE_DATES = ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"]


def _feed(path: Path, dates: list[str]) -> None:
    items = "".join(
        f"<item><title>Edge {n}</title><link>https://example.org/edge/{n}</link>"
        f"<dc:date>{when}</dc:date>"
        f"<content:encoded><![CDATA[{prose(f'edge-{n}')}]]></content:encoded></item>"
        for n, when in enumerate(dates))
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Edge</title>'
        f"{items}</channel></rss>", encoding="utf-8")


@pytest.fixture
def edge(digest_in: Digest) -> Digest:
    _feed(digest_in.folder / "edge.xml", EDGE_DATES)
    write_config(digest_in.folder, "  - {name: Edge, feed: edge.xml}\n")
    result = digest_in("fetch")
    assert result.exit_code == 0, result.output
    assert "Edge: 2 new, 0 already stored" in result.output
    return digest_in


def _articles(folder: Path) -> list[Path]:
    return sorted((folder / "content/articles").rglob("*.md"))


def test_entries_dated_at_the_end_of_time_are_stored_undated_and_the_site_builds(
        edge: Digest) -> None:
    for path in _articles(edge.folder):
        article = read_article(path)
        assert article.date_missing and article.published == article.fetched
        assert "9999" not in path.read_text() and "0001-01-01" not in path.read_text()
    result = edge("build")
    assert result.exit_code == 0, result.output
    atom = (edge.folder / "site/feeds/atom.xml").read_text(encoding="utf-8")
    assert "Edge 0" in atom and "Edge 1" in atom


def test_a_hand_edited_impossible_date_is_a_warning_and_the_build_goes_on(
        edge: Digest) -> None:
    path = _articles(edge.folder)[0]
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    published = next(i for i, line in enumerate(lines) if line.startswith("published:"))
    lines[published] = "published: 9999-12-31T23:59:59-05:00"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = edge("build")
    assert result.exit_code == 0, result.output
    rel = f"{path}:{published + 1}: published: 9999-12-31 23:59:59-05:00 is outside"
    assert any(line.startswith(rel) for line in result.output.splitlines()), result.output


@pytest.mark.parametrize(("line", "message"), [
    ("tags: 5", "tags: must be a list of names, not a number"),
    ("tags: [platform-policy, {a: 1}]", "tags[1]: must be a name, not a mapping"),
    ("publish: sometimes", "publish: must be 'full' or 'excerpt', not 'sometimes'"),
    ("title: [a, b]", "title: must be text, not a list"),
    ("x: &a [1, *a]", "an alias refers to itself"),
    ("summary: .nan", "NaN and infinite numbers are not allowed"),
])
def test_a_value_digest_cannot_use_stops_the_build_with_file_and_line(
        edge: Digest, line: str, message: str) -> None:
    path = _articles(edge.folder)[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    key = line.split(":")[0]
    at = next((i for i, text in enumerate(lines) if text.startswith(f"{key}:")), None)
    if at is None:
        at = 1
        lines.insert(at, line)
    else:
        end = at + 1
        while end < len(lines) and lines[end].startswith("- "):
            end += 1
        lines[at:end] = [line]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = edge("build")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (error,) = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert error.startswith(f"error: {path}:{at + 1}: "), error
    assert message in error


def test_one_tag_written_as_a_string_is_one_tag(edge: Digest) -> None:
    path = _articles(edge.folder)[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, text in enumerate(lines) if text.startswith("tags:"))
    end = at + 1
    while end < len(lines) and lines[end].startswith("- "):
        end += 1
    lines[at:end] = ["tags: us-china"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert read_article(path).tags == ("us-china",)
    result = edge("build")
    assert result.exit_code == 0, result.output
    assert f"{path}:{at + 1}: tags: a single name" in result.output
    listing = (edge.folder / "content/tags/us-china.md").read_text(encoding="utf-8") \
        if (edge.folder / "content/tags/us-china.md").exists() else \
        "".join(p.read_text(encoding="utf-8")
                for p in (edge.folder / "content/tags").rglob("*.md") if "us-china" in str(p))
    assert "Edge " in listing


def test_front_matter_alias_bomb_is_refused_at_once() -> None:
    bomb = "\n".join(['a0: &a0 "lol"'] + [
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
        + ["title: *a8", "url: https://example.org/x"])
    with pytest.raises(StoreError, match=r"^x\.md:\d+: aliases expand to more than"):
        read_front_matter(bomb, "x.md")


def test_fingerprint_round_trips_through_the_file() -> None:
    text = ("---\ntitle: T\nurl: https://example.org/a\nfetched: '2025-01-21T00:00:00+00:00'\n"
            "fingerprint: fffffee08e04fb35\n---\n\nBody\n")
    article = load_article(text)
    assert article.fingerprint == 0xfffffee08e04fb35 - (1 << 64)
    assert load_article(dump_article(article)) == article
    assert "fingerprint: fffffee08e04fb35\n" in dump_article(article)


def test_a_broken_fingerprint_is_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        article = load_article("---\ntitle: T\nurl: https://example.org/a\nfingerprint: xyz\n"
                               "---\n\nBody\n", "a.md")
    assert article.fingerprint is None
    assert "a.md:4: fingerprint: not 16 hexadecimal digits; ignored" in caplog.text
