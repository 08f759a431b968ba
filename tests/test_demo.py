"""The demo digest builds offline from examples/ with the seed article tagged and findable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from site_data import search_index_text

from digest.archive.frontmatter import load_article

ROOT = Path(__file__).resolve().parent.parent


def copy_demo(target: Path) -> None:
    for name in ("digest.yml", "mkdocs.yml"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "examples", target / "examples")
    shutil.copytree(ROOT / "content", target / "content",
                    ignore=shutil.ignore_patterns("articles", "tags", "sources", "days", "feeds"))
    overrides = ROOT / "overrides"
    if overrides.is_dir():
        shutil.copytree(overrides, target / "overrides")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from digest.cli.main import main

    folder = tmp_path_factory.mktemp("demo")
    copy_demo(folder)
    runner = CliRunner()
    import os

    old = Path.cwd()
    os.chdir(folder)
    try:
        fetched = runner.invoke(main, ["fetch"], catch_exceptions=False)
        assert fetched.exit_code == 0, fetched.output
        built = runner.invoke(main, ["build"], catch_exceptions=False)
        assert built.exit_code == 0, built.output
    finally:
        os.chdir(old)
    return folder


def _seed(demo: Path) -> Path:
    found = [p for p in (demo / "content/articles").rglob("*.md")
             if "A journey from TikTok to RedNote" in p.read_text(encoding="utf-8")]
    assert len(found) == 1, "both forms of the seed page make one article"
    return found[0]


def test_seed_article_is_stored_once_with_its_tags(demo: Path) -> None:
    article = load_article(_seed(demo).read_text(encoding="utf-8"))
    assert article.title == "A journey from TikTok to RedNote is a story of talks"
    assert article.author == "Guo Yi"
    assert article.published is not None
    assert article.published.isoformat() == "2025-01-21T06:17:00+08:00"
    assert set(article.tags) == {"platform-policy", "us-china", "social-media"}
    assert "久久" not in article.body and "Most Viewed" not in article.body


def test_seed_article_is_on_its_tag_pages_and_in_the_search_index(demo: Path) -> None:
    site = demo / "site"
    for tag in ("platform-policy", "us-china", "social-media"):
        pages = list((site / "tags").rglob("*.html"))
        assert any(tag in str(p) and "A journey from TikTok to RedNote" in
                   p.read_text(encoding="utf-8") for p in pages), tag
    assert "A journey from TikTok to RedNote is a story of talks" in search_index_text(site)


def test_sample_feed_article_has_no_active_content(demo: Path) -> None:
    for path in (demo / "content/articles").rglob("*.md"):
        text = path.read_text(encoding="utf-8").lower()
        assert "<script" not in text and "javascript:" not in text
