"""A feed on a real local server → `digest fetch` → `digest build` → a searchable site."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from inert import assert_tree_inert, visible_text
from localserver import Route, Server, serve
from runner import Digest
from site_data import search_index_text

PARAS = [
    "Lawmakers in Washington voted on Tuesday to require the Chinese owner of a popular "
    "short-video app to sell its American business or face a ban from app stores.",
    "The measure gives the company nine months to find a buyer, with a possible extension "
    "of three months if a sale is under way, according to the text of the bill.",
    "Officials in Beijing said the move violated the principles of fair competition and "
    "vowed to protect the legitimate rights of Chinese companies operating abroad.",
    "Creators who earn a living on the platform said they were preparing to move their "
    "audiences elsewhere, while civil liberties groups warned about free speech.",
]


def page(title: str, n: int, extra: str = "") -> bytes:
    body = "".join(f"<p>{p} (story {n}, part {i}.)</p>" for i, p in enumerate(PARAS))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Example News</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2025-01-{10 + n:02d}T09:00:00+00:00">
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>{title}</h1><p class="byline">By Alex Doe</p>{body}{extra}</article>
<footer>Copyright Example News. All rights reserved.</footer></body></html>""".encode()


def feed(server: Server, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>{server.url(p)}</link>"
        f"<pubDate>Fri, 1{i} Jan 2025 09:00:00 +0000</pubDate></item>"
        for i, (t, p) in enumerate(items))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Example</title>'
            f"<link>{server.base}/</link>{entries}</channel></rss>").encode()


