"""What a reader sees on the pages of a small archive's site: article pages,
languages, pictures, sources and the listings' descriptions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from inert import visible_text
from site_data import (
    EXCERPT_BODY,
    SAVED_PATH,
    SEED_IMAGE,
    SEED_TITLE,
    ZH_BODY,
    ZH_TITLE,
    article,
    make_digest,
)

from digest.archive.store import Archive
from digest.config import Config
from digest.site import build, generate


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Config, Archive, Path]]:
    root = tmp_path_factory.mktemp("digest")
    config, archive = make_digest(root)
    site = build(config, archive, strict=True)
    yield config, archive, site
    archive.close()


def _html(site: Path, rel: str) -> str:
    return (site / rel / "index.html").read_text(encoding="utf-8")


def test_article_page_header(built: tuple[Config, Archive, Path]) -> None:
    _, _, site = built
    page = next((site / "articles").rglob("a-journey-*/index.html")).read_text(encoding="utf-8")
    assert 'href="https://news.example.org/' in page
    assert "Zhang Wei" in page
    assert 'property="og:title"' in page and 'property="og:type" content="article"' in page
    for tag in ("platform-policy", "us-china", "social-media"):
        assert f'tags/{tag}/"' in page
    # The tag links show the taxonomy's titles, not the tag names.
    chips = re.findall(
        r'<a class="md-tag" href="[^"]+" data-pagefind-filter="tag:[a-z0-9-]+">([^<]*)</a>', page
    )
    assert chips == ["Platform policy", "US–China", "Social media"]
    assert "Also reported by" in page and "Global Times" in page
    assert "US users moved from TikTok to RedNote." in page  # full text shown
    # The time as filed, in the story's own zone (+08:00), never the reader's.
    assert ">15 Jan 2025, 09:30</time>" in page


def _article(site: Path, glob: str) -> str:
    return next((site / "articles").rglob(f"{glob}/index.html")).read_text(encoding="utf-8")


def test_read_the_original_names_the_publisher_after_the_body(
    built: tuple[Config, Archive, Path],
) -> None:
    _, _, site = built
    page = _article(site, "a-journey-*")
    text = visible_text(page)
    # The publisher's own name (og:site_name at fetch time), not the feed's title.
    assert "Read the original at Example News →" in text
    assert text.index("US users moved") < text.index("Read the original")
    # Without one, the original's host stands in.
    filler = visible_text(_article(site, "filler-story-number-2"))
    assert "Read the original at news.example.org →" in filler
    excerpt = visible_text(_article(site, "excerpt-only-story"))
    assert excerpt.index("Summary of Excerpt only story.") < excerpt.index("Read the original")


def test_every_article_page_declares_its_language(built: tuple[Config, Archive, Path]) -> None:
    import lxml.html

    _, _, site = built
    langs = {}
    for path in (site / "articles").rglob("index.html"):
        root = lxml.html.fromstring(path.read_text(encoding="utf-8"))
        (article,) = root.xpath('//div[@class="digest-article"]')
        (holder,) = root.xpath("//article")  # Material's element around the content
        assert holder.get("lang") == article.get("lang")
        langs[article.findtext(".//h1")] = article.get("lang")
    assert langs[ZH_TITLE] == "zh"
    assert langs[SEED_TITLE] == "en"
    assert all(langs.values()), langs
    # Listings mark a title in another language than the site's.
    tag = _html(site, "tags/social-media")
    assert f'lang="zh">{ZH_TITLE}</a>' in tag
    assert f'lang="en">{SEED_TITLE}' not in tag


def test_summary_is_shown_once_decided_at_build_time(built: tuple[Config, Archive, Path]) -> None:
    _, _, site = built
    # The summary repeats the body's opening: only the body shows it.
    zh = next(
        p.read_text(encoding="utf-8")
        for p in (site / "articles").rglob("index.html")
        if ZH_TITLE in p.read_text(encoding="utf-8")
    )
    assert "digest-article__summary" not in zh
    assert visible_text(zh).count("大量美国用户在禁令前下载了小红书应用程序") == 1
    assert ZH_BODY in visible_text(zh)
    # A summary of its own stays, above the body.
    seed = _article(site, "a-journey-*")
    assert '<p class="digest-article__summary">Talks, not bans' in seed
    assert "hidden" not in seed.split("digest-article__summary")[1][:20]


def test_pictures_are_https_lazy_with_alt_and_no_referrer(
    built: tuple[Config, Archive, Path],
) -> None:
    import lxml.html

    _, _, site = built
    seed = lxml.html.fromstring(_article(site, "a-journey-*"))
    (img,) = seed.xpath('//figure[@class="digest-lead"]/img')
    assert img.get("src") == SEED_IMAGE
    assert img.get("loading") == "lazy" and img.get("referrerpolicy") == "no-referrer"
    assert img.get("alt") == "Phones showing both apps."
    assert seed.xpath('//meta[@property="og:image"]/@content') == [SEED_IMAGE]
    assert seed.xpath('//meta[@name="twitter:card"]/@content') == ["summary_large_image"]
    assert seed.xpath('//meta[@name="twitter:image"]/@content') == [SEED_IMAGE]
    # The listings' thumbnails: the same rules, in a box of fixed size.
    tag = lxml.html.fromstring(_html(site, "tags/platform-policy"))
    (thumb,) = tag.xpath('//img[@class="digest-thumb"]')
    assert thumb.get("src") == SEED_IMAGE and thumb.get("alt")
    assert thumb.get("loading") == "lazy" and thumb.get("referrerpolicy") == "no-referrer"
    assert thumb.get("width") and thumb.get("height")
    # No picture for an excerpt-only source, none over plain http, no script URL.
    for glob in ("excerpt-only-story", "filler-story-number-1", "script-alert*"):
        page = lxml.html.fromstring(_article(site, glob))
        assert not page.xpath('//div[contains(@class, "digest-article")]//img'), glob
        assert not page.xpath('//meta[@property="og:image"]'), glob
        assert page.xpath('//meta[@name="twitter:card"]/@content') == ["summary"], glob
    every = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "excerpt.jpg" not in every and "http://img.example.org" not in every


def test_a_saved_page_is_listed_under_its_publisher_not_its_path(
    built: tuple[Config, Archive, Path],
) -> None:
    _, _, site = built
    pages = [
        site / "index.html",
        *(site / "sources").rglob("*.html"),
        *(site / "archive").rglob("*.html"),
    ]
    pages += [*(site / "days").rglob("*.html"), *(site / "articles").rglob("*.html")]
    for page in pages:
        assert SAVED_PATH not in page.read_text(encoding="utf-8"), page
    assert "Saved Gazette" in _html(site, "sources")
    assert SEED_TITLE not in _html(site, "sources/saved-gazette")
    assert "Filler story number 0" in _html(site, "sources/saved-gazette")
    filler = _article(site, "filler-story-number-0")
    assert 'class="digest-source" href="../../../../../sources/saved-gazette/"' in filler


def test_listing_pages_describe_themselves(built: tuple[Config, Archive, Path]) -> None:
    import lxml.html

    _, _, site = built

    def head(path: Path) -> dict[str, str]:
        root = lxml.html.fromstring(path.read_text(encoding="utf-8"))
        out = {m.get("property") or m.get("name"): m.get("content") for m in root.iter("meta")}
        return {k: v for k, v in out.items() if k}

    home = head(site / "index.html")
    assert home["og:title"] == "Test Digest"  # the site's title, not "Home"
    assert home["og:url"] == "https://example.org/digest/"
    assert home["description"] == "A digest for tests"
    tag = head(site / "tags" / "platform-policy" / "index.html")
    assert tag["og:url"] == "https://example.org/digest/tags/platform-policy/"
    assert tag["og:description"] == tag["description"] and tag["description"]
    day = head(site / "days" / "2025-01-15" / "index.html")
    assert day["description"] == "Stories filed on Wednesday 15 January 2025."


def test_empty_tags_are_shown_nowhere(tmp_path: Path) -> None:
    config, archive = make_digest(tmp_path, extra=0)  # no article is about privacy-security
    try:
        generate(config, archive)
    finally:
        archive.close()
    content = config.content_dir
    index = (content / "tags" / "index.md").read_text(encoding="utf-8")
    assert "(0)" not in index and "Privacy and security" not in index
    assert not (content / "tags" / "privacy-security").exists()
    assert not (content / "feeds" / "tags" / "privacy-security.xml").exists()
    assert "Privacy and security" not in (content / "index.md").read_text(encoding="utf-8")


def test_sources_whose_names_share_a_slug_get_pages_of_their_own(tmp_path: Path) -> None:
    config, archive = make_digest(tmp_path, extra=0)
    when = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    try:
        archive.save(article("A twin source story", when, source="China, Daily!"))
        site = build(config, archive, strict=True)
    finally:
        archive.close()
    plain = _html(site, "sources/china-daily")
    assert SEED_TITLE in plain and "A twin source story" not in plain
    twins = [p for p in (site / "sources").iterdir() if p.name.startswith("china-daily-")]
    assert len(twins) == 1, twins
    twin = (twins[0] / "index.html").read_text(encoding="utf-8")
    assert "A twin source story" in twin and SEED_TITLE not in twin
    story = _article(site, "a-twin-source-story")
    assert f'class="digest-source" href="../../../../../sources/{twins[0].name}/"' in story
    listing = _html(site, "sources")
    assert f'href="{twins[0].name}/"' in listing and "China, Daily!" in listing


def test_excerpt_mode_hides_the_body_on_the_site(built: tuple[Config, Archive, Path]) -> None:
    config, archive, site = built
    page = next((site / "articles").rglob("excerpt-only-story/index.html")).read_text(
        encoding="utf-8"
    )
    assert "Summary of Excerpt only story." in page
    assert "Read the original" in page
    assert EXCERPT_BODY not in page
    # The page MkDocs reads holds no body; the archive keeps it apart, outside content/.
    path = next(config.content_dir.rglob("excerpt-only-story.md"))
    assert EXCERPT_BODY not in path.read_text(encoding="utf-8")
    assert EXCERPT_BODY in archive.fulltext_path(path).read_text(encoding="utf-8")
    assert archive.read(path).body == EXCERPT_BODY
