"""Excerpt-only bodies never reach site/: the docs folder does not hold them.

An article of a ``publish: excerpt`` source keeps its body in ``fulltext/``,
beside ``content/``; its page holds the front matter, the summary and the
link. These tests build real sites with MkDocs' search plugin on (named, and
by default when mkdocs.yml has no ``plugins`` line) and with a theme that
knows nothing of digest, and look for the body in every file of ``site/``;
the archive still reads, retags and exports the whole body, and older
archives are migrated by ``digest reindex`` and ``digest build``.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from localserver import Route, serve
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from runner import Digest
from site_data import EXCERPT_BODY, make_digest
from test_end_to_end import PARAS, feed, page, write_config

from digest.archive.frontmatter import dump_article
from digest.archive.store import Archive, read_article
from digest.errors import StoreError
from digest.model import Article, Publish
from digest.site import build

SECRET = "secret full text"  # a part of EXCERPT_BODY: no fragment of it may leak
FULL_BODY = "US users moved from TikTok to RedNote."  # a full-text article's body


def _article(title: str = "Excerpt story", url: str = "https://news.example.org/e",
             **kw: object) -> Article:
    fields: dict[str, object] = {
        "title": title, "url": url, "canonical_url": url, "source": "Excerpt Times",
        "fetched": datetime(2025, 1, 21, 1, 0, tzinfo=UTC),
        "published": datetime(2025, 1, 21, 1, 0, tzinfo=UTC),
        "body": f"## A heading of the text\n\n{EXCERPT_BODY}\n\nMore of it.",
        "summary": "A summary [x](javascript:alert(1)) {: onclick=alert(2)}",
        "publish": Publish.EXCERPT,
    }
    fields.update(kw)
    return Article(**fields)  # type: ignore[arg-type]


def _leaks(root: Path, *needles: str) -> list[str]:
    """Every file under ``root`` holding one of ``needles`` (gzip files read unpacked)."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            with contextlib.suppress(OSError, EOFError):
                data = gzip.decompress(data)
        text = data.decode("utf-8", "replace")
        found += [f"{path.relative_to(root)}: {n}" for n in needles if n in text]
    return found


# -- the store -------------------------------------------------------------------


def test_the_page_holds_the_summary_and_the_link_the_archive_the_body(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "content", tmp_path / ".digest" / "state.sqlite")
    article = _article()
    placement = archive.save(article)
    page = placement.path.read_text(encoding="utf-8")
    assert SECRET not in page and "heading of the text" not in page
    assert "[Read the original](https://news.example.org/e)" in page
    # The summary is inert text in the page, whatever Markdown extension renders it.
    assert "[x](javascript" not in page.split("---\n\n", 1)[1]
    assert "{: onclick" not in page.split("---\n\n", 1)[1]
    fulltext = tmp_path / "fulltext" / placement.path.relative_to(tmp_path / "content")
    assert archive.fulltext_path(placement.path) == fulltext
    assert f"full_text: fulltext/{placement.path.relative_to(tmp_path / 'content')}" in page
    assert fulltext.read_text(encoding="utf-8") == article.body + "\n"
    # Reading through the archive gives the whole article back, as before.
    assert archive.read(placement.path) == replace(article, sources=("Excerpt Times",))
    assert [s.article.body for s in archive.iter_articles()] == [article.body]
    # The page alone (what MkDocs reads) is the summary and the link.
    assert SECRET not in read_article(placement.path).body
    # The fingerprint is the body's, and the rebuilt state finds the story again.
    archive.close()
    (tmp_path / ".digest" / "state.sqlite").unlink()
    again = Archive(tmp_path / "content", tmp_path / ".digest" / "state.sqlite")
    assert again.save(_article()).write is None
    again.close()


def test_switching_publish_moves_the_body_both_ways(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "content", tmp_path / ".digest" / "state.sqlite")
    path = archive.save(_article(publish=Publish.FULL)).path
    fulltext = archive.fulltext_path(path)
    assert SECRET in path.read_text(encoding="utf-8") and not fulltext.exists()
    # digest reindex applies the source's current setting: excerpt...
    assert archive.reindex({"Excerpt Times": Publish.EXCERPT}) == 1
    assert SECRET not in path.read_text(encoding="utf-8")
    assert SECRET in fulltext.read_text(encoding="utf-8")
    assert archive.read(path).publish is Publish.EXCERPT
    # ...and back to full: the body returns to the page, the file goes.
    archive.reindex({"Excerpt Times": Publish.FULL})
    assert SECRET in path.read_text(encoding="utf-8") and not fulltext.exists()
    assert archive.read(path).body == _article().body
    # A --refresh store of the story brings the source's setting too.
    placement = archive.place(_article(), refresh=True)
    assert placement.write is not None and placement.write.publish is Publish.EXCERPT
    archive.write(placement.path, placement.write)
    assert SECRET not in path.read_text(encoding="utf-8") and fulltext.exists()
    archive.close()