def write_config(folder: Path, sources: str) -> None:
    root = Path(__file__).resolve().parent.parent
    (folder / "digest.yml").write_text(
        f'site: {{title: "Test Digest", url: "https://example.org/t/"}}\n'
        f"content_dir: content\nfetch: {{timeout: 2, total_timeout: 4, retries: 0}}\n"
        f"sources:\n{sources}", encoding="utf-8")
    (folder / "mkdocs.yml").write_text(
        (root / "digest/data/scaffold/mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")


@pytest.fixture
def news() -> Iterator[Server]:
    with serve() as server:
        items = [("Congress orders sale of video app", "/a/1.html"),
                 ("Beijing vows response to app ban", "/a/2.html"),
                 ("Creators plan their move", "/a/3.html")]
        for n, (title, path) in enumerate(items, 1):
            server.routes[path] = Route(page(title, n))
        server.routes["/feed.xml"] = Route(feed(server, items), content_type="application/rss+xml")
        yield server


def articles(folder: Path) -> list[Path]:
    return sorted((folder / "content/articles").rglob("*.md"))


def test_fetch_build_search_and_refetch(digest_in: Digest, tmp_path: Path, news: Server) -> None:
    write_config(tmp_path, f'  - {{name: "Example", feed: "{news.url("/feed.xml")}"}}\n')
    first = digest_in("fetch")
    assert first.exit_code == 0, first.output
    assert "Example: 3 new" in first.output
    stored = articles(tmp_path)
    assert len(stored) == 3
    text = stored[0].read_text(encoding="utf-8")
    assert "source: Example" in text and "Copyright Example News" not in text

    built = digest_in("build")
    assert built.exit_code == 0, built.output
    index = search_index_text(tmp_path / "site")
    for title in ("Congress orders sale of video app", "Beijing vows response to app ban",
                  "Creators plan their move"):
        assert title in index

    before = {p: p.read_bytes() for p in stored}
    second = digest_in("fetch")
    assert second.exit_code == 0, second.output
    assert "Example: 0 new, 3 already stored" in second.output
    assert {p: p.read_bytes() for p in articles(tmp_path)} == before


HOSTILE_FEED = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Hostile</title><link>https://evil.example/</link>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt; Title &lt;img src=x onerror=alert(2)&gt;</title>
<link>https://evil.example/story-one</link><pubDate>Mon, 13 Jan 2025 10:00:00 +0000</pubDate>
<content:encoded><![CDATA[
<p>Regulators in Brussels opened an investigation into the platform's moderation rules today.</p>
<p onclick="alert(3)">The company said it would cooperate with the <a href="javascript:alert(4)">regulator</a>
and <a href="JaVaScRiPt:alert(5)">others</a>.</p><script>alert(6)</script>
<iframe src="https://evil.example/frame"></iframe><img src="x" onerror="alert(7)">
<p>Escaped markup stays text: &lt;script&gt;alert(8)&lt;/script&gt; and &lt;img src=x onerror=alert(9)&gt;.</p>
<p><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=">data link</a>
<style>body{display:none}</style><form action="https://evil.example/f"><input name="q"></form></p>
]]></content:encoded></item></channel></rss>"""


def test_hostile_feed_never_reaches_content_or_site(digest_in: Digest, tmp_path: Path) -> None:
    (tmp_path / "hostile.xml").write_bytes(HOSTILE_FEED)
    write_config(tmp_path, '  - {name: "Hostile <b>source</b>", feed: "hostile.xml"}\n')
    assert digest_in("fetch").exit_code == 0
    assert digest_in("build").exit_code == 0
    assert assert_tree_inert(tmp_path / "content") > 0
    assert assert_tree_inert(tmp_path / "site") > 0
    # Escaped text is content: the quoted markup is shown, as words.
    page = next((tmp_path / "site" / "articles").rglob("*/index.html")).read_text("utf-8")
    shown = visible_text(page)
    assert "<script>alert(1)</script> Title <img src=x onerror=alert(2)>" in shown
    assert "Escaped markup stays text: <script>alert(8)</script> and " \
        "<img src=x onerror=alert(9)>." in shown
    assert "evil.example/f" not in page  # the form went, with its action


@pytest.mark.slow
def test_bad_sources_get_one_line_each_and_keep_the_archive(digest_in: Digest, tmp_path: Path,
                                                             news: Server) -> None:
    write_config(tmp_path, f'  - {{name: "Good", feed: "{news.url("/feed.xml")}"}}\n')
    assert digest_in("fetch").exit_code == 0
    before = {p: p.read_bytes() for p in articles(tmp_path)}

    news.routes["/gone.xml"] = Route(b"", status=404)
    news.routes["/broken.xml"] = Route(b"", status=500)
    news.routes["/slow.xml"] = Route(b"<rss/>", delay=6)
    news.routes["/notxml.xml"] = Route(b"\x89PNG\r\n\x1a\n\x00\x00binary", content_type="image/png")
    news.routes["/notfeed.xml"] = Route(b"<html><body><p>Just a page.</p></body></html>")
    news.routes["/pdf.html"] = Route(b"%PDF-1.4 binary", content_type="application/pdf")
    write_config(tmp_path, "".join([
        f'  - {{name: "Good", feed: "{news.url("/feed.xml")}"}}\n',
        '  - {name: "Nowhere", feed: "http://unreachable.invalid/feed.xml"}\n',
        f'  - {{name: "Gone", feed: "{news.url("/gone.xml")}"}}\n',
        f'  - {{name: "Broken", feed: "{news.url("/broken.xml")}"}}\n',
        f'  - {{name: "Slow", feed: "{news.url("/slow.xml")}"}}\n',
        f'  - {{name: "Binary", feed: "{news.url("/notxml.xml")}"}}\n',
        f'  - {{name: "Page", feed: "{news.url("/notfeed.xml")}"}}\n',
        f'  - {{name: "PDF", url: "{news.url("/pdf.html")}"}}\n',
    ]))
    result = digest_in("fetch")
    assert result.exit_code == 1
    out = result.output
    assert "Traceback" not in out
    lines = {line.split(":", 1)[0]: line for line in out.splitlines() if ":" in line}
    assert "0 new, 3 already stored" in lines["Good"]
    expectations = {"Nowhere": "unreachable.invalid", "Gone": "404", "Broken": "500",
                    "Slow": "timed out", "Binary": "not a feed", "Page": "not a feed",
                    "PDF": "pdf"}
    for name, reason in expectations.items():
        assert "failed" in lines[name], out
        assert reason.lower() in lines[name].lower(), lines[name]
    assert {p: p.read_bytes() for p in articles(tmp_path)} == before


def test_add_and_extract_report_bad_inputs(digest_in: Digest, tmp_path: Path, news: Server) -> None:
    write_config(tmp_path, "  []\n")
    (tmp_path / "empty.html").write_bytes(b"")
    result = digest_in("extract", "empty.html")
    assert result.exit_code == 1
    assert "empty.html" in result.output and "Traceback" not in result.output
    result = digest_in("add", news.url("/missing.html"))
    assert result.exit_code == 1
    assert "404" in result.output
    result = digest_in("add", news.url("/a/1.html"))
    assert result.exit_code == 0, result.output
    assert len(articles(tmp_path)) == 1
