"""digest.fetch.http against a real HTTP server on 127.0.0.1: limits, retries, safety."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest.config import FetchConfig
from digest.errors import FetchError
from digest.fetch.http import Fetcher, format_size
from digest.fetch.http import Response as FetchResponse

FAST = FetchConfig(timeout=1.0, total_timeout=2.0, retries=2, per_host=2, concurrency=8)


def get(url: str, config: FetchConfig = FAST, **kw: Any) -> FetchResponse:
    async def run() -> FetchResponse:
        async with Fetcher(config, backoff=0.01, max_retry_after=2.0) as fetcher:
            return await fetcher.get(url, **kw)
    return asyncio.run(run())


def reason(url: str, config: FetchConfig = FAST, **kw: Any) -> str:
    with pytest.raises(FetchError) as info:
        get(url, config, **kw)
    assert "\n" not in str(info.value)
    return info.value.reason


def test_get_sends_user_agent(server: HTTPServer) -> None:
    server.expect_request("/a", headers={"User-Agent": FAST.user_agent}).respond_with_data(
        "hello", content_type="text/plain")
    r = get(server.url_for("/a"))
    assert (r.status, r.content, r.content_type) == (200, b"hello", "text/plain")


def test_validators_make_a_conditional_get(server: HTTPServer) -> None:
    # The pipeline keeps validators in the state database (test_pipeline); the
    # fetcher sends what it is given and reports a 304 as not modified.
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304)
        return Response("feed", headers={"ETag": '"v1"', "Last-Modified": stamp})

    server.expect_request("/feed").respond_with_handler(handler)
    url = server.url_for("/feed")
    first = get(url, conditional=True)
    assert first.status == 200 and (first.etag, first.last_modified) == ('"v1"', stamp)
    assert get(url, conditional=True, validators=('"v1"', None)).not_modified
    second = get(url, conditional=True, validators=(None, stamp))
    assert second.not_modified and second.content == b""
    assert get(url, conditional=False, validators=('"v1"', stamp)).status == 200


def test_redirect_chain_301_302_308(server: HTTPServer) -> None:
    for path, status, target in (("/a", 301, "/b"), ("/b", 302, "/c"), ("/c", 308, "/d")):
        server.expect_request(path).respond_with_response(
            Response(status=status, headers={"Location": target}))
    server.expect_request("/d").respond_with_data("done")
    r = get(server.url_for("/a"))
    assert r.content == b"done"
    assert r.url == server.url_for("/d") and r.requested == server.url_for("/a")


def test_429_honours_retry_after(server: HTTPServer) -> None:
    calls: list[float] = []

    def handler(request: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return Response("ok")

    server.expect_request("/x").respond_with_handler(handler)
    assert get(server.url_for("/x")).content == b"ok"
    assert calls[1] - calls[0] >= 0.95


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert reason(f"http://127.0.0.1:{port}/x").startswith("connection failed")


def test_server_that_never_answers_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepted by the kernel, never answered
    try:
        config = FetchConfig(timeout=0.5, total_timeout=5, retries=0)
        started = time.monotonic()
        assert reason(f"http://127.0.0.1:{listener.getsockname()[1]}/", config) \
            == "timed out after 0.5 s"
        assert time.monotonic() - started < 3
    finally:
        listener.close()


def test_slow_trickle_hits_the_total_bound(server: HTTPServer) -> None:
    def trickle() -> Iterator[bytes]:
        for _ in range(100):
            time.sleep(0.1)
            yield b"x"

    server.expect_request("/slow").respond_with_handler(lambda r: Response(trickle()))
    config = FetchConfig(timeout=1.0, total_timeout=1.0, retries=0)
    started = time.monotonic()
    assert reason(server.url_for("/slow"), config) == "timed out after 1 s"
    assert time.monotonic() - started < 3


def test_50_mb_body_is_cut_at_the_limit(server: HTTPServer) -> None:
    chunk = b"a" * (1 << 20)
    server.expect_request("/big").respond_with_handler(
        lambda r: Response(chunk for _ in range(50)))  # chunked: no Content-Length
    server.expect_request("/big-length").respond_with_data(b"a" * (50 << 20))
    assert reason(server.url_for("/big")) == "body larger than 10 MB"
    assert reason(server.url_for("/big-length")) == "body larger than 10 MB"


def test_gzip_and_deflate_bodies_are_decoded(server: HTTPServer) -> None:
    import zlib

    server.expect_request("/gz").respond_with_data(
        gzip.compress(b"hello gzip"), headers={"Content-Encoding": "gzip"})
    raw = zlib.compressobj(wbits=-15)
    server.expect_request("/raw").respond_with_data(
        raw.compress(b"raw deflate") + raw.flush(), headers={"Content-Encoding": "deflate"})
    assert get(server.url_for("/gz")).content == b"hello gzip"
    assert get(server.url_for("/raw")).content == b"raw deflate"


def test_link_to_loopback_from_another_host_name_is_refused(server: HTTPServer) -> None:
    server.expect_request("/page").respond_with_data("page")
    port = server.port
    feed = f"http://localhost:{port}/feed.xml"
    page = f"http://127.0.0.1:{port}/page"
    assert reason(page, origin=feed) == "refused: 127.0.0.1 is a loopback address"
    assert len(server.log) == 0
    # The same link is fine when the configured source lives on that host ...
    assert get(page, origin=f"http://127.0.0.1:{port}/feed.xml").content == b"page"
    # ... and when the user configured it.
    assert get(page).content == b"page"


@pytest.mark.parametrize(("address", "kind"), [
    ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("169.254.169.254", "link-local"),
    ("[::1]", "loopback"), ("0.0.0.0", "unspecified"),
])
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    text = reason(f"http://{address}/x", origin="https://example.org/feed")
    assert (text.startswith("refused: ") and text.endswith(f"is a {kind} address")) \
        or text.endswith(f"is an {kind} address")


def test_redirect_to_another_private_host_is_refused(server: HTTPServer) -> None:
    target = f"http://localhost:{server.port}/secret"
    server.expect_request("/go").respond_with_response(
        Response(status=302, headers={"Location": target}))
    assert "loopback address" in reason(server.url_for("/go"))


def test_robots_txt_is_honoured_and_cached(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private\n", content_type="text/plain")
    server.expect_request("/public").respond_with_data("ok")

    async def run() -> list[FetchResponse | FetchError]:
        async with Fetcher(FAST) as fetcher:
            out: list[FetchResponse | FetchError] = []
            for path in ("/public", "/private", "/public"):
                try:
                    out.append(await fetcher.get(server.url_for(path), robots=True))
                except FetchError as exc:
                    out.append(exc)
            return out

    first, blocked, again = asyncio.run(run())
    assert isinstance(first, FetchResponse) and isinstance(again, FetchResponse)
    assert isinstance(blocked, FetchError) and blocked.reason == "disallowed by robots.txt"
    assert [e[0].path for e in server.log].count("/robots.txt") == 1


def test_per_host_limit_holds(server: HTTPServer) -> None:
    lock = threading.Lock()
    active = [0, 0]  # now, peak

    def handler(request: Request) -> Response:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
        time.sleep(0.15)
        with lock:
            active[0] -= 1
        return Response("ok")

    server.expect_request("/slow").respond_with_handler(handler)

    async def run() -> None:
        async with Fetcher(FAST) as fetcher:
            await asyncio.gather(*(fetcher.get(server.url_for("/slow")) for _ in range(6)))

    asyncio.run(run())
    assert active[1] == FAST.per_host


def test_format_size() -> None:
    assert format_size(10 * 1024 * 1024) == "10 MB"
    assert format_size(1536) == "1.5 KB"
    assert format_size(12) == "12 bytes"