def test_an_older_archive_is_migrated_by_reindex(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "content", tmp_path / ".digest" / "state.sqlite")
    article = _article()
    path = archive.path_for(article)
    path.parent.mkdir(parents=True)
    path.write_text(dump_article(article), encoding="utf-8")  # as digest 0.x stored it
    assert archive.read(path).body == article.body
    archive.reindex()
    assert SECRET not in path.read_text(encoding="utf-8")
    assert archive.read(path).body == article.body
    archive.reindex()  # nothing more to do
    assert archive.read(path).body == article.body
    archive.close()


def test_a_write_killed_between_the_two_files_loses_no_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import digest.archive.files as files
    import digest.archive.store as store

    archive = Archive(tmp_path / "content", tmp_path / ".digest" / "state.sqlite")
    full = archive.save(_article("Full story", "https://news.example.org/f",
                                 publish=Publish.FULL)).path
    older = _article()
    legacy = archive.path_for(older)
    legacy.write_text(dump_article(older), encoding="utf-8")  # an excerpt page with its body
    real = files.atomic_write

    def full_text_only(target: Path, text: str, **kw: object) -> None:
        if target.is_relative_to(archive.content_dir):
            raise KeyboardInterrupt  # the run is killed once the full text is on disk
        real(target, text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "atomic_write", full_text_only)
    for path in (legacy, full):
        with pytest.raises(KeyboardInterrupt):
            archive.write(path, _article(body=f"New text. {EXCERPT_BODY}"))
    monkeypatch.undo()
    # The excerpt-only page still holds the old body; the file holds the new one,
    # which wins. The full page is as it was; the new text waits in its file.
    assert archive.read(legacy).body == f"New text. {EXCERPT_BODY}"
    assert archive.read(full).body == older.body
    assert archive.fulltext_path(full).exists()
    archive.reindex({"Excerpt Times": Publish.EXCERPT})
    for path in (legacy, full):
        assert SECRET not in path.read_text(encoding="utf-8")
    assert archive.read(legacy).body == f"New text. {EXCERPT_BODY}"
    assert archive.read(full).body == older.body
    archive.close()


def test_deleting_a_page_sweeps_its_full_text_and_bad_input_loses_nothing(
    tmp_path: Path,
) -> None:
    archive = Archive(tmp_path / "content", tmp_path / ".digest" / "state.sqlite")
    gone = archive.save(_article("Deleted story", "https://news.example.org/d")).path
    kept = archive.save(_article("Kept story", "https://news.example.org/k")).path
    broken = archive.save(_article("Broken story", "https://news.example.org/b")).path
    gone.unlink()
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("tags: []", "tags: {a: 1}"), encoding="utf-8")
    # A page that does not load: which file it names is unknown, so nothing is swept.
    archive.reindex()
    assert archive.fulltext_path(gone).exists() and archive.fulltext_path(broken).exists()
    broken.write_text(text, encoding="utf-8")
    archive.reindex()
    assert not archive.fulltext_path(gone).exists()
    assert archive.read(kept).body == archive.read(broken).body == _article().body
    # A page naming a file outside fulltext/ is refused, never read.
    secret = tmp_path / "secret.md"
    secret.write_text("not an article's text", encoding="utf-8")
    kept.write_text(kept.read_text(encoding="utf-8").replace(
        "full_text: fulltext/", "full_text: fulltext/../secret.md#"), encoding="utf-8")
    with pytest.raises(StoreError, match="is not a file in"):
        archive.read(kept)
    # A missing full text is an error naming it, and the page is left as it is.
    kept.write_text(broken.read_text(encoding="utf-8").replace(
        "https://news.example.org/b", "https://news.example.org/k"), encoding="utf-8")
    archive.fulltext_path(broken).rename(tmp_path / "moved-away.md")
    with pytest.raises(StoreError, match="missing"):
        archive.read(broken)
    before = broken.read_text(encoding="utf-8")
    archive.reindex()
    assert broken.read_text(encoding="utf-8") == before
    assert (tmp_path / "moved-away.md").exists()
    archive.close()


