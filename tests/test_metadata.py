"""Article metadata through `digest fetch`, `digest add` and `digest extract`.

Feeds and pages are served by a real HTTP server on 127.0.0.1; what is
checked is what a user reads in the stored front matter or the printed JSON.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from localserver import Route, Server, serve
from runner import Digest

from digest.extract.html import extract_page
from digest.ingest.assemble import build_article
from digest.model import Entry
from digest.tags.rules import default_taxonomy

PARAS = [
    "The city council voted on Tuesday to keep the old river bridge open for another year, "
    "and the mayor said that the repairs would be paid for out of the reserve fund.",
    "Engineers who inspected the bridge in the spring found that the steel was in better "
    "shape than they had feared, although the deck will need to be replaced soon.",
    "Residents of the east side, who would otherwise have faced a long detour, said they "
    "were relieved by the decision and hoped the work would start before the winter.",
    "The vote was seven to two, with the two members against it arguing that the money "
    "should have gone to the new ferry that the town has been discussing for years.",
]

PLANS = [
    "Planners at the regional transport office published a draft on Monday that sets out "
    "which roads, tunnels and crossings should be rebuilt over the coming ten years.",
    "The draft puts the harbour tunnel first, because its ventilation system dates from the "
    "nineteen seventies and fails more often every winter, the planners wrote.",
    "Cyclists' groups welcomed a promise of separate lanes on two of the crossings, but said "
    "that the plan left the northern suburbs without a safe route into the centre.",
]


def page(
    *,
    title: str = "Council keeps the old bridge open",
    head_title: str | None = None,
    og_title: str | None = None,
    ld: dict[str, Any] | None = None,
    meta: str = "",
    byline: str = "",
    description: str | None = None,
    extra_h1: str = "",
    paras: list[str] = PARAS,
) -> bytes:
    head = [f"<title>{head_title or title}</title>", meta]
    if og_title:
        head.append(f'<meta property="og:title" content="{og_title}">')
    if description:
        head.append(f'<meta name="description" content="{description}">')
    if ld:
        head.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        + "".join(head)
        + "</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        + f"<article><h1>{title}</h1>{byline}{body}{extra_h1}</article>"
        + "<footer>Copyright Gazette. All rights reserved.</footer></body></html>"
    ).encode()


def rss(server: Server, items: list[dict[str, str]]) -> bytes:
    out = []
    for it in items:
        parts = [f"<title>{it['title']}</title>", f"<link>{server.url(it['path'])}</link>"]
        if "date" in it:
            parts.append(f"<pubDate>{it['date']}</pubDate>")
        if "content" in it:
            parts.append(f"<content:encoded><![CDATA[{it['content']}]]></content:encoded>")
        out.append(f"<item>{''.join(parts)}</item>")
    return (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Gazette'
        f"</title><link>{server.base}/</link>{''.join(out)}</channel></rss>"
    ).encode()


def configure(folder: Path, sources: str) -> None:
    (folder / "digest.yml").write_text(
        'site: {title: "My Digest", url: "https://example.org/d/"}\n'
        "content_dir: content\nfetch: {timeout: 2, total_timeout: 4, retries: 0}\n"
        f"sources:\n{sources}",
        encoding="utf-8",
    )


def stored(folder: Path) -> dict[str, dict[str, Any]]:
    """Front matter of each stored article, by path under content/articles."""
    out = {}
    for path in sorted((folder / "content/articles").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        out[path.relative_to(folder / "content/articles").as_posix()] = yaml.safe_load(
            text.split("---\n")[1]
        )
    return out


@pytest.fixture
def gazette() -> Any:
    with serve() as server:
        yield server


def fetch_feed(digest_in: Any, folder: Path, server: Server, items: list[dict[str, str]]) -> Any:
    server.routes["/feed.xml"] = Route(rss(server, items), content_type="application/rss+xml")
    configure(folder, f'  - {{name: "Gazette", feed: "{server.url("/feed.xml")}"}}\n')
    return digest_in("-v", "fetch")


def test_a_zero_json_ld_date_never_beats_the_feed(
    digest_in: Digest, tmp_path: Path, gazette: Server
) -> None:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle",
          "headline": "Council keeps the old bridge open", "datePublished": "0001-01-01T00:00:00"}
    gazette.routes["/a/1"] = Route(page(ld=ld))
    result = fetch_feed(digest_in, tmp_path, gazette, [
        {"title": "Council keeps the old bridge open", "path": "/a/1",
         "date": "Wed, 20 Nov 2019 07:16:00 GMT"}])
    assert result.exit_code == 0, result.output
    [(path, front)] = stored(tmp_path).items()
    assert path.startswith("2019/11/20/")
    assert str(front["published"]).startswith("2019-11-20T07:16:00")


def test_the_feed_time_is_kept_when_the_page_gives_only_the_day(
    digest_in: Digest, tmp_path: Path, gazette: Server
) -> None:
    gazette.routes["/a/1"] = Route(
        page(meta='<meta property="article:published_time" content="2019-11-18">'))
    result = fetch_feed(digest_in, tmp_path, gazette, [
        {"title": "Council keeps the old bridge open", "path": "/a/1",
         "date": "Mon, 18 Nov 2019 17:56:27 GMT"}])
    assert result.exit_code == 0, result.output
    [front] = stored(tmp_path).values()
    assert front["published"] in ("2019-11-18T17:56:27+00:00", "2019-11-18T17:56:27Z")


def test_feed_and_page_disagreeing_keeps_the_feed(
    digest_in: Digest, tmp_path: Path, gazette: Server
) -> None:
    gazette.routes["/a/1"] = Route(
        page(meta='<meta property="article:published_time" content="2019-03-02T08:00:00+00:00">'))
    result = fetch_feed(digest_in, tmp_path, gazette, [
        {"title": "Council keeps the old bridge open", "path": "/a/1",
         "date": "Mon, 18 Nov 2019 17:56:27 GMT"}])
    assert result.exit_code == 0, result.output
    [front] = stored(tmp_path).values()
    assert str(front["published"]).startswith("2019-11-18T17:56:27")


def test_a_date_conflict_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    # The decision runs in a worker process, whose log does not reach the
    # command's output: the logging is checked on the function it runs.
    extracted = extract_page(page(meta='<meta property="article:published_time" '
                                       'content="2019-03-02T08:00:00+00:00">'))
    entry = Entry(source="Gazette", url="https://gazette.example/a/1",
                  published=datetime(2019, 11, 18, 17, 56, 27, tzinfo=UTC))
    with caplog.at_level(logging.DEBUG, logger="digest.ingest.assemble"):
        article = build_article(extracted, source=None, source_name="Gazette", url=entry.url or "",
                                taxonomy=default_taxonomy(), entry=entry)
    assert article.published == entry.published
    assert any("keeping the feed's" in r.getMessage() for r in caplog.records)


def test_the_feed_title_wins_over_a_suffixed_page_title(
    digest_in: Digest, tmp_path: Path, gazette: Server
) -> None:
    # Feed, og:title and H1 agree; <title> carries the site; a later H1 says "Comments".
    gazette.routes["/a/1"] = Route(page(
        title="Saraki, Melaye and others demand N500m",
        head_title="Saraki, Melaye and others demand N500m | MoreBikes",
        og_title="Saraki, Melaye and others demand N500m - Digg",
        extra_h1="<h1>Comments</h1><p>Be the first to comment.</p>"))
    result = fetch_feed(digest_in, tmp_path, gazette, [
        {"title": "Saraki, Melaye and others demand N500m", "path": "/a/1",
         "date": "Mon, 18 Nov 2019 17:56:27 GMT"}])
    assert result.exit_code == 0, result.output
    [front] = stored(tmp_path).values()
    assert front["title"] == "Saraki, Melaye and others demand N500m"


def test_feed_full_content_has_a_language(
    digest_in: Digest, tmp_path: Path, gazette: Server
) -> None:
    german = "".join(
        f"<p>{p}</p>" for p in [
            "Der Stadtrat hat am Dienstag beschlossen, die alte Brücke noch ein weiteres Jahr "
            "offen zu halten, und der Bürgermeister sagte, die Reparaturen würden aus der "
            "Rücklage bezahlt.",
            "Die Ingenieure, die die Brücke im Frühjahr untersucht hatten, fanden den Stahl in "
            "besserem Zustand als befürchtet, aber die Fahrbahn muss bald erneuert werden.",
        ])
    english = "".join(f"<p>{p}</p>" for p in PARAS)
    result = fetch_feed(digest_in, tmp_path, gazette, [
        {"title": "Brücke bleibt offen", "path": "/de/1", "content": german,
         "date": "Mon, 18 Nov 2019 17:56:27 GMT"},
        {"title": "Bridge stays open", "path": "/en/1", "content": english,
         "date": "Mon, 18 Nov 2019 18:56:27 GMT"}])
    assert result.exit_code == 0, result.output
    languages = {f["title"]: f["language"] for f in stored(tmp_path).values()}
    assert languages == {"Brücke bleibt offen": "de", "Bridge stays open": "en"}
    assert gazette.hits.count("/de/1") == 0  # the feed's content was used


def test_page_dates_rank_the_visible_byline_and_refuse_implausible_ones(
    digest_in: Digest, tmp_path: Path, gazette: Server
) -> None:
    zero = {"@context": "https://schema.org", "@type": "NewsArticle",
            "datePublished": "0001-01-01T00:00:00"}
    gazette.routes["/zero"] = Route(page(
        ld=zero, byline="<p class='byline'>Published 2:16 AM EST Nov 20, 2019</p>"))
    gazette.routes["/future"] = Route(page(
        title="Bridge plans for the next decade", paras=PLANS,
        meta='<meta property="article:published_time" content="2031-05-01T10:00:00+00:00">'))
    configure(tmp_path, "")
    result = digest_in("add", gazette.url("/zero"), gazette.url("/future"))
    assert result.exit_code == 0, result.output
    fronts = {f["title"]: f for f in stored(tmp_path).values()}
    assert fronts["Council keeps the old bridge open"]["published"] == "2019-11-20T02:16:00-05:00"
    future = fronts["Bridge plans for the next decade"]
    assert future.get("date_missing") is True  # 2031 is after the fetch: no date
    assert not str(future.get("published", "")).startswith("2031")
    # A page added by URL is sourced to its site, not to the URL typed.
    assert {f["source"] for f in fronts.values()} == {"127.0.0.1"}


def test_summaries_are_capped_at_a_sentence(digest_in: Digest, tmp_path: Path) -> None:
    wire = " ".join(PARAS * 5)  # a description that is the whole story
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved/story.html").write_bytes(page(description=wire))
    configure(tmp_path, "")
    result = digest_in("add", "saved/story.html")
    assert result.exit_code == 0, result.output
    [front] = stored(tmp_path).values()
    assert len(front["summary"]) <= 300
    assert front["summary"].endswith(".")
    assert front["summary"] in wire
    assert front["source"] == "saved"  # no publisher named: the folder it was saved in


def test_a_file_path_is_never_a_title_or_a_source(
    digest_in: Digest, tmp_path: Path, fixtures: Path
) -> None:
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved/page.txt").write_bytes((fixtures / "seed/page.txt").read_bytes())
    (tmp_path / "saved/untitled.txt").write_text("\n".join(PARAS), encoding="utf-8")
    configure(tmp_path, "")
    result = digest_in("add", "saved/page.txt", str((tmp_path / "saved/untitled.txt").resolve()))
    assert result.exit_code == 0, result.output
    fronts = sorted(stored(tmp_path).values(), key=lambda f: f["title"])
    titles = [f["title"] for f in fronts]
    sources = [f["source"] for f in fronts]
    assert "A journey from TikTok to RedNote is a story of talks" in titles
    assert not any("file:" in t or "/" in t or t.endswith(".txt") for t in titles)
    assert sorted(sources) == ["China Daily", "saved"]
    again = digest_in("add", "saved/page.txt")  # already stored: the path is no new source
    assert again.exit_code == 0 and "1 already stored" in again.output
    assert sorted(s for f in stored(tmp_path).values() for s in f["sources"]) == sorted(sources)


def test_extract_prints_no_library_notes(tmp_path: Path) -> None:
    # An <a> without href and a page with no article: trafilatura logs
    # "missing link attribute" and "discarding data" at WARNING.
    story = page(paras=[*PARAS[:2], f"<a>{PARAS[2]}</a> and more.", PARAS[3]])
    (tmp_path / "story.html").write_bytes(story)
    (tmp_path / "menu.html").write_text(
        "<html><body>" + "".join(f"<a href='/{i}'>Section {i}</a>" for i in range(40))
        + "</body></html>", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "digest", "extract", "-j", "2", "--format", "json",
         "story.html", "menu.html"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    errors = [line for line in run.stderr.splitlines() if line.strip()]
    assert errors and all(
        line.startswith("error: ") and "menu.html: no article" in line for line in errors
    ), run.stderr
    assert json.loads(run.stdout.splitlines()[0])["title"] == "Council keeps the old bridge open"
