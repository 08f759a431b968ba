"""State that survives its cache: losing .digest/ forgets nothing that matters.

The scheduled workflow keeps .digest/ in a CI cache, which GitHub evicts. What
the state database knew and the files did not (stories deleted by hand,
copies merged into a story, the bodies' fingerprints) must come back from
files the repository keeps: the ledger in content/ and each article's front
matter.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from localserver import Route, Server, serve
from runner import Digest
from test_end_to_end import write_config
from test_pipeline import page

from digest.archive.ledger import LEDGER_NAME
from digest.archive.store import read_article


def _rss(server: Server, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>{p}</title><link>{server.url(p)}</link>"
                    "<pubDate>Tue, 21 Jan 2025 06:17:00 +0800</pubDate></item>" for p in paths)
    return f"<rss version='2.0'><channel><title>F</title>{items}</channel></rss>".encode()


@pytest.fixture
def news() -> Iterator[Server]:
    with serve() as server:
        server.routes["/one.xml"] = Route(_rss(server, ["/story", "/other", "/gone"]),
                                          content_type="application/rss+xml")
        # The same wire story under another URL, with no rel=canonical: only
        # its fingerprint says it is a copy.
        server.routes["/two.xml"] = Route(_rss(server, ["/copy"]),
                                          content_type="application/rss+xml")
        server.routes["/story"] = Route(page("Wire story", "wire").encode())
        server.routes["/copy"] = Route(page("Wire story (copy)", "wire").encode())
        server.routes["/other"] = Route(page("Other story", "other").encode())
        server.routes["/gone"] = Route(page("Story to delete", "gone").encode())
        yield server


def _files(folder: Path) -> dict[str, Path]:
    return {read_article(p).title: p for p in (folder / "content/articles").rglob("*.md")}


def _fetch(digest_in: Digest, *sources: str) -> list[str]:
    result = digest_in("fetch")
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith(sources)]


def test_deletions_and_merged_copies_survive_losing_the_state(
        digest_in: Digest, news: Server) -> None:
    write_config(digest_in.folder, f'  - {{name: One, feed: "{news.url("/one.xml")}"}}\n')
    assert _fetch(digest_in, "One") == ["One: 3 new, 0 already stored"]
    write_config(digest_in.folder, f'  - {{name: One, feed: "{news.url("/one.xml")}"}}\n'
                                   f'  - {{name: Two, feed: "{news.url("/two.xml")}"}}\n')
    assert _fetch(digest_in, "Two") == ["Two: 0 new, 1 already stored"]  # the copy, merged
    files = _files(digest_in.folder)
    assert set(files) == {"Wire story", "Other story", "Story to delete"}
    assert read_article(files["Wire story"]).fingerprint is not None
    files["Story to delete"].unlink()  # by hand, and committed
    assert _fetch(digest_in, "One", "Two") == ["One: 0 new, 3 already stored",
                                               "Two: 0 new, 1 already stored"]
    ledger = digest_in.folder / "content" / LEDGER_NAME
    records = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]
    assert {r.get("deleted") for r in records} >= {news.url("/gone")}
    assert {r.get("merged") for r in records} >= {news.url("/copy")}

    shutil.rmtree(digest_in.folder / ".digest")  # the CI cache is evicted
    hits = len(news.hits)
    assert _fetch(digest_in, "One", "Two") == ["One: 0 new, 3 already stored",
                                               "Two: 0 new, 1 already stored"]
    assert set(_files(digest_in.folder)) == {"Wire story", "Other story"}
    assert sorted(news.hits[hits:]) == ["/one.xml", "/two.xml"]  # nothing fetched again


def test_reindex_uses_the_ledger_and_a_restored_file_wins(digest_in: Digest,
                                                         news: Server) -> None:
    write_config(digest_in.folder, f'  - {{name: One, feed: "{news.url("/one.xml")}"}}\n')
    _fetch(digest_in, "One")
    gone = _files(digest_in.folder)["Story to delete"]
    kept = gone.read_text(encoding="utf-8")
    gone.unlink()
    result = digest_in("reindex")  # notes the deletion, then rebuilds
    assert result.exit_code == 0, result.output
    assert _fetch(digest_in, "One") == ["One: 0 new, 3 already stored"]
    assert not gone.exists()
    gone.write_text(kept, encoding="utf-8")  # the user changes their mind
    shutil.rmtree(digest_in.folder / ".digest")
    assert digest_in("reindex").output.strip().endswith("indexed 3 articles")
    assert _fetch(digest_in, "One") == ["One: 0 new, 3 already stored"]


def test_a_copy_is_still_found_by_its_fingerprint_after_the_state_is_lost(
        digest_in: Digest, news: Server) -> None:
    write_config(digest_in.folder, f'  - {{name: One, feed: "{news.url("/one.xml")}"}}\n')
    _fetch(digest_in, "One")
    shutil.rmtree(digest_in.folder / ".digest")
    # The copy was never seen before the state was lost: only the fingerprint
    # kept in the stored article's front matter can recognise it.
    write_config(digest_in.folder, f'  - {{name: Two, feed: "{news.url("/two.xml")}"}}\n')
    assert _fetch(digest_in, "Two") == ["Two: 0 new, 1 already stored"]
    assert len(_files(digest_in.folder)) == 3


def test_legacy_files_without_a_fingerprint_get_one_from_their_body(
        digest_in: Digest, news: Server) -> None:
    write_config(digest_in.folder, f'  - {{name: One, feed: "{news.url("/one.xml")}"}}\n')
    _fetch(digest_in, "One")
    for path in _files(digest_in.folder).values():
        text = path.read_text(encoding="utf-8")
        path.write_text("".join(line for line in text.splitlines(keepends=True)
                                if not line.startswith("fingerprint:")), encoding="utf-8")
    shutil.rmtree(digest_in.folder / ".digest")
    write_config(digest_in.folder, f'  - {{name: Two, feed: "{news.url("/two.xml")}"}}\n')
    assert _fetch(digest_in, "Two") == ["Two: 0 new, 1 already stored"]


def test_a_torn_ledger_line_is_skipped_and_the_next_record_stays_whole(tmp_path: Path) -> None:
    from digest.archive.ledger import Ledger

    path = tmp_path / LEDGER_NAME
    path.write_text('{"deleted": "https://example.org/a", "path": "articles/a.md"}\n{"del',
                    encoding="utf-8")
    ledger = Ledger(path)
    ledger.deleted("https://example.org/b", "articles/b.md", [])
    state = Ledger(path).read()
    assert set(state.deleted) == {"https://example.org/a", "https://example.org/b"}


def test_the_ledger_never_reaches_the_site(digest_in: Digest, news: Server) -> None:
    write_config(digest_in.folder, f'  - {{name: One, feed: "{news.url("/one.xml")}"}}\n')
    _fetch(digest_in, "One")
    _files(digest_in.folder)["Story to delete"].unlink()
    _fetch(digest_in, "One")
    assert (digest_in.folder / "content" / LEDGER_NAME).exists()
    result = digest_in("build")
    assert result.exit_code == 0, result.output
    site = digest_in.folder / "site"
    assert not list(site.rglob("*ledger*"))
    assert not any(news.url("/gone") in p.read_text(encoding="utf-8", errors="replace")
                   for p in site.rglob("*") if p.is_file() and p.suffix in (".html", ".json",
                                                                           ".xml", ".txt"))


def test_an_article_broken_by_hand_is_neither_fetched_again_nor_fatal(
        digest_in: Digest, news: Server) -> None:
    write_config(digest_in.folder, f'  - {{name: One, feed: "{news.url("/one.xml")}"}}\n')
    _fetch(digest_in, "One")
    path = _files(digest_in.folder)["Other story"]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\ntags:\n", "\ntags: 5\nx:\n", 1), encoding="utf-8")
    write_config(digest_in.folder, f'  - {{name: One, feed: "{news.url("/one.xml")}"}}\n'
                                   f'  - {{name: Two, feed: "{news.url("/two.xml")}"}}\n')
    assert _fetch(digest_in, "One", "Two") == ["One: 0 new, 3 already stored",
                                               "Two: 0 new, 1 already stored"]
    shutil.rmtree(digest_in.folder / ".digest")
    result = digest_in("reindex")
    assert f"{path}:" in result.output and "indexed by its URLs only" in result.output
    assert _fetch(digest_in, "One", "Two") == ["One: 0 new, 3 already stored",
                                               "Two: 0 new, 1 already stored"]
    assert len(list((digest_in.folder / "content/articles").rglob("*.md"))) == 3