def test_retag_export_and_explain_see_the_whole_body(tmp_path: Path, digest_in: Digest) -> None:
    config, archive = make_digest(tmp_path, extra=0)
    body = " ".join(["Artificial intelligence and machine learning: a large language "
                     "model, generative AI, ChatGPT and OpenAI."] * 4)
    path = archive.save(_article("Markets close higher", "https://news.example.org/ai",
                                 body=body, summary="Markets close higher.")).path
    archive.close()
    assert "machine learning" not in path.read_text(encoding="utf-8")
    assert "ai" not in read_article(path).tags
    retagged = digest_in("tags", "retag")
    assert retagged.exit_code == 0, retagged.output
    assert "+ai" in retagged.output  # tagged from the body it keeps apart
    assert "ai" in Archive(config.content_dir, config.state_path).read(path).tags
    assert "machine learning" not in path.read_text(encoding="utf-8")
    exported = digest_in("export", "--format", "jsonl")
    records = [json.loads(line) for line in exported.output.splitlines()]
    assert {r["markdown"] for r in records if r["title"] == "Markets close higher"} == {body}
    explained = digest_in("tags", "explain", str(path))
    assert explained.exit_code == 0 and "machine learning" in explained.output.lower()


def test_a_source_switched_to_excerpt_is_migrated_by_the_next_fetch(
    digest_in: Digest, tmp_path: Path,
) -> None:
    """Stored as full, then the source says excerpt: the feed's next run moves the text."""
    with serve() as server:
        items = [("Congress orders sale of video app", "/a/1.html"),
                 ("Beijing vows response to app ban", "/a/2.html")]
        for n, (title, route) in enumerate(items, 1):
            server.routes[route] = Route(page(title, n))
        server.routes["/feed.xml"] = Route(feed(server, items),
                                           content_type="application/rss+xml")
        source = f'  - {{name: "Example", feed: "{server.url("/feed.xml")}"'
        write_config(tmp_path, source + "}\n")
        assert digest_in("fetch").exit_code == 0
        stored = sorted((tmp_path / "content/articles").rglob("*.md"))
        assert len(stored) == 2 and all(PARAS[1][:40] in p.read_text() for p in stored)
        write_config(tmp_path, source + ", publish: excerpt}\n")
        again = digest_in("fetch")
        assert again.exit_code == 0 and "0 new, 2 already stored" in again.output, again.output
    archive = Archive(tmp_path / "content", tmp_path / ".digest" / "state.sqlite")
    for path in stored:
        assert PARAS[1][:40] not in path.read_text(encoding="utf-8")
        assert PARAS[1][:40] in archive.fulltext_path(path).read_text(encoding="utf-8")
        assert archive.read(path).publish is Publish.EXCERPT
    built = digest_in("build")
    assert built.exit_code == 0, built.output
    assert _leaks(tmp_path / "site", PARAS[1][:40]) == []
    # Back to full: `digest reindex` (no feed needed) puts the text back in the pages.
    write_config(tmp_path, source + "}\n")
    assert digest_in("reindex").exit_code == 0
    for path in stored:
        assert PARAS[1][:40] in path.read_text(encoding="utf-8")
        assert not archive.fulltext_path(path).exists()
    archive.close()


# -- real builds ------------------------------------------------------------------


@pytest.mark.parametrize("plugins", ["plugins: [search]", ""], ids=["search", "default"])
def test_search_plugin_indexes_full_texts_but_never_an_excerpt_only_one(
    tmp_path: Path, plugins: str,
) -> None:
    """`plugins: [search]`, or no plugins line (MkDocs then turns search on)."""
    config, archive = make_digest(tmp_path)
    mkdocs_yml = tmp_path / "mkdocs.yml"
    text = mkdocs_yml.read_text(encoding="utf-8")
    assert "\nplugins: []\n" in text
    mkdocs_yml.write_text(text.replace("\nplugins: []\n", f"\n{plugins}\n"), encoding="utf-8")
    site = build(config, archive)
    archive.close()
    index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert FULL_BODY in index  # the search plugin indexes bodies...
    assert "Summary of Excerpt only story." in index  # ...and the excerpt page's summary
    assert _leaks(site, EXCERPT_BODY, SECRET) == []  # never the excerpt-only body


