"""Names and titles from sources stay text on the search page, in Chromium.

A source name reaches Pagefind's filter index and the search page's Source
list (an OPML outline's `text`, a path given to `digest add`); a title reaches
the result links. Rendered as HTML, either would run script as soon as anyone
searched (issue 14).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from demo_site import chromium
from localserver import serve_directory
from site_data import CST, article, make_digest

from digest.site import build

pytestmark = pytest.mark.browser

SOURCE = '<img src=x onerror="window.__pwned=1">Evil & Co'
TITLE = 'Quokka census <img src=y onerror="window.__pwned=2"> results'


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    config, archive = make_digest(tmp_path_factory.mktemp("hostile-search"), extra=0)
    try:
        archive.save(article(TITLE, datetime(2025, 1, 15, 8, 0, tzinfo=CST) - timedelta(hours=5),
                             source=SOURCE, tags=("ai",),
                             body="The quokka census counted every quokka on the island."))
        yield build(config, archive)
    finally:
        archive.close()


def test_a_hostile_source_name_and_title_stay_text_in_search(hostile_site: Path) -> None:
    with serve_directory(hostile_site) as url, chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}search/")
        options = page.locator("#digest-source option").all_inner_texts()
        assert SOURCE in options  # the name as written, in the Source list
        page.select_option("#digest-source", label=SOURCE)
        page.fill("#digest-q", "quokka")
        page.wait_for_selector(".pagefind-ui__result-link", timeout=15_000)
        assert page.locator(".pagefind-ui__result-link").all_inner_texts() == [TITLE]
        meta = page.locator(".digest-result__meta").first.inner_text()
        assert meta.startswith(SOURCE)
        # No element came from the name or the title, and nothing ran.
        assert page.locator("#digest-search img").count() == 0
        assert page.evaluate("window.__pwned") is None
        assert errors == []
