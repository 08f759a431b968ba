"""An index in several bundles (one per span of articles) searches as one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_site import chromium
from localserver import serve_directory
from site_data import SEED_TITLE, ZH_TITLE, make_digest

from digest.site import build

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def small_bundles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # Three pages a bundle.
    patch = pytest.MonkeyPatch()
    patch.setattr("digest.site.shards.SHARD_PAGES", 3)
    config, archive = make_digest(tmp_path_factory.mktemp("bundles"))
    try:
        yield build(config, archive)
    finally:
        archive.close()
        patch.undo()


def test_the_bundles_are_listed_for_the_search_page(small_bundles: Path) -> None:
    site = small_bundles
    listed = json.loads((site / "pagefind" / "digest-bundles.json").read_text(encoding="utf-8"))
    # Nine English articles in three bundles, the Chinese one in its own.
    names = ["pagefind"] + [b.strip("./") for b in listed["bundles"]]
    assert names == ["pagefind", "pagefind-1", "pagefind-2", "pagefind-3"]
    languages = [
        json.loads((site / name / "pagefind-entry.json").read_text())["languages"] for name in names
    ]
    assert [set(lang) for lang in languages] == [{"en"}, {"en"}, {"en"}, {"zh"}]
    pages = sum(index["page_count"] for lang in languages for index in lang.values())
    assert pages == len(list((site / "articles").rglob("index.html")))


def test_one_search_covers_every_bundle_and_language(small_bundles: Path) -> None:
    with serve_directory(small_bundles) as url, chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        def titles(query: str) -> list[str]:
            page.goto(f"{url}search/?q={query}")
            page.wait_for_function(
                "() => /result/.test(document.querySelector('.pagefind-ui__message')"
                "?.textContent || '')",
                timeout=15_000,
            )
            return page.locator(".pagefind-ui__result-link").all_inner_texts()

        assert sorted(titles("Filler")) == [f"Filler story number {i}" for i in range(6)]
        assert titles("RedNote") == [SEED_TITLE]
        assert titles("禁令") == [ZH_TITLE]
        assert errors == []