def test_a_theme_that_knows_nothing_of_excerpts_publishes_none(tmp_path: Path) -> None:
    """Any builder of content/: MkDocs' own theme, search on, no digest template."""
    config, archive = make_digest(tmp_path)
    build(config, archive)  # the listing pages
    archive.close()
    plain = tmp_path / "plain.yml"
    plain.write_text("site_name: Plain\ndocs_dir: content\nsite_dir: plain-site\n"
                     "theme: {name: mkdocs}\nplugins: [search]\n", encoding="utf-8")
    mkdocs_build(load_config(str(plain)))
    site = tmp_path / "plain-site"
    assert FULL_BODY in (site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert _leaks(site, EXCERPT_BODY, SECRET) == []
    # The full text is outside the docs folder: nothing under content/ holds it.
    assert _leaks(config.content_dir, EXCERPT_BODY, SECRET) == []
    assert _leaks(tmp_path / "fulltext", EXCERPT_BODY) != []


def test_build_moves_an_older_excerpt_page_out_before_mkdocs_reads_it(tmp_path: Path) -> None:
    config, archive = make_digest(tmp_path)
    path = next(config.content_dir.rglob("excerpt-only-story.md"))
    article = archive.read(path)
    archive.fulltext_path(path).unlink()
    path.write_text(dump_article(article), encoding="utf-8")  # stored by an older digest
    assert EXCERPT_BODY in path.read_text(encoding="utf-8")
    text = (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(text.replace("\nplugins: []\n", "\n"), encoding="utf-8")
    site = build(config, archive)
    assert _leaks(site, EXCERPT_BODY, SECRET) == []
    assert EXCERPT_BODY not in path.read_text(encoding="utf-8")
    assert archive.read(path).body == article.body
    archive.close()


def test_a_body_that_cannot_be_moved_is_indexed_and_never_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import digest.archive.files as files
    import digest.archive.store as store
    from digest.errors import DigestError

    config, archive = make_digest(tmp_path, extra=0)
    path = next(config.content_dir.rglob("excerpt-only-story.md"))
    article = archive.read(path)
    archive.fulltext_path(path).unlink()
    path.write_text(dump_article(article), encoding="utf-8")  # stored by an older digest
    real = files.atomic_write

    def disk_full(target: Path, text: str, **kw: object) -> None:
        if target.is_relative_to(archive.fulltext_dir):
            raise OSError(28, "No space left on device")
        real(target, text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "atomic_write", disk_full)
    assert archive.reindex() == 4  # indexed all the same, the page left as it was
    assert archive.find(article.url) == path
    assert EXCERPT_BODY in path.read_text(encoding="utf-8")
    with pytest.raises(DigestError, match="not building a site"):
        build(config, archive)
    assert not (tmp_path / "site").exists()
    archive.close()


def test_build_refuses_a_docs_dir_that_holds_the_full_texts(tmp_path: Path) -> None:
    """content_dir docs/content and docs_dir docs: fulltext/ would be docs/fulltext."""
    from digest.config import parse_config
    from digest.errors import DigestError

    make_digest(tmp_path, extra=0)[1].close()
    yml = (tmp_path / "digest.yml").read_text(encoding="utf-8")
    yml = yml.replace("content_dir: content", "content_dir: docs/content")
    config = parse_config(yml, tmp_path / "digest.yml")
    text = (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(text.replace("docs_dir: content", "docs_dir: docs"),
                                         encoding="utf-8")
    archive = Archive(config.content_dir, config.state_path)
    assert archive.fulltext_dir == tmp_path / "docs" / "fulltext"
    with pytest.raises(DigestError, match="must never be built"):
        build(config, archive)
    archive.close()


@pytest.mark.skipif(shutil.which("zensical") is None, reason="Zensical is not installed "
                    "(nox -s zensical installs it)")
def test_a_zensical_build_publishes_no_excerpt_only_body(tmp_path: Path) -> None:
    """Zensical uses none of our templates: only the storage keeps the body out."""
    config, archive = make_digest(tmp_path)
    build(config, archive)
    archive.close()
    shutil.rmtree(tmp_path / "site")
    # Zensical 0.0.x stops on the sitemap template after writing the pages (exit 1).
    subprocess.run(["zensical", "build", "--clean"], cwd=tmp_path, check=False,
                   capture_output=True, timeout=600)
    assert FULL_BODY in (tmp_path / "site" / "search.json").read_text(encoding="utf-8")
    assert _leaks(tmp_path / "site", EXCERPT_BODY, SECRET) == []
