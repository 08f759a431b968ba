"""digest.ingest.pipeline against a real HTTP server on 127.0.0.1: runs, dedup, failures."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest.archive.store import Archive
from digest.config import Config, parse_config
from digest.errors import SourceError
from digest.ingest.inputs import read_inputs
from digest.ingest.pipeline import add_inputs, run_fetch
from digest.ingest.summary import RunSummary, SourceSummary, Tally

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
WORDS = [
    "platform", "regulator", "market", "court", "ministry", "export", "chip", "data",
    "privacy", "algorithm", "company", "user", "consumer", "report", "minister", "trade",
    "tariff", "network", "policy", "law", "review", "council", "statement", "growth",
    "investment", "security", "agency", "rule", "draft",
]


def prose(seed: str, paragraphs: int = 5) -> str:
    rng = random.Random(seed)
    return "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + ".</p>"
        for _ in range(paragraphs))


def page(title: str, seed: str, canonical: str | None = None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (f"<!DOCTYPE html><html lang=en><head><title>{title}</title>{link}"
            '<meta property="article:published_time" content="2025-01-21T06:17:00+08:00">'
            f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>"
            f"{prose(seed)}</article><footer>Copyright</footer></body></html>")


def rss(*items: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>Feed</title><link>/</link>{''.join(items)}</channel></rss>")


def item(title: str, link: str | None, content: str | None = None) -> str:
    parts = [f"<title>{title}</title>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if content:
        parts.append(f"<content:encoded><![CDATA[{content}]]></content:encoded>")
    parts.append("<pubDate>Tue, 21 Jan 2025 06:17:00 +0800</pubDate>")
    return f"<item>{''.join(parts)}</item>"


def serve_feed(server: HTTPServer, path: str, body: str | bytes, etag: str | None = None,
               content_type: str = "application/rss+xml") -> None:
    def handler(request: Request) -> Response:
        if etag and request.headers.get("If-None-Match") == etag:
            return Response(status=304)
        return Response(body, content_type=content_type, headers={"ETag": etag} if etag else {})
    server.expect_request(path).respond_with_handler(handler)


def make_config(tmp_path: Path, sources: str, **fetch: object) -> Config:
    settings = {"timeout": 1, "total_timeout": 2, "retries": 0, **fetch}
    text = ("fetch: {" + ", ".join(f"{k}: {v}" for k, v in settings.items()) + "}\n"
            f"sources:\n{sources}")
    path = tmp_path / "digest.yml"
    path.write_text(text, encoding="utf-8")
    return parse_config(text, path)


def fetch(config: Config, *, refresh: bool = False, jobs: int = 0) -> RunSummary:
    archive = Archive(config.content_dir, config.state_path)
    try:
        return run_fetch(config, archive, refresh=refresh, jobs=jobs)
    finally:
        archive.close()


def stored(config: Config) -> dict[str, str]:
    folder = config.content_dir / "articles"
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*.md"))} if folder.exists() else {}


def hits(server: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in server.log if request.path == path)


def test_feed_run_then_conditional_rerun(server: HTTPServer, tmp_path: Path) -> None:
    full = prose("full-content", 4)
    serve_feed(server, "/feed.xml", rss(
        item("Linked one", "/a/1?utm_source=rss"), item("Linked two", "/a/2"),
        item("Full content", "/a/3", full)), etag='"v1"')
    for n in (1, 2):
        server.expect_request(f"/a/{n}").respond_with_data(page(f"Linked {n}", f"p{n}"),
                                                             content_type="text/html")
    config = make_config(tmp_path, f'  - {{name: Example, feed: "{server.url_for("/feed.xml")}"}}')
    first = fetch(config)
    assert first.render() == ["Example: 3 new, 0 already stored"] and first.ok
    assert hits(server, "/a/3") == 0  # full content in the feed: the page is never read
    files = stored(config)
    assert len(files) == 3
    text = next(t for t in files.values() if "title: Linked one" in t)  # the feed names it
    assert f"url: {server.url_for('/a/1')}\n" in text  # tracking parameter gone
    second = fetch(config)
    assert second.render() == ["Example: not modified since the last run"] and second.ok
    assert hits(server, "/a/1") == 1 and stored(config) == files


def test_feed_without_validators_skips_stored_entries(server: HTTPServer, tmp_path: Path) -> None:
    serve_feed(server, "/plain.xml", rss(item("One", "/p/1")))
    server.expect_request("/p/1").respond_with_data(page("One", "one"), content_type="text/html")
    config = make_config(tmp_path, f'  - {{name: Plain, feed: "{server.url_for("/plain.xml")}"}}')
    assert fetch(config).render() == ["Plain: 1 new, 0 already stored"]
    assert fetch(config).render() == ["Plain: 0 new, 1 already stored"]
    assert hits(server, "/p/1") == 1
    assert fetch(config, refresh=True).render() == ["Plain: 0 new, 1 already stored"]
    assert hits(server, "/p/1") == 2  # --refresh reads it again


def test_same_story_in_two_feeds_and_under_two_urls(server: HTTPServer, tmp_path: Path) -> None:
    story = page("Shared story", "shared")
    server.expect_request("/story").respond_with_data(story, content_type="text/html")
    # A syndicated copy under another URL that says where the original is ...
    server.expect_request("/copy").respond_with_data(
        page("Shared story", "shared", canonical=server.url_for("/story")),
        content_type="text/html")
    # ... and one that does not, but carries the same text.
    server.expect_request("/mirror").respond_with_data(
        page("Shared story (mirror)", "shared"), content_type="text/html")
    serve_feed(server, "/one.xml", rss(item("Shared story", "/story?utm_medium=feed")))
    serve_feed(server, "/two.xml", rss(item("Shared story", "/story#top"),
                                       item("Shared story", "/copy")))
    serve_feed(server, "/three.xml", rss(item("Shared story (mirror)", "/mirror")))
    config = make_config(tmp_path, "\n".join(
        f'  - {{name: "{name}", feed: "{server.url_for(path)}"}}'
        for name, path in (("Feed One", "/one.xml"), ("Feed Two", "/two.xml"),
                           ("Feed Three", "/three.xml"))))
    summary = fetch(config)
    assert sum(s.new for s in summary.sources) == 1
    assert sum(s.existing for s in summary.sources) == 3
    (text,) = stored(config).values()
    front = yaml.safe_load(text.split("---\n")[1])
    assert sorted(front["sources"]) == ["Feed One", "Feed Three", "Feed Two"]
    # Whichever copy arrived first is kept; /copy's rel=canonical names /story.
    assert front["canonical_url"] in (server.url_for("/story"), server.url_for("/mirror"))
    assert hits(server, "/story") == 1  # one fetch, though two feeds listed it


def test_stories_stored_at_once_keep_apart_and_copies_merge(server: HTTPServer,
                                                             tmp_path: Path) -> None:
    # Files are written on several threads at once: two different stories with
    # one title and date still get two files, and two copies of one text
    # (different URLs, no canonical) arriving together are still stored once.
    copy = prose("copied", 5)
    serve_feed(server, "/same.xml", rss(*(item("Same title", f"/same/{n}", prose(f"s{n}", 5))
                                          for n in range(6))))
    serve_feed(server, "/copies.xml", rss(*(item("Wire story", f"/wire/{n}", copy)
                                            for n in range(4))))
    config = make_config(tmp_path, "\n".join(
        f'  - {{name: "{name}", feed: "{server.url_for(path)}"}}'
        for name, path in (("Same", "/same.xml"), ("Copies", "/copies.xml"))))
    assert fetch(config).render() == ["Same: 6 new, 0 already stored",
                                      "Copies: 1 new, 3 already stored"]
    files = stored(config)
    assert len(files) == 7
    assert sum("title: Same title" in text for text in files.values()) == 6


def test_a_copy_in_a_later_run_finds_a_story_that_had_a_source_merged(
        server: HTTPServer, tmp_path: Path) -> None:
    # Near-duplicate lookups are state-database queries, in this run and the
    # next alike: merging a second source must not drop the stored fingerprint.
    copy = prose("wire", 5)
    for name in ("one", "two", "three"):
        serve_feed(server, f"/{name}.xml", rss(item("Wire story", f"/{name}/story", copy)))
    first = make_config(tmp_path, "\n".join(
        f'  - {{name: "{name}", feed: "{server.url_for(f"/{name.lower()}.xml")}"}}'
        for name in ("One", "Two")))
    summary = fetch(first)
    assert (summary.new, sum(s.existing for s in summary.sources)) == (1, 1)
    later = make_config(tmp_path, f'  - {{name: Three, feed: "{server.url_for("/three.xml")}"}}')
    assert fetch(later).render() == ["Three: 0 new, 1 already stored"]
    (text,) = stored(later).values()
    sources = yaml.safe_load(text.split("---\n")[1])["sources"]
    assert sorted(sources[:2]) == ["One", "Two"] and sources[2:] == ["Three"]


def test_each_failure_is_one_line_and_nothing_stored_is_lost(server: HTTPServer,
                                                             tmp_path: Path) -> None:
    serve_feed(server, "/good.xml", rss(item("Good", "/good")))
    server.expect_request("/good").respond_with_data(page("Good", "good"), content_type="text/html")
    good = f'  - {{name: Good, feed: "{server.url_for("/good.xml")}"}}\n'
    config = make_config(tmp_path, good)
    assert fetch(config).ok
    before = stored(config)

    server.expect_request("/gone.xml").respond_with_data("gone", status=410)
    server.expect_request("/error.xml").respond_with_data("oops", status=500)
    serve_feed(server, "/html.xml", (FEEDS / "not_a_feed.html").read_bytes(),
               content_type="text/html")
    serve_feed(server, "/links.xml", rss(item("Inside", f"http://127.0.0.1:{server.port}/secret"),
                                         item("Missing", "/missing-page")))
    server.expect_request("/slow.xml").respond_with_handler(_slow)
    local = f"http://localhost:{server.port}"
    config = make_config(tmp_path, good + "\n".join([
        f'  - {{name: Missing, feed: "{server.url_for("/missing.xml")}"}}',
        f'  - {{name: Gone, feed: "{server.url_for("/gone.xml")}"}}',
        f'  - {{name: Broken, feed: "{server.url_for("/error.xml")}"}}',
        f'  - {{name: Homepage, feed: "{server.url_for("/html.xml")}"}}',
        f'  - {{name: Local, feed: "{local}/links.xml"}}',
        f'  - {{name: Slow, feed: "{server.url_for("/slow.xml")}"}}',
    ]), total_timeout=0.5)
    summary = fetch(config)
    assert not summary.ok
    lines = summary.render()
    assert lines[0] == "Good: 0 new, 1 already stored"
    assert lines[1] == f"Missing: failed: {server.url_for('/missing.xml')}: HTTP 500" or \
        lines[1] == f"Missing: failed: {server.url_for('/missing.xml')}: HTTP 404"
    assert lines[2] == f"Gone: failed: {server.url_for('/gone.xml')}: HTTP 410"
    assert lines[3] == f"Broken: failed: {server.url_for('/error.xml')}: HTTP 500"
    assert lines[4] == f"Homepage: failed: {server.url_for('/html.xml')}: not a feed: an HTML page"
    assert lines[5].startswith("Local: 0 new, 0 already stored, 2 failed: ")
    assert f"http://127.0.0.1:{server.port}/secret: refused: 127.0.0.1 is a loopback address" \
        in lines[5]
    assert f"{local}/missing-page: HTTP 500" in lines[5] or f"{local}/missing-page: HTTP 404" \
        in lines[5]
    assert lines[6] == f"Slow: failed: {server.url_for('/slow.xml')}: timed out after 0.5 s"
    assert len(lines) == 7
    assert stored(config) == before


def _slow(request: Request) -> Response:
    import time

    time.sleep(1.5)
    return Response("late")


def test_validators_wait_until_every_entry_is_stored(server: HTTPServer, tmp_path: Path) -> None:
    serve_feed(server, "/feed.xml", rss(item("Ok", "/ok"), item("Flaky", "/flaky")), etag='"e"')
    server.expect_request("/ok").respond_with_data(page("Ok", "ok"), content_type="text/html")
    server.expect_request("/flaky").respond_with_data("down", status=503)
    config = make_config(tmp_path, f'  - {{name: F, feed: "{server.url_for("/feed.xml")}"}}')
    assert fetch(config).render()[0].startswith("F: 1 new, 0 already stored, 1 failed: ")
    server.clear()
    serve_feed(server, "/feed.xml", rss(item("Ok", "/ok"), item("Flaky", "/flaky")), etag='"e"')
    server.expect_request("/flaky").respond_with_data(page("Flaky", "flaky"),
                                                      content_type="text/html")
    # No 304: the entry that failed is tried again; the stored one is not fetched again.
    assert fetch(config).render() == ["F: 1 new, 1 already stored"]
    assert hits(server, "/ok") == 0
    assert fetch(config).render() == ["F: not modified since the last run"]


@pytest.mark.parametrize("name", ["gb2312.xml", "windows1252.xml", "control_chars.xml"])
def test_hard_feeds_through_the_pipeline(server: HTTPServer, tmp_path: Path, name: str) -> None:
    data = (FEEDS / name).read_bytes().replace(
        b"<title>Second</title>", b"<title>Second</title><description>2</description>")
    # Make the entries carry their full text so the run needs no other server.
    data = data.replace(b"</description>", b"</description><content:encoded>"
                        + prose(name).encode() + b"</content:encoded>")
    data = data.replace(b'<rss version="2.0">', b'<rss version="2.0" '
                        b'xmlns:content="http://purl.org/rss/1.0/modules/content/">')
    serve_feed(server, "/hard.xml", data, content_type="text/plain")  # wrong Content-Type too
    config = make_config(tmp_path, f'  - {{name: Hard, feed: "{server.url_for("/hard.xml")}"}}')
    summary = fetch(config)
    assert summary.ok, summary.render()
    texts = list(stored(config).values())
    assert texts and all(t.startswith("---\ntitle: ") for t in texts)
    if name == "gb2312.xml":
        assert "title: 平台经济监管新规发布" in texts[0]


def test_local_feed_file_and_folder_of_pages(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "one.html").write_text(page("Saved page", "saved"), encoding="utf-8")
    # Real sentences: the text-dump classifier rightly rejects word salad
    # (no stopwords) as page chrome.
    dump = "\n\n".join(
        f"In paragraph {i}, the city council said that it would review the plan for the new "
        f"library again next month, and residents who live near the site were asked to send "
        f"their comments to the planning office before the end of the {i}th week." for i in range(5))
    (pages / "two.txt").write_text("A plain text dump\n\n" + dump, encoding="utf-8")
    (pages / "ignored.png").write_bytes(b"\x89PNG")
    feed = tmp_path / "feed.json"
    feed.write_text('{"version": "https://jsonfeed.org/version/1.1", "items": ['
                    '{"id": "1", "title": "Linkless note", "content_html": "'
                    + prose("note").replace('"', "'") + '"}]}', encoding="utf-8")
    config = make_config(tmp_path, f'  - {{name: Saved, path: "{pages}"}}\n'
                                   f'  - {{name: Notes, feed: "{feed}"}}')
    first = fetch(config)
    assert first.render() == ["Saved: 2 new, 0 already stored", "Notes: 1 new, 0 already stored"]
    assert fetch(config).render() == ["Saved: 0 new, 2 already stored",
                                      "Notes: 0 new, 1 already stored"]
    assert len(stored(config)) == 3


def test_add_inputs_and_read_inputs(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/added").respond_with_data(page("Added", "added"),
                                                      content_type="text/html")
    saved = tmp_path / "saved.html"
    saved.write_text(page("Saved by hand", "hand"), encoding="utf-8")
    config = make_config(tmp_path, "  []")
    archive = Archive(config.content_dir, config.state_path)
    try:
        inputs = [server.url_for("/added"), str(saved), str(tmp_path / "nope.html")]
        summary = add_inputs(config, archive, inputs)
        assert summary.render()[:2] == [f"{inputs[0]}: 1 new, 0 already stored",
                                        f"{saved}: 1 new, 0 already stored"]
        assert summary.render()[2].startswith(f"{inputs[2]}: failed: ")
        again = add_inputs(config, archive, inputs[:2])
        assert [s.existing for s in again.sources] == [1, 1]
    finally:
        archive.close()
    results = list(read_inputs([server.url_for("/added"), str(saved), server.url_for("/404")]))
    assert [r[0] for r in results] == [server.url_for("/added"), str(saved),
                                       server.url_for("/404")]
    assert isinstance(results[0][1], bytes) and results[0][2] == server.url_for("/added")
    assert isinstance(results[1][1], bytes) and results[1][2] is None
    assert isinstance(results[2][1], SourceError)


def test_summary_rendering() -> None:
    ok = SourceSummary("China Daily Opinion", new=3, existing=5)
    assert ok.render() == "China Daily Opinion: 3 new, 5 already stored" and ok.ok
    bad = SourceSummary("Foo", failed=1, errors=("https://x/feed.xml: HTTP 404",),
                        source_failed=True)
    assert bad.render() == "Foo: failed: https://x/feed.xml: HTTP 404" and not bad.ok
    many = SourceSummary("Bar", new=1, failed=5, errors=tuple(f"u{i}: HTTP 404" for i in range(5)))
    assert many.render() == ("Bar: 1 new, 0 already stored, 5 failed: u0: HTTP 404; u1: HTTP 404; "
                             "u2: HTTP 404 (and 2 more)")
    assert not RunSummary((ok, bad)).ok and RunSummary((ok,)).ok
    tally = Tally("Big")  # a feed whose every link fails keeps counts, not every message
    for n in range(1000):
        tally.fail(f"u{n}: HTTP 404")
    frozen = tally.freeze()
    assert frozen.failed == 1000 and len(frozen.errors) == 3
    assert frozen.render().endswith("u2: HTTP 404 (and 997 more)")


def test_worker_processes_do_the_cpu_work() -> None:
    import asyncio
    from datetime import UTC, datetime

    from digest.ingest.pool import WorkerPool
    from digest.ingest.workers import Done, Job
    from digest.model import Entry, Source, SourceKind
    from digest.tags.rules import default_taxonomy

    source = Source("S", SourceKind.FEED, "https://example.org/feed")
    entry = Entry("S", "https://example.org/a?utm_source=x", title="Worker story",
                  content_html=prose("worker"))
    fetched = datetime(2025, 1, 1, tzinfo=UTC)

    async def run() -> list[Done | str]:
        with WorkerPool(default_taxonomy(), jobs=2) as pool:
            entries = await pool.parse_feed((FEEDS / "rdf.xml").read_bytes(), None, None, "S",
                                            fetched)
            assert entries[0].title == "RDF item"
            return list(await asyncio.gather(
                pool.run(Job.fragment(entry, source, fetched)),
                pool.run(Job.page(b"\0\0binary", "https://example.org/b", None, None, source,
                                  fetched))))

    done, failed = asyncio.run(run())
    assert isinstance(done, Done) and done.article.title == "Worker story"
    assert done.fingerprint is not None and done.keys[0] == "https://example.org/a"
    assert isinstance(failed, str) and failed.startswith("https://example.org/b: ")


def test_state_opened_by_the_caller_still_works(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "one.html").write_text(page("Opened first", "opened"), encoding="utf-8")
    config = make_config(tmp_path, f'  - {{name: Saved, path: "{pages}"}}')
    archive = Archive(config.content_dir, config.state_path)
    try:
        archive.state.validators("x")  # sqlite ties the connection to this thread
        assert run_fetch(config, archive).render() == ["Saved: 1 new, 0 already stored"]
        assert archive.find((pages / "one.html").resolve().as_uri()) is not None
    finally:
        archive.close()
