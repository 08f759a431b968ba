"""The site stage against a real MkDocs build of a small archive."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from inert import assert_tree_inert, visible_text
from site_data import (
    EXCERPT_BODY,
    HOSTILE_TITLE,
    SEED_TITLE,
    ZH_TITLE,
    make_digest,
    search_index_text,
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


def _titles(html: str) -> list[str]:
    return re.findall(
        r'<li><div><strong><a href="[^"]+"(?: lang="[^"]+")?>(.*?)</a></strong>', html
    )


def test_tag_source_and_day_pages_list_the_right_articles(
    built: tuple[Config, Archive, Path],
) -> None:
    _, _, site = built
    policy = _html(site, "tags/platform-policy")
    assert _titles(policy) == [SEED_TITLE]
    assert "Platform policy" in policy
    social = _titles(_html(site, "tags/social-media"))
    assert social == [SEED_TITLE, ZH_TITLE]  # newest first
    assert SEED_TITLE in _titles(_html(site, "sources/china-daily"))
    assert SEED_TITLE in _titles(_html(site, "sources/global-times"))  # merged source of the story
    assert "Excerpt only story" in _titles(_html(site, "sources/excerpt-times"))
    day = _titles(_html(site, "days/2025-01-15"))
    assert day[0] == SEED_TITLE and len(day) == 4
    assert all("Filler" in t for t in _titles(_html(site, "days/2025-01-14")))


def test_archive_is_paginated(built: tuple[Config, Archive, Path]) -> None:
    _, _, site = built
    pages = [_titles(_html(site, "archive"))] + [
        _titles(_html(site, f"archive/{n}")) for n in (2, 3, 4)
    ]
    assert [len(p) for p in pages] == [3, 3, 3, 1]  # page_size 3, 10 articles
    assert pages[0][0] == SEED_TITLE
    assert 'href="2/"' in _html(site, "archive") or 'href="../archive/2/"' in _html(site, "archive")
    assert not (site / "archive" / "5").exists()


def test_home_leads_with_the_latest_stories_and_says_when(
    built: tuple[Config, Archive, Path],
) -> None:
    # Built long after the stories: the home page says so, and does not call
    # their day "today".
    _, _, site = built
    home = (site / "index.html").read_text(encoding="utf-8").split("<article", 1)[1]
    assert "Today" not in home
    assert "Nothing new in the last 7 days" in home
    assert "Wednesday 15 January 2025" in home
    top = home.split("Top stories")[1]
    assert _titles(top)[0] == SEED_TITLE  # the newest day, and two sources carried it


def test_search_index_holds_bodies_but_never_an_excerpt_only_one(
    built: tuple[Config, Archive, Path],
) -> None:
    _, _, site = built
    blob = search_index_text(site)
    assert SEED_TITLE in blob
    assert "US users moved from TikTok to RedNote" in blob  # full text, by default
    assert EXCERPT_BODY not in blob
    # The words every page has would match every search: the link to the
    # original, the excerpt note, the byline and the tag chips stay out.
    words = blob.replace("\u200b", "")
    assert "Read the original" not in words and "terms allow an excerpt" not in words
    assert "Zhang Wei" not in words.split('"meta"')[0]
    assert "Talks, not bans, decide the future" in words
    assert '"date":"2025-01-15T09:30:00+08:00"' in blob  # the time stays as metadata


def test_each_language_has_its_own_index(built: tuple[Config, Archive, Path]) -> None:
    # English pages are stemmed in the English index (Pagefind's standard build),
    # Chinese ones segmented in the Chinese one (its extended build), each its
    # own bundle; the search page queries them all (digest.js).
    _, _, site = built

    def entry(bundle: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (site / bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        return data

    assert set(entry("pagefind")["languages"]) == {"en"}
    assert entry("pagefind")["languages"]["en"]["wasm"] == "en"  # the English stemmer
    assert set(entry("pagefind-1")["languages"]) == {"zh"}
    listed = json.loads((site / "pagefind" / "digest-bundles.json").read_text(encoding="utf-8"))
    assert listed == {"bundles": ["../pagefind-1/"]}
    zh = next(
        gzip.decompress(f.read_bytes()).decode("utf-8")
        for f in (site / "pagefind-1" / "fragment").glob("zh_*.pf_fragment")
    )
    assert ZH_TITLE in zh and "\u200b" in zh  # segmented into words


def test_feeds_parse_back(built: tuple[Config, Archive, Path]) -> None:
    _, _, site = built
    atom_text = (site / "feeds" / "atom.xml").read_text(encoding="utf-8")
    atom = feedparser.parse(atom_text.encode("utf-8"))
    assert not atom.bozo, atom.get("bozo_exception")
    assert atom.feed.title == "Test Digest"
    first = atom.entries[0]
    assert first.title == SEED_TITLE
    assert first.link.startswith("https://example.org/digest/articles/2025/01/15/")
    assert {t.term for t in first.tags} == {"platform-policy", "us-china", "social-media"}
    zh = next(e for e in atom.entries if e.title == ZH_TITLE)
    assert zh.title_detail.language == "zh"  # xml:lang on the entry
    assert first.title_detail.language == "en"
    assert atom_text.count("<entry ") == atom_text.count("<entry") == len(atom.entries)
    hostile = next(e for e in atom.entries if e.title == HOSTILE_TITLE)  # text survives intact
    assert hostile.summary == "<script>alert(3)</script> javascript:alert(4)"
    assert hostile.summary_detail.type == "text/plain"
    data = json.loads((site / "feeds" / "feed.json").read_text(encoding="utf-8"))
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["items"][0]["title"] == SEED_TITLE
    assert data["items"][0]["url"].startswith("https://example.org/digest/articles/")
    assert data["items"][0]["external_url"].startswith("https://news.example.org/")
    assert all("content_text" in item and "id" in item for item in data["items"])
    # feedparser 6 reads no JSON Feed (that comes in 7), so the JSON is checked field by field.
    assert data["items"][0]["date_published"] == "2025-01-15T01:30:00Z"
    assert data["items"][0]["authors"] == [{"name": "Zhang Wei"}]
    assert data["feed_url"] == "https://example.org/digest/feeds/feed.json"
    tag = feedparser.parse((site / "feeds" / "tags" / "platform-policy.xml").read_bytes())
    assert [e.title for e in tag.entries] == [SEED_TITLE]
    head = _html(site, "tags/platform-policy")
    assert 'rel="alternate feed" type="application/atom+xml"' in head
    assert "feeds/tags/platform-policy.xml" in head


ATOM = "{http://www.w3.org/2005/Atom}"


def _valid_atom(path: Path) -> None:
    """RFC 4287's RELAX NG grammar (tests/fixtures/atom), plus what the W3C feed
    validator warns about beyond it (it is not reachable from here)."""
    from lxml import etree

    schema = etree.RelaxNG(
        etree.parse(str(Path(__file__).parent / "fixtures" / "atom" / "atom.rng"))
    )
    doc = etree.parse(str(path))
    assert schema.validate(doc), (path, schema.error_log)
    for source in doc.iter(f"{ATOM}source"):  # "Missing source element: id / updated"
        assert source.findtext(f"{ATOM}id") and source.findtext(f"{ATOM}updated"), path
    for stamp in doc.iter(f"{ATOM}updated", f"{ATOM}published"):  # "Implausible date"
        assert stamp.text is not None and stamp.text >= "1995", (path, stamp.text)
    ids = [e.findtext(f"{ATOM}id") for e in doc.iter(f"{ATOM}entry")]
    assert len(ids) == len(set(ids)), path
    assert not feedparser.parse(path.read_bytes()).bozo, path


def test_feeds_are_valid_atom(built: tuple[Config, Archive, Path]) -> None:
    _, _, site = built
    feeds = sorted((site / "feeds").rglob("*.xml"))
    assert len(feeds) > 4
    for feed in feeds:
        _valid_atom(feed)


def test_an_empty_feed_has_a_plausible_date(tmp_path: Path) -> None:
    from site_data import CONFIG

    from digest.config import parse_config

    (tmp_path / "digest.yml").write_text(CONFIG, encoding="utf-8")
    config = parse_config(CONFIG, tmp_path / "digest.yml")
    archive = Archive(config.content_dir, config.state_path)
    try:
        generate(config, archive)
    finally:
        archive.close()
    feed = config.content_dir / "feeds" / "atom.xml"
    _valid_atom(feed)
    parsed = feedparser.parse(feed.read_bytes())
    assert parsed.feed.updated_parsed.tm_year >= 2025 and not parsed.entries


def _site_text(site: Path) -> Iterator[tuple[Path, str]]:
    # Scripts that we ship (Material's, Pagefind's) legitimately contain these words.
    for path in site.rglob("*"):
        if path.suffix in {".html", ".xml", ".json"} and "pagefind" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def test_hostile_text_is_inert(built: tuple[Config, Archive, Path]) -> None:
    _, _, site = built
    assert assert_tree_inert(site) > 10
    page = next((site / "articles").rglob("script-alert*/index.html")).read_text(encoding="utf-8")
    assert HOSTILE_TITLE in visible_text(page)  # shown as text
    for feed in (site / "feeds").rglob("*.xml"):
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, feed
        for entry in parsed.entries:
            assert all(not link.href.lower().startswith("javascript") for link in entry.links)


def test_sitemap_dates_each_page_by_its_content(built: tuple[Config, Archive, Path]) -> None:
    from lxml import etree

    _, _, site = built
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = etree.parse(str(site / "sitemap.xml"))
    dates = {
        u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
        for u in root.iterfind("s:url", ns)
    }
    seed = next(k for k in dates if "/articles/2025/01/15/a-journey-" in k)
    assert dates[seed] == "2025-01-15"
    assert dates["https://example.org/digest/"] == "2025-01-15"  # its newest story
    assert dates["https://example.org/digest/days/2025-01-14/"] == "2025-01-14"
    assert dates["https://example.org/digest/about/"] is None  # nothing to date it by
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://example.org/digest/sitemap.xml" in robots


def test_generate_rewrites_only_changes_and_removes_stale_pages(tmp_path: Path) -> None:
    config, archive = make_digest(tmp_path, extra=0)
    try:
        first = generate(config, archive)
        assert "index.md" in first.written
        stray = config.content_dir / "tags" / "gone" / "index.md"
        stray.parent.mkdir(parents=True)
        stray.write_text("old", encoding="utf-8")
        again = generate(config, archive)
        assert again.written == ()
        assert again.removed == ("tags/gone/index.md",)
        assert not stray.parent.exists()
        assert (config.content_dir / "about.md").exists()  # hand-written pages are kept
        seed = next(config.content_dir.rglob("a-journey-*.md"))
        seed.unlink()
        third = generate(config, archive)
        # Its only article gone, the tag is shown nowhere: page and feeds removed.
        assert "tags/platform-policy/index.md" in third.removed
        assert "feeds/tags/platform-policy.xml" in third.removed
        assert "tags/social-media/index.md" in third.written
        assert "feeds/atom.xml" in third.written
    finally:
        archive.close()


def test_listing_links_resolve(built: tuple[Config, Archive, Path]) -> None:
    # The listings are raw HTML with final URLs (MkDocs does not check those links).
    _, _, site = built
    pages = [site / "index.html"] + [
        p
        for folder in ("tags", "sources", "days", "archive")
        for p in (site / folder).rglob("index.html")
    ]
    checked = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for href in re.findall(r'<a href="([^"#:]+)"', html):
            target = (page.parent / href).resolve()
            assert (target / "index.html").exists() or target.is_file(), (page, href)
            checked += 1
    assert checked > 50


def test_memoised_parts_match_a_full_render(built: tuple[Config, Archive, Path]) -> None:
    # Article and listing pages share nav, tabs, palette, footer and config (rendered
    # once per depth); every one of them must still carry them, identical.
    _, _, site = built
    pages = sorted((site / "articles").rglob("index.html"))
    assert len(pages) > 3

    def shell(path: Path) -> list[str]:
        html = path.read_text(encoding="utf-8")
        out = []
        for start, end in (
            ('<nav class="md-tabs"', "</nav>"),
            ('<nav class="md-nav md-nav--primary', "</nav>"),
            ('<form class="md-header__option" data-md-component="palette"', "</form>"),
            ('<script id="__config"', "</script>"),
            ('<footer class="md-footer">', "</footer>"),
        ):
            i = html.index(start)
            out.append(" ".join(html[i : html.index(end, i)].split()))
        return out

    first = shell(pages[0])
    assert 'href="../../../../../tags/"' in first[0]  # links relative to the article's depth
    assert all(shell(p) == first for p in pages[1:])
    tag = shell(site / "tags" / "platform-policy" / "index.html")
    assert 'href="../"' in tag[0]  # the Tags tab, from inside tags/


def test_href_follows_use_directory_urls() -> None:
    from digest.site.format import href

    assert href("days/2025-01-15.md", "articles/2025/01/15/x.md") == "../../articles/2025/01/15/x/"
    assert href("tags/a/2.md", "tags/a/index.md") == "../"
    assert href("tags/a/index.md", "tags/a/2.md") == "2/"
    assert href("index.md", "index.md") == "./"
    assert href("days/2025-01-15.md", "articles/2025/01/15/x.md", False) == (
        "../articles/2025/01/15/x.html"
    )
    assert href("tags/a/2.md", "tags/a/index.md", False) == "index.html"


def test_in_process_shortcuts_change_no_page(
    built: tuple[Config, Archive, Path], tmp_path: Path
) -> None:
    # `digest build` passes the listings' raw HTML around Markdown and memoises the
    # theme's page-independent parts; plain `mkdocs build` of the same content/ must
    # give the same pages (modulo blank lines).
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from digest.site.build import site_extra

    config, archive, site = built
    cfg = load_config(
        str(config.root / "mkdocs.yml"),
        site_name=config.site.title,
        site_url=config.site.url,
        site_description=config.site.description,
        site_dir=str(tmp_path / "plain"),
    )
    # The data `digest build` passes (not a shortcut): without it, tag names and
    # saved pages' paths show.
    cfg["extra"]["digest"] = site_extra(config, generate(config, archive))
    mkdocs_build(cfg)
    plain = tmp_path / "plain"
    rels = ["index.html"] + [
        p.relative_to(site).as_posix()
        for folder in ("tags", "sources", "days", "archive")
        for p in (site / folder).rglob("index.html")
    ]
    rels.append(
        next((site / "articles").rglob("a-journey-*/index.html")).relative_to(site).as_posix()
    )
    for rel in rels:
        ours = (site / rel).read_text(encoding="utf-8").split()
        theirs = (plain / rel).read_text(encoding="utf-8").split()
        assert ours == theirs, rel

    # The article partial rendered early (indexplugin.py) is the very same text.
    def article(path: Path) -> str:
        html = path.read_text(encoding="utf-8")
        return html[html.index("<!--digest-index-->") : html.rindex("<!--/digest-index-->")]

    pages = list((site / "articles").rglob("index.html"))
    assert len(pages) > 3
    for page in pages:
        rel = page.relative_to(site).as_posix()
        assert article(page) == article(plain / rel), rel


def test_search_gets_only_the_article_part(built: tuple[Config, Archive, Path]) -> None:
    from digest.site.shards import indexed_part

    _, _, site = built
    page = next((site / "articles").rglob("a-journey-*/index.html")).read_text(encoding="utf-8")
    part = indexed_part(page)
    assert part.startswith('<html lang="en"><head></head><body><!--digest-index-->')
    assert "data-pagefind-body" in part and SEED_TITLE in part
    assert "md-tabs" not in part and "__config" not in part  # no theme
    assert len(part) < len(page) / 2
    assert indexed_part("<html><body>x</body></html>") == "<html><body>x</body></html>"


def test_passthrough_takes_every_listing_block(built: tuple[Config, Archive, Path]) -> None:
    # Day and source pages start with their list (MkDocs strips the front matter and
    # the blank lines after it), archive and tag pages end with a pager: all of them
    # must skip Python-Markdown's HTML parsers in `digest build`.
    from types import SimpleNamespace

    from mkdocs.utils.meta import get_data

    from digest.site.passthrough import PassthroughPlugin

    config, _, _ = built
    plugin = PassthroughPlugin()
    content = config.content_dir
    pages = [content / "index.md"] + [
        p
        for folder in ("tags", "sources", "days", "archive")
        for p in (content / folder).rglob("*.md")
    ]
    kinds = set()
    for path in pages:
        markdown, _ = get_data(path.read_text(encoding="utf-8"))
        uri = path.relative_to(content).as_posix()
        page = SimpleNamespace(file=SimpleNamespace(src_uri=uri))
        left = plugin.on_page_markdown(markdown, page=page)  # type: ignore[arg-type]
        for block in ('<div class="digest-list">', '<ul class="digest-index">', "digest-pager"):
            assert block not in left, (uri, block)
            if block in markdown:
                kinds.add(block)
        plugin.on_page_content("", page=page)  # type: ignore[arg-type]
    assert len(kinds) == 3


def _fragments(site: Path) -> list[bytes]:
    return sorted(
        gzip.decompress(f.read_bytes()) for f in site.glob("pagefind*/fragment/*.pf_fragment")
    )


def test_live_index_is_the_index_of_the_built_site(
    built: tuple[Config, Archive, Path], tmp_path: Path
) -> None:
    # Articles go to Pagefind before their page is rendered: the fragments are
    # those Pagefind makes of the finished pages.
    import shutil

    from digest.site.build import index_search

    _, _, site = built
    copy = tmp_path / "site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("pagefind*"))
    assert index_search(copy, "en")
    ours = _fragments(site)
    assert len(ours) == len(list((site / "articles").rglob("index.html")))
    assert ours == _fragments(copy)


def test_search_index_is_written_while_mkdocs_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every article reaches the index while MkDocs converts the Markdown; Pagefind
    # then indexes them during the template phase, before the first page is written.
    import subprocess

    import mkdocs.commands.build as mkdocs_build_module

    from digest.site.shards import ShardedIndex

    events: list[str] = []
    original_add = ShardedIndex.add

    def add(self: ShardedIndex, *args: object) -> None:
        events.append("add")
        original_add(self, *args)  # type: ignore[arg-type]

    class Run(subprocess.Popen[bytes]):
        def __init__(self, *args: Any, **kwargs: Any) -> None:  # Popen's, passed through
            events.append("pagefind")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(ShardedIndex, "add", add)
    monkeypatch.setattr("digest.site.shards.subprocess.Popen", Run)
    real_build_page = mkdocs_build_module._build_page

    def build_page(*args: object, **kwargs: object) -> None:
        events.append("page")
        real_build_page(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(mkdocs_build_module, "_build_page", build_page)
    config, archive = make_digest(tmp_path, extra=2)
    try:
        site = build(config, archive)
    finally:
        archive.close()
    articles = len(list((site / "articles").rglob("index.html")))
    assert events[: articles + 2] == ["add"] * articles + ["pagefind", "page"]
    assert events.count("pagefind") == 2  # English, and Chinese (the extended build)
    assert SEED_TITLE in "\n".join(f.decode("utf-8", "replace") for f in _fragments(site))


def test_listing_summaries_are_about_two_lines_in_any_script() -> None:
    """A wide (CJK) character takes two columns: a Chinese summary is cut at
    about half as many characters as an English one, at a word boundary for
    English."""
    from digest.site.format import short_summary

    english = short_summary("word " * 100)
    chinese = short_summary("美国用户开始下载中国社交平台小红书，" * 20)
    assert english.endswith("word…") and 180 < len(english) <= 221
    assert chinese.endswith("…") and 100 <= len(chinese) <= 111
    assert short_summary("A short summary.") == "A short summary."
    # Accented Latin is one column a letter, whether precomposed or not.
    assert len(short_summary("café " * 60)) == len(english)
    decomposed = short_summary("cafe\u0301 " * 60)
    assert decomposed.endswith("e\u0301…") and len(decomposed) > len(english)
    # No Chinese comma left before the ellipsis.
    assert not short_summary("小红书，" * 80).endswith("，…")
