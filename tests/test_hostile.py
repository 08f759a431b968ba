"""Regressions of the hostile pass (issue 14): each case once crashed, hung or misled a run.

Every case runs through the code a user runs (the CLI, or the fetcher the
pipeline uses) against a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import re
import socketserver
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from localserver import Route, Server, serve
from pytest_httpserver import HTTPServer
from runner import Digest
from test_pipeline import page, prose
from werkzeug import Response

from digest.config import FetchConfig, load_config
from digest.errors import FetchError
from digest.fetch.http import Fetcher


@pytest.fixture
def site() -> Iterator[Server]:
    with serve() as server:
        yield server


def _config(folder: Path, sources: str) -> None:
    (folder / "digest.yml").write_text(
        f"fetch: {{timeout: 2, total_timeout: 4, retries: 0}}\nsources:\n{sources}",
        encoding="utf-8")


def _rss(*items: str) -> bytes:
    return ("<rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
            f"<channel><title>F</title>{''.join(items)}</channel></rss>").encode()


# --- a run dies for everyone --------------------------------------------------


@pytest.fixture
def raw_redirect() -> Iterator[str]:
    """A server that answers every request with a redirect to a port that cannot be.

    The one raw server in the tests, on purpose: the HTTP test server cannot send
    this Location header. werkzeug passes a Location through ``iri_to_uri`` before
    sending it, which raises on the port ("Port out of range 0-65535"), so the
    client would get a 500 and never see the redirect.
    """
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:99999/y")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/hop"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_links_without_an_address_fail_alone(digest_in: Digest, site: Server,
                                             raw_redirect: str) -> None:
    port = site.httpd.port
    site.routes["/feed.xml"] = Route(_rss(
        "<item><title>Port</title><link>http://127.0.0.1:99999/x</link></item>",
        f"<item><title>Two ports</title><link>http://127.0.0.1:{port}:80/x</link></item>",
        "<item><title>Bracket</title><link>http://[::1/x</link></item>",
        f"<item><title>Hop</title><link>{raw_redirect}</link></item>",
        f"<item><title>Good</title><link>{site.url('/good')}</link></item>"),
        content_type="application/rss+xml")
    site.routes["/good"] = Route(page("Good story", "good").encode())
    site.routes["/other.xml"] = Route(_rss(f"<item><title>Other</title>"
                                           f"<link>{site.url('/other')}</link></item>"),
                                      content_type="application/rss+xml")
    site.routes["/other"] = Route(page("Other story", "other").encode())
    _config(digest_in.folder, f"  - {{name: Hostile, feed: '{site.url('/feed.xml')}'}}\n"
                              f"  - {{name: Other, feed: '{site.url('/other.xml')}'}}\n")
    result = digest_in("fetch")
    assert "Traceback" not in result.output
    hostile, other = [line for line in result.output.splitlines()
                      if re.match(r"(Hostile|Other): \d+ new", line)]
    # feedparser drops the unclosed bracket itself: an entry with neither link
    # nor text has nothing to store (digest add "http://[::1" is refused below).
    assert hostile.startswith("Hostile: 1 new, 0 already stored, 3 failed: ")
    assert "http://127.0.0.1:99999/x: invalid URL (Port out of range 0-65535)" in hostile
    assert other == "Other: 1 new, 0 already stored"
    assert result.exit_code == 0  # the source worked; its bad links are reported
    assert "redirected to http://127.0.0.1:99999/y: invalid URL" in result.output


@pytest.mark.parametrize("location", ["http://127.0.0.1:99999/feed", "http://h:8802:80/feed"])
def test_the_same_url_in_digest_yml_is_a_config_error(digest_in: Digest, location: str) -> None:
    _config(digest_in.folder, f"  - {{name: Bad, feed: '{location}'}}\n")
    result = digest_in("fetch")
    assert result.exit_code == 2
    assert result.output.splitlines()[1].startswith("  digest.yml:3: sources[0].feed: invalid URL")


# --- identity that cannot collide -----------------------------------------------


def test_entries_without_links_stay_apart_and_are_known_next_time(
        digest_in: Digest, site: Server) -> None:
    items = [f"<item><title>Bulletin {n}</title><content:encoded><![CDATA[{prose(f'b{n}')}]]>"
             "</content:encoded></item>" for n in range(3)]
    site.routes["/feed.xml"] = Route(_rss(*items), content_type="application/rss+xml")
    _config(digest_in.folder, f"  - {{name: Bulletins, feed: '{site.url('/feed.xml')}'}}\n")
    assert "Bulletins: 3 new, 0 already stored" in digest_in("fetch").output
    assert "Bulletins: 0 new, 3 already stored" in digest_in("fetch").output
    urls = {p.read_text(encoding="utf-8").split("\ncanonical_url: ")[1].split("\n")[0]
            for p in (digest_in.folder / "content/articles").rglob("*.md")}
    assert len(urls) == 3 and all("/feed.xml#entry-" in u for u in urls)


# --- network trust ----------------------------------------------------------------

FAST = FetchConfig(timeout=1.0, total_timeout=2.0, retries=0)


def test_dns_rebinding_cannot_swap_the_checked_address(site: Server) -> None:
    """The guard's resolver answers a public address for a name the system
    resolves to loopback, as a rebinding attacker's DNS would answer first the
    check and then the connection: the connection must go where the check looked."""
    site.routes["/secret"] = Route(b"secret")
    asked: list[str] = []

    async def resolver(host: str) -> list[str]:
        asked.append(host)
        return ["93.184.216.34"] if len(asked) == 1 else ["127.0.0.1"]

    async def run() -> str:
        async with Fetcher(FAST, resolver=resolver, backoff=0) as fetcher:
            try:
                response = await fetcher.get(f"http://localhost:{site.httpd.port}/secret",
                                             origin="http://feeds.example.org/feed.xml")
            except FetchError as exc:
                return exc.reason
            return response.content.decode("latin-1")

    outcome = asyncio.run(run())
    assert asked == ["localhost"]  # resolved once: the check's answer is the one used
    assert "/secret" not in site.hits and outcome != "secret"


def test_connections_go_to_the_resolved_address_and_keep_the_name(server: HTTPServer) -> None:
    server.expect_request("/named").respond_with_handler(lambda request: Response(request.host))

    async def resolver(host: str) -> list[str]:
        return ["127.0.0.1"] if host == "pinned.test" else []

    async def run() -> bytes:
        async with Fetcher(FAST, resolver=resolver) as fetcher:
            return (await fetcher.get(f"http://pinned.test:{server.port}/named")).content

    assert asyncio.run(run()) == f"pinned.test:{server.port}".encode()


OPML = """<?xml version="1.0"?><opml version="2.0"><head/><body>
  <outline type="rss" text="Loopback" xmlUrl="{loopback}"/>
  <outline type="rss" text="Office" xmlUrl="http://10.1.2.3/feed.xml"/>
  <outline type="rss" text="Local name" xmlUrl="http://localhost:1/feed.xml"/>
  <outline type="rss" text="Public" xmlUrl="https://feeds.example.org/rss"/>
