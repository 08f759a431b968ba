"""The demo digest's site in headless Chromium: search, pictures, layout, accessibility."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_site import build_demo, chromium, route_pictures
from localserver import serve_directory

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js.gz"
SEED = "A journey from TikTok to RedNote is a story of talks"
ZH_TITLE = "美国网友涌入小红书：一场跨越太平洋的网络迁徙"  # examples/pages/rednote-zh.html
SENATE = "articles/2025/01/18/senate-panel-advances-bill-to-force-sale-of-chinese-owned-apps/"
CHIPS = "articles/2025/01/15/chipmaker-results-beat-forecasts-on-demand-for-ai-accelerators/"
SEED_PAGE = "articles/2025/01/21/a-journey-from-tiktok-to-rednote-is-a-story-of-talks/"


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = build_demo(tmp_path_factory.mktemp("demo"))
    with serve_directory(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


def _context(browser: object, **options: object) -> object:
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})  # type: ignore[attr-defined]
    route_pictures(context)
    return context


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = _context(browser)
    pg = context.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    pg.on(
        "console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None
    )
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()  # type: ignore[attr-defined]
    assert errors == [], errors


def _search(page: object, site_url: str, query: str) -> str:
    page.goto(site_url + "search/")  # type: ignore[attr-defined]
    page.locator(".pagefind-ui__search-input").fill(query)  # type: ignore[attr-defined]
    page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)  # type: ignore[attr-defined]
    return str(page.locator(".pagefind-ui__results").inner_text())  # type: ignore[attr-defined]


def test_search_finds_the_seed_article(page: object, site_url: str) -> None:
    assert SEED in _search(page, site_url, "RedNote")


def test_chinese_search_finds_the_chinese_article(page: object, site_url: str) -> None:
    # From the English search page: every language's index is searched.
    results = _search(page, site_url, "小红书")
    assert ZH_TITLE in results, results


def test_header_search_box_leads_to_results(page: object, site_url: str) -> None:
    page.goto(site_url)  # type: ignore[attr-defined]
    page.fill(".digest-header-search input", "RedNote")  # type: ignore[attr-defined]
    page.press(".digest-header-search input", "Enter")  # type: ignore[attr-defined]
    page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)  # type: ignore[attr-defined]
    assert SEED in page.locator(".pagefind-ui__results").inner_text()  # type: ignore[attr-defined]


def test_search_results_show_source_date_as_filed_and_a_snippet(
    browser: object, site_url: str
) -> None:
    # West of the story's zone: filed under 21 January (06:17 in Beijing), which
    # is the 20th in New York; the result still says the 21st.
    context = _context(browser, timezone_id="America/New_York")
    page = context.new_page()  # type: ignore[attr-defined]
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
        context.close()  # type: ignore[attr-defined]


def test_summary_shown_once_decided_when_built(page: object, site_url: str) -> None:
    """A summary that is the body's opening is not in the page twice (no script
    hides it after load); an excerpt-only article, which has no body, shows it."""
    page.goto(site_url + SENATE)  # type: ignore[attr-defined]
    lead = "A Senate committee on Friday advanced a bill"
    assert page.locator(".digest-article__summary").count() == 0  # type: ignore[attr-defined]
    assert page.locator("article").inner_text().count(lead) == 1  # type: ignore[attr-defined]
    assert page.locator(".digest-article__body").inner_text().startswith(lead)  # type: ignore[attr-defined]
    page.goto(site_url + SEED_PAGE)  # type: ignore[attr-defined]
    assert page.locator(".digest-article__summary").is_visible()  # type: ignore[attr-defined]


_SHIFTS = """() => new Promise(resolve => {
    let total = 0;
    new PerformanceObserver(list => {
        for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
    }).observe({type: "layout-shift", buffered: true});
    setTimeout(() => resolve(total), 1500);
})"""


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)])
def test_article_pages_do_not_move_while_loading(
    browser: object, site_url: str, viewport: tuple[int, int]
) -> None:
    # Cumulative layout shift as Chromium measures it (what Lighthouse reports),
    # pictures loading late included.
    context = _context(browser, viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()  # type: ignore[attr-defined]
    try:
        for url in (SENATE, CHIPS, SEED_PAGE, ""):
            page.route(
                "https://news.example.org/images/**",
                lambda route: (page.wait_for_timeout(400), route.fallback()),
            )
            page.goto(site_url + url)
            page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
            assert page.evaluate(_SHIFTS) < 0.02, url
            page.unroute("https://news.example.org/images/**")
    finally:
        context.close()  # type: ignore[attr-defined]


def test_article_with_a_picture(page: object, site_url: str) -> None:
    page.goto(site_url + CHIPS)  # type: ignore[attr-defined]
    img = page.locator(".digest-article__body img").first  # type: ignore[attr-defined]
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())  # type: ignore[attr-defined]
    box = img.bounding_box()
    assert abs(box["width"] / box["height"] - 16 / 9) < 0.02  # the frame it was given
    assert page.get_attribute('meta[property="og:image"]', "content").startswith("https://")  # type: ignore[attr-defined]
    page.goto(site_url)  # type: ignore[attr-defined]
    thumb = page.locator("img.digest-thumb").first  # type: ignore[attr-defined]
    assert thumb.get_attribute("referrerpolicy") == "no-referrer"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations(browser: object, site_url: str, scheme: str) -> None:
    """axe-core (vendored in tests/vendor) on the home, a tag page, article pages
    and a search with results, in both colour schemes."""
    axe = gzip.decompress(AXE.read_bytes()).decode("utf-8")
    context = _context(browser, color_scheme=scheme)
    page = context.new_page()  # type: ignore[attr-defined]
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
        context.close()  # type: ignore[attr-defined]
    assert all(not v for v in found.values()), found


def test_feed_link_in_head_resolves(page: object, site_url: str) -> None:
    page.goto(site_url)  # type: ignore[attr-defined]
    href = page.eval_on_selector(  # type: ignore[attr-defined]
        'link[rel~="alternate"][type="application/atom+xml"]', "el => el.href"
    )
    response = page.request.get(href)  # type: ignore[attr-defined]
    assert response.status == 200
    assert b"<feed" in response.body()


def test_screenshots(browser: object, site_url: str) -> None:
    """The pages a reader sees first, desktop and phone, light and dark (tests/artifacts)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        for name, size in (("desktop", (1280, 900)), ("phone", (390, 844))):
            context = _context(
                browser, viewport={"width": size[0], "height": size[1]}, color_scheme=scheme
            )
            page = context.new_page()  # type: ignore[attr-defined]
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
                context.close()  # type: ignore[attr-defined]
    assert (ARTIFACTS / "article-phone-dark.png").stat().st_size > 10_000
