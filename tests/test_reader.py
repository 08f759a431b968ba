"""A reader's check of the demo's search, through the real search page in Chromium.

The demo is built as `nox -s site` builds it. Words are picked from the stored
articles, not chosen by hand: every fully published article is found by words
that occur only in its body; an excerpt-only article's body is in no index;
every result of a word holds that word; and each article page declares the
article's language.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest
from demo_site import build_demo, chromium
from localserver import serve_directory

from digest.archive.store import Archive
from digest.model import Article, Publish

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
WORD = re.compile(rf"(?:(?![{CJK}])[^\W_])+")
HAN_RUN = re.compile(f"[{CJK}]+")
# Words a reader tries that Pagefind alone matched wrongly (issue 16): prefixes
# and the "'s" of possessives.
TRICKY = ["services", "Supporters", "ban", "sale", "children", "app", "US"]
# search(word) -> the result pages' URLs.
Search = Callable[[str], list[str]]


def _plain(markdown: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", markdown)  # pictures
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    return re.sub(r"[\\*_#>`\[\]]", " ", text)


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def _han_words(text: str) -> set[str]:
    """Chinese words of two characters or more, as jieba (the tagger's segmenter) cuts them."""
    import jieba

    return {w for run in HAN_RUN.findall(text) for w in jieba.lcut(run) if len(w) > 1}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, list[Article]]]:
    root = tmp_path_factory.mktemp("reader")
    site = build_demo(root)
    # Through the archive: an excerpt-only article's body is kept outside content/.
    archive = Archive(root / "content", root / ".digest" / "state.sqlite")
    articles = [archive.read(p) for p in sorted((root / "content" / "articles").rglob("*.md"))]
    with serve_directory(site) as url:
        yield site, url, articles


@pytest.fixture(scope="module")
def search(demo: tuple[Path, str, list[Article]]) -> Iterator[Search]:
    """search(word) -> the result pages' URLs, through the site's search page."""
    _, url, _ = demo
    with chromium() as browser:
        page = browser.new_page()

        def run(word: str) -> list[str]:
            page.goto(f"{url}search/?q={quote(word)}")
            page.wait_for_function(
                "() => /result|No results/.test("
                "document.querySelector('.pagefind-ui__message')?.textContent || '')",
                timeout=15_000,
            )
            more = page.locator(".pagefind-ui__button")
            while more.is_visible():
                count = page.locator(".pagefind-ui__result").count()
                more.click()
                page.wait_for_function(
                    f"() => document.querySelectorAll('.pagefind-ui__result').length > {count}"
                    " || document.querySelector('.pagefind-ui__button').hidden"
                )
            links = page.locator(".pagefind-ui__result-link").evaluate_all(
                "els => els.map(a => a.href)"
            )
            return [str(href) for href in links]

        yield run


def _page_of(site: Path, base: str, href: str) -> str:
    rel = href.removeprefix(base).split("?")[0]
    return (site / rel / "index.html").read_text(encoding="utf-8")


def _holds(html: str, word: str) -> bool:
    """The article's text (as a reader sees it) holds the word: as a word, up to
    an English plural or possessive, or (Chinese) as the characters typed."""
    root = lxml.html.fromstring(html)
    (article,) = root.xpath('//div[@class="digest-article"]')
    text = " ".join(article.text_content().split())
    if HAN_RUN.fullmatch(word):
        return word in text.replace(" ", "")
    w = word.lower()
    forms = {w, w + "s", w + "es", w + "'s", w + "’s"}
    if w.endswith("ies"):
        forms.add(w[:-3] + "y")
    if w.endswith("y"):
        forms.add(w[:-1] + "ies")
    if w.endswith("es"):
        forms.add(w[:-2])
    if w.endswith("s"):
        forms.add(w[:-1])
    words = set(re.findall(r"[^\W_]+(?:['’]s)?", text.lower()))
    return bool(forms & words)


def _page_url(base: str, article: Article, site: Path) -> str:
    for path in (site / "articles").rglob("index.html"):
        root = lxml.html.fromstring(path.read_text(encoding="utf-8"))
        if root.findtext(".//h1") == article.title:
            return base + path.parent.relative_to(site).as_posix() + "/"
    raise AssertionError(f"no page for {article.title}")


def test_every_article_is_found_by_words_only_its_body_holds(
    demo: tuple[Path, str, list[Article]], search: Search
) -> None:
    site, base, articles = demo
    full = [a for a in articles if a.publish is Publish.FULL]
    assert len(full) >= 4
    checked = 0
    for article in full:
        others = [a for a in articles if a is not article]
        elsewhere = " ".join(
            [article.title, article.summary]
            + [f"{o.title} {o.summary} {_plain(o.body)}" for o in others]
        )
        body = _plain(article.body)
        words = sorted(_words(body) - _words(elsewhere), key=lambda w: (-len(w), w))
        han = sorted(_han_words(body) - _han_words(elsewhere), key=lambda w: (-len(w), w))
        picked = words[:3] + han[:3]
        assert picked, article.title
        url = _page_url(base, article, site)
        for word in picked:
            found = search(word)
            assert url in found, (article.title, word, found)
            checked += 1
    assert checked >= 12


def test_an_excerpt_only_body_is_in_no_index(
    demo: tuple[Path, str, list[Article]], search: Search
) -> None:
    site, _, articles = demo
    excerpts = [a for a in articles if a.publish is Publish.EXCERPT]
    assert excerpts, "the demo has an excerpt-only source"
    for article in excerpts:
        others = " ".join(
            f"{o.title} {o.summary} {_plain(o.body)}" for o in articles if o is not article
        )
        shown = f"{article.title} {article.summary}"
        hidden = sorted(_words(_plain(article.body)) - _words(shown) - _words(others))
        assert len(hidden) >= 5
        for word in hidden[:: max(1, len(hidden) // 6)][:6]:
            assert search(word) == [], word
        # Nor is any of its sentences in the index files themselves.
        index = "\n".join(
            gzip.decompress(f.read_bytes()).decode("utf-8", "replace")
            for f in (site / "pagefind" / "fragment").glob("*.pf_fragment")
        ).replace("\u200b", "")
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s", _plain(article.body))]
        for sentence in sentences:
            if len(sentence) > 60 and sentence not in article.summary:
                assert sentence not in index


def test_every_result_of_a_word_holds_the_word(
    demo: tuple[Path, str, list[Article]], search: Search
) -> None:
    site, base, articles = demo
    # Words of every length from the bodies, the tricky ones, and Chinese.
    pool = sorted(set().union(*(_words(_plain(a.body)) for a in articles)))
    words = pool[:: max(1, len(pool) // 25)] + TRICKY + ["小红书", "美国用户"]
    results = 0
    for word in words:
        for href in search(word):
            assert _holds(_page_of(site, base, href), word), (word, href)
            results += 1
    assert results > 20


def test_each_article_page_declares_its_language(
    demo: tuple[Path, str, list[Article]],
) -> None:
    site, base, articles = demo
    for article in articles:
        html = _page_of(site, base, _page_url(base, article, site))
        (element,) = lxml.html.fromstring(html).xpath('//div[@class="digest-article"]')
        assert element.get("lang") == (article.language or "en"), article.title
