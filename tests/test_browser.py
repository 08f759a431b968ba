"""The demo digest's site in headless Chromium: search, tag pages, feed links, console."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
SEED = "A journey from TikTok to RedNote is a story of talks"
ZH_TITLE = "美国网友涌入小红书：一场跨越太平洋的网络迁徙"  # examples/pages/rednote-zh.html
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (REPO / "examples").is_dir():
        pytest.skip("the demo sources (examples/) are missing")
    root = tmp_path_factory.mktemp("demo")
    for name in ("digest.yml", "mkdocs.yml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "examples", root / "examples")
    (root / "content").mkdir()
    if (REPO / "content" / "about.md").exists():
        shutil.copy(REPO / "content" / "about.md", root / "content" / "about.md")
    digest = Path(sys.executable).parent / "digest"
    for command in ("fetch", "build"):
        done = subprocess.run(
            [str(digest), command],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    site = root / "site"
    assert (site / "pagefind" / "pagefind.js").exists()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    required = os.environ.get("DIGEST_REQUIRE_BROWSER") == "1"
    if not CHROMIUM.exists():
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if required:
            pytest.fail(reason + "; DIGEST_REQUIRE_BROWSER=1 forbids skipping")
        pytest.skip(reason)
    import playwright.sync_api as playwright
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    errors: list[str] = []
    pg.on(
        "console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None
    )
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.console_errors = errors
    yield pg
    context.close()
    assert errors == [], errors


def _search(page: object, site_url: str, query: str) -> str:
    page.goto(site_url + "search/")  # type: ignore[attr-defined]
    box = page.locator(".pagefind-ui__search-input")  # type: ignore[attr-defined]
    box.fill(query)
    page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)  # type: ignore[attr-defined]
    return str(page.locator(".pagefind-ui__results").inner_text())  # type: ignore[attr-defined]


def test_search_finds_the_seed_article(page: object, site_url: str) -> None:
    assert SEED in _search(page, site_url, "RedNote")


def test_chinese_search_finds_the_chinese_article(page: object, site_url: str) -> None:
    results = _search(page, site_url, "小红书")
    assert ZH_TITLE in results, results


def test_header_search_box_leads_to_results(page: object, site_url: str) -> None:
    page.goto(site_url)  # type: ignore[attr-defined]
    page.fill(".digest-header-search input", "RedNote")  # type: ignore[attr-defined]
    page.press(".digest-header-search input", "Enter")  # type: ignore[attr-defined]
    page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)  # type: ignore[attr-defined]
    assert SEED in page.locator(".pagefind-ui__results").inner_text()  # type: ignore[attr-defined]


def test_search_results_read_well(page: object, site_url: str) -> None:
    """The result's date is in the reader's terms and the filters look like
    Pagefind's, not like the theme's collapsible admonitions."""
    page.goto(site_url + "search/?q=RedNote")  # type: ignore[attr-defined]
    page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)  # type: ignore[attr-defined]
    tags = page.locator(".pagefind-ui__result-tags").first.inner_text()  # type: ignore[attr-defined]
    assert "2025" in tags
    assert not re.search(r"\d{4}-\d\d-\d\dT", tags), tags
    style = page.eval_on_selector(  # type: ignore[attr-defined]
        ".pagefind-ui__filter-block",
        """el => {
            const box = getComputedStyle(el), name = el.querySelector("summary");
            return {
                top: box.borderTopWidth, shadow: box.boxShadow,
                icon: getComputedStyle(name, "::before").display,
                width: el.closest("fieldset").getBoundingClientRect().width,
            };
        }""",
    )
    assert style["top"] == "0px" and style["shadow"] == "none", style
    assert style["icon"] == "none", style
    assert style["width"] > 150, style


def test_summary_shown_once(page: object, site_url: str) -> None:
    """A summary that is the body's opening is not shown twice; an excerpt-only
    article, which has no body, still shows it."""
    page.goto(  # type: ignore[attr-defined]
        site_url + "articles/2025/01/18/senate-panel-advances-bill-to-force-sale-of-chinese-owned-apps/"
    )
    lead = "A Senate committee on Friday advanced a bill"
    summary = page.locator(".digest-article__summary")  # type: ignore[attr-defined]
    assert summary.text_content().startswith(lead)  # in the page (feeds, search), not shown
    assert not summary.is_visible()
    assert page.locator("article").inner_text().count(lead) == 1  # type: ignore[attr-defined]
    assert page.locator(".digest-article__body").inner_text().startswith(lead)  # type: ignore[attr-defined]
    page.goto(site_url)  # type: ignore[attr-defined]
    page.click(f"text={SEED}")  # type: ignore[attr-defined]
    assert page.locator(".digest-article__summary").is_visible()  # type: ignore[attr-defined]


def test_tag_page_lists_the_seed_article(page: object, site_url: str) -> None:
    page.goto(site_url + "tags/platform-policy/")  # type: ignore[attr-defined]
    assert SEED in page.locator("article").inner_text()  # type: ignore[attr-defined]


def test_feed_link_in_head_resolves(page: object, site_url: str) -> None:
    page.goto(site_url)  # type: ignore[attr-defined]
    href = page.eval_on_selector(  # type: ignore[attr-defined]
        'link[rel~="alternate"][type="application/atom+xml"]', "el => el.href"
    )
    response = page.request.get(href)  # type: ignore[attr-defined]
    assert response.status == 200
    assert b"<feed" in response.body()


def test_screenshots(page: object, site_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(site_url)  # type: ignore[attr-defined]
    # Material fades the tabs in on load: finish such transitions before the shot.
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True, animations="disabled")  # type: ignore[attr-defined]
    page.click(f"text={SEED}")  # type: ignore[attr-defined]
    page.wait_for_selector(".digest-article")  # type: ignore[attr-defined]
    assert "Read the original" in page.locator("article").inner_text()  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True, animations="disabled")  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "article-phone.png"), animations="disabled")  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(site_url + "tags/platform-policy/")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "tag.png"), full_page=True, animations="disabled")  # type: ignore[attr-defined]
    page.goto(site_url + "search/")  # type: ignore[attr-defined]
    page.fill(".pagefind-ui__search-input", "小红书")  # type: ignore[attr-defined]
    page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True, animations="disabled")  # type: ignore[attr-defined]
