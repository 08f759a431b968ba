"""The demo digest's site in headless Chromium: search, pictures, layout, accessibility."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest
from demo_site import build_demo, chromium, route_pictures
from localserver import serve_directory

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js.gz"
SEED = "A journey from TikTok to RedNote is a story of talks"
ZH_TITLE = "美国网友涌入小红书：一场跨越太平洋的网络迁徙"  # examples/pages/rednote-zh.html
SENATE = "articles/2025/01/18/senate-panel-advances-bill-to-force-sale-of-chinese-owned-apps/"
CHIPS = "articles/2025/01/15/chipmaker-results-beat-forecasts-on-demand-for-ai-accelerators/"
SEED_PAGE = "articles/2025/01/21/a-journey-from-tiktok-to-rednote-is-a-story-of-talks/"
Scheme = Literal["light", "dark"]
SCHEMES: tuple[Scheme, Scheme] = ("light", "dark")


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = build_demo(tmp_path_factory.mktemp("demo"))
    with serve_directory(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def _context(
    browser: Browser,
    viewport: ViewportSize | None = None,
    timezone_id: str | None = None,
    color_scheme: Scheme | None = None,
) -> BrowserContext:
    context = browser.new_context(
        viewport=viewport or {"width": 1280, "height": 900},
        timezone_id=timezone_id,
        color_scheme=color_scheme,
    )
    route_pictures(context)
    return context


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = _context(browser)
    pg = context.new_page()
    errors: list[str] = []
    pg.on(
        "console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None
    )
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert errors == [], errors


def _search(page: Page, site_url: str, query: str) -> str:
    page.goto(site_url + "search/")
    page.locator(".pagefind-ui__search-input").fill(query)
    page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)
    return page.locator(".pagefind-ui__results").inner_text()


def test_search_finds_the_seed_article(page: Page, site_url: str) -> None:
    assert SEED in _search(page, site_url, "RedNote")


def test_chinese_search_finds_the_chinese_article(page: Page, site_url: str) -> None:
    # From the English search page: every language's index is searched.
    results = _search(page, site_url, "小红书")
    assert ZH_TITLE in results, results


def test_header_search_box_leads_to_results(page: Page, site_url: str) -> None:
    page.goto(site_url)
    page.fill(".digest-header-search input", "RedNote")
    page.press(".digest-header-search input", "Enter")
    page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)
    assert SEED in page.locator(".pagefind-ui__results").inner_text()


def test_search_results_show_source_date_as_filed_and_a_snippet(
    browser: Browser, site_url: str
) -> None:
    # West of the story's zone: filed under 21 January (06:17 in Beijing), which
    # is the 20th in New York; the result still says the 21st.
    context = _context(browser, timezone_id="America/New_York")
    page = context.new_page()
    try:
        page.goto(site_url + "search/?q=refugees")
        page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)
        first = page.locator(".pagefind-ui__result").first
        assert first.locator(".pagefind-ui__result-link").inner_text() == SEED
        assert first.locator(".digest-result__meta").inner_text() == "China Daily · 21 Jan 2025"
        assert first.locator(".pagefind-ui__result-excerpt mark").first.inner_text() == "refugees"
        # The box has a visible label, and so do the filters.
        assert page.locator("label[for=digest-q]").is_visible()
        tags = page.locator("#digest-tag option").all_inner_texts()
        assert "Platform policy" in tags
        page.select_option("#digest-tag", "Trade and economy")
        page.wait_for_selector(".pagefind-ui__message:has-text('No results')", timeout=10_000)
    finally:
        context.close()


def test_summary_shown_once_decided_when_built(page: Page, site_url: str) -> None:
    """A summary that is the body's opening is not in the page twice (no script
    hides it after load); an excerpt-only article, which has no body, shows it."""
    page.goto(site_url + SENATE)
    lead = "A Senate committee on Friday advanced a bill"
    assert page.locator(".digest-article__summary").count() == 0
    assert page.locator("article").inner_text().count(lead) == 1
    assert page.locator(".digest-article__body").inner_text().startswith(lead)
    page.goto(site_url + SEED_PAGE)
    assert page.locator(".digest-article__summary").is_visible()


_SHIFTS = """() => new Promise(resolve => {
    let total = 0;
    new PerformanceObserver(list => {
        for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
    }).observe({type: "layout-shift", buffered: true});
    setTimeout(() => resolve(total), 1500);
})"""


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)])
def test_article_pages_do_not_move_while_loading(
    browser: Browser, site_url: str, viewport: tuple[int, int]
) -> None:
    # Cumulative layout shift as Chromium measures it (what Lighthouse reports),
    # pictures loading late included.
    context = _context(browser, viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()

    def late(route: Route) -> None:
        page.wait_for_timeout(400)
        route.fallback()

    try:
        for url in (SENATE, CHIPS, SEED_PAGE, ""):
            page.route("https://news.example.org/images/**", late)
            page.goto(site_url + url)
            page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
            assert page.evaluate(_SHIFTS) < 0.02, url
            page.unroute("https://news.example.org/images/**")
    finally:
        context.close()


def test_article_with_a_picture(page: Page, site_url: str) -> None:
    page.goto(site_url + CHIPS)
    img = page.locator(".digest-article__body img").first
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    box = img.bounding_box()
    assert box is not None
    assert abs(box["width"] / box["height"] - 16 / 9) < 0.02  # the frame it was given
    picture = page.get_attribute('meta[property="og:image"]', "content")
    assert picture is not None
    assert picture.startswith("https://")
    page.goto(site_url)
    thumb = page.locator("img.digest-thumb").first
    assert thumb.get_attribute("referrerpolicy") == "no-referrer"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_accessibility_violations(browser: Browser, site_url: str, scheme: Scheme) -> None:
    """axe-core (vendored in tests/vendor) on the home, a tag page, article pages
    and a search with results, in both colour schemes."""
    axe = gzip.decompress(AXE.read_bytes()).decode("utf-8")
    context = _context(browser, color_scheme=scheme)
    page = context.new_page()
    found = {}
    try:
        for url in ("", "tags/platform-policy/", CHIPS, SEED_PAGE, "search/?q=chips"):
            page.goto(site_url + url)
            if url.startswith("search"):
                page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)
            page.add_script_tag(content=axe)
            result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
            found[url] = [
                (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            ]
    finally:
        context.close()
    assert all(not v for v in found.values()), found


def test_feed_link_in_head_resolves(page: Page, site_url: str) -> None:
    page.goto(site_url)
    href = page.eval_on_selector(
        'link[rel~="alternate"][type="application/atom+xml"]', "el => el.href"
    )
    response = page.request.get(href)
    assert response.status == 200
    assert b"<feed" in response.body()


def test_screenshots(browser: Browser, site_url: str) -> None:
    """The pages a reader sees first, desktop and phone, light and dark (tests/artifacts)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for scheme in SCHEMES:
        for name, size in (("desktop", (1280, 900)), ("phone", (390, 844))):
            context = _context(
                browser, viewport={"width": size[0], "height": size[1]}, color_scheme=scheme
            )
            page = context.new_page()
            try:
                for label, url in (
                    ("home", ""),
                    ("tag", "tags/platform-policy/"),
                    ("article", CHIPS),
                    ("search", "search/?q=chips"),
                ):
                    page.goto(site_url + url)
                    if label == "search":
                        page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)
                    # Load the lazy pictures before the shot.
                    page.evaluate(
                        "() => Promise.all([...document.images].map(i => "
                        "(i.loading = 'eager', i.decode().catch(() => null))))"
                    )
                    # Material fades the tabs in on load: finish such transitions first.
                    page.screenshot(
                        path=str(ARTIFACTS / f"{label}-{name}-{scheme}.png"),
                        full_page=name == "desktop",
                        animations="disabled",
                    )
            finally:
                context.close()
    assert (ARTIFACTS / "article-phone-dark.png").stat().st_size > 10_000