</body></opml>"""


def test_opml_import_warns_and_marks_feeds_at_private_addresses(
        digest_in: Digest, site: Server) -> None:
    site.routes["/feed.xml"] = Route(_rss("<item><title>Inside</title><content:encoded>"
                                          f"<![CDATA[{prose('inside')}]]></content:encoded>"
                                          "</item>"), content_type="application/rss+xml")
    loopback = site.url("/feed.xml")
    (digest_in.folder / "digest.yml").write_text("sources: []\n", encoding="utf-8")
    (digest_in.folder / "subs.opml").write_text(OPML.format(loopback=loopback),
                                                encoding="utf-8")
    result = digest_in("sources", "import", "subs.opml")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3
    assert warnings[0] == (f"warning: Loopback: {loopback}: 127.0.0.1 is a loopback address; "
                           "added with allow_private: false (set it to true in digest.yml to "
                           "fetch this feed)")
    assert "10.1.2.3 is a private address" in warnings[1]
    marked = {s.name: s.allow_private for s in load_config(digest_in.folder / "digest.yml").sources}
    assert marked == {"Loopback": False, "Office": False, "Local name": False, "Public": True}

    result = digest_in("fetch")
    loop_line = next(line for line in result.output.splitlines() if line.startswith("Loopback:"))
    assert loop_line == f"Loopback: failed: {loopback}: refused: 127.0.0.1 is a loopback address"
    assert "/feed.xml" not in site.hits

    text = (digest_in.folder / "digest.yml").read_text(encoding="utf-8")
    text = text.replace("allow_private: false", "allow_private: true", 1)
    (digest_in.folder / "digest.yml").write_text(text, encoding="utf-8")
    result = digest_in("fetch")
    assert "Loopback: 1 new, 0 already stored" in result.output


# --- files ---------------------------------------------------------------------------


@pytest.fixture
def archive_with_one(digest_in: Digest) -> Digest:
    pages = digest_in.folder / "pages"
    pages.mkdir()
    (pages / "one.html").write_text(page("One page", "one"), encoding="utf-8")
    _config(digest_in.folder, "  - {name: Saved, path: pages}\n")
    assert digest_in("fetch").exit_code == 0
    return digest_in


@pytest.mark.parametrize("command", [["export", "-o"], ["sources", "export", "-o"]])
def test_exports_refuse_targets_that_are_not_regular_files(
        archive_with_one: Digest, command: list[str]) -> None:
    folder = archive_with_one.folder
    elsewhere = folder / "elsewhere.txt"
    elsewhere.write_text("keep me", encoding="utf-8")
    (folder / "link.md").symlink_to(elsewhere)
    os.mkfifo(folder / "pipe")
    for target in ("link.md", "pipe", os.devnull):
        result = archive_with_one(*command, target)
        assert result.exit_code == 1
        assert result.output.strip().splitlines()[-1] == \
            f"error: {target}: is not a regular file; not replacing it"
    assert elsewhere.read_text(encoding="utf-8") == "keep me"
    assert (folder / "link.md").is_symlink()
    assert stat.S_ISFIFO((folder / "pipe").lstat().st_mode)
    assert stat.S_ISCHR(Path(os.devnull).lstat().st_mode)


@pytest.mark.parametrize("command", [["export", "-o"], ["sources", "export", "-o"]])
def test_exports_follow_the_umask(archive_with_one: Digest, command: list[str]) -> None:
    old = os.umask(0o027)
    try:
        result = archive_with_one(*command, "out.txt")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((archive_with_one.folder / "out.txt").stat().st_mode) == 0o640


# --- input hygiene --------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["add", ""], "an empty input names no page"),
    (["add", "   "], "an empty input names no page"),
    (["add", "http://[::1"], "http://[::1: invalid URL (Invalid IPv6 URL)"),
    (["extract", "http://host:99999/x"], "invalid URL (Port out of range 0-65535)"),
    (["export", "--since", "yesterday"], "'yesterday' is not a date like 2025-01-21"),
    (["add"], "Missing argument"),
])
def test_input_errors_are_one_line(digest_in: Digest, args: list[str], message: str) -> None:
    (digest_in.folder / "digest.yml").write_text("sources: []\n", encoding="utf-8")
    result = digest_in(*args)
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: ") and message in line
    assert not (digest_in.folder / "content").exists()  # nothing was ingested


def test_tags_classify_names_a_line_that_is_not_utf8(digest_in: Digest) -> None:
    (digest_in.folder / "in.jsonl").write_bytes(
        b'{"id": 1, "title": "ok", "text": "fine"}\n'
        b'{"id": 2, "title": "caf\xe9", "text": "Latin-1"}\n')
    result = digest_in("tags", "classify", "in.jsonl")
    assert result.exit_code == 1
    *out, error = result.output.strip().splitlines()
    assert out == ['{"id": 1, "tags": []}']
    assert error == "error: in.jsonl: line 2: not UTF-8 text (byte 0xe9 at column 24)"
