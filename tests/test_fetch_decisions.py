"""The fetcher's decisions, on an in-process transport (httpx.MockTransport).

What to do with each answer (retry, follow, refuse, stop reading) is decided
by :class:`digest.fetch.http.Fetcher`, not by the network: these tests give
it scripted answers and check the decision and the request it sends next.
What only a real socket shows (timeouts, trickling bodies, per-host limits)
is in test_fetch.py against the real test server.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable

import httpx
import pytest

from digest.config import FetchConfig
from digest.errors import FetchError
from digest.fetch.http import MAX_REDIRECTS, Fetcher, Response

CONFIG = FetchConfig(timeout=1.0, total_timeout=2.0, retries=2, max_bytes=10_000)
Handler = Callable[[httpx.Request], httpx.Response]


def run(handler: Handler, url: str = "https://news.example/a", *, config: FetchConfig = CONFIG,
        **kw: object) -> tuple[Response, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    async def go() -> Response:
        transport = httpx.MockTransport(record)
        async with Fetcher(config, transport=transport, backoff=0.0,
                           max_retry_after=0.01) as fetcher:
            return await fetcher.get(url, **kw)  # type: ignore[arg-type]

    return asyncio.run(go()), seen


def answer(status: int = 200, body: bytes = b"", **headers: str) -> httpx.Response:
    """A response whose body arrives as a stream, as from a socket."""
    return httpx.Response(status, headers={k.replace("_", "-"): v for k, v in headers.items()},
                          stream=httpx.ByteStream(body))


def failure(handler: Handler, url: str = "https://news.example/a", *,
            config: FetchConfig = CONFIG, **kw: object) -> str:
    with pytest.raises(FetchError) as info:
        run(handler, url, config=config, **kw)
    return info.value.reason


def test_retries_429_and_503_then_succeeds() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "1"}),
                    httpx.Response(503), answer(200, b"ok")])
    response, seen = run(lambda r: next(answers))
    assert response.content == b"ok" and len(seen) == 3


def test_gives_up_after_the_configured_retries_with_the_last_status() -> None:
    reason = failure(lambda r: httpx.Response(503))
    assert reason == "HTTP 503"


@pytest.mark.parametrize("status", [403, 404, 410, 500])
def test_other_errors_fail_at_once(status: int) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(status)

    assert failure(handler) == f"HTTP {status}"
    assert len(calls) == 1


def test_redirects_are_followed_relative_and_validators_go_to_the_first_url_only() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/a":
            return httpx.Response(301, headers={"Location": "/b"})
        return answer(200, b"moved")

    response, seen = run(handler, conditional=True, validators=('"v1"', None))
    assert (response.url, response.requested) == ("https://news.example/b",
                                                  "https://news.example/a")
    assert seen[0].headers.get("If-None-Match") == '"v1"'
    assert "If-None-Match" not in seen[1].headers


def test_redirect_limits_and_schemes() -> None:
    def chain(request: httpx.Request) -> httpx.Response:
        n = int(request.url.path.strip("/") or 0)
        return httpx.Response(302, headers={"Location": f"/{n + 1}"})

    assert failure(chain, "https://news.example/0") == f"more than {MAX_REDIRECTS} redirects"
    assert failure(lambda r: httpx.Response(302, headers={"Location": "/a"})).startswith(
        "redirect loop")
    assert failure(lambda r: httpx.Response(302, headers={"Location": "file:///etc/passwd"})
                   ).startswith("redirected to a non-http URL")
    assert failure(lambda r: httpx.Response(302)) == "HTTP 302 without a Location header"


def test_a_compressed_body_is_stopped_at_the_limit_without_inflating_it() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)  # 5 MB inflated, a few KB on the wire
    reason = failure(lambda r: answer(200, bomb, Content_Encoding="gzip"))
    assert reason.startswith("body larger than")
    small = gzip.compress(b"fits")
    response, _ = run(lambda r: answer(200, small, Content_Encoding="gzip"))
    assert response.content == b"fits"


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    reason = failure(lambda r: answer(200, b"x", Content_Length="99999999"))
    assert reason.startswith("body larger than")


def test_not_modified_is_reported_with_an_empty_body() -> None:
    response, seen = run(lambda r: httpx.Response(304, headers={"ETag": '"v2"'}),
                         conditional=True, validators=(None, "Wed, 21 Oct 2015 07:28:00 GMT"))
    assert response.not_modified and response.content == b"" and response.etag == '"v2"'
    assert seen[0].headers["If-Modified-Since"] == "Wed, 21 Oct 2015 07:28:00 GMT"


def test_robots_txt_is_read_once_per_host_and_obeyed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return answer(200, b"User-agent: *\nDisallow: /private/\n")
        return answer(200, b"page")

    assert failure(handler, "https://news.example/private/x", robots=True) == \
        "disallowed by robots.txt"
    response, seen = run(handler, "https://news.example/public", robots=True)
    assert response.content == b"page"
    assert [r.url.path for r in seen] == ["/robots.txt", "/public"]


def test_only_http_urls_are_fetched() -> None:
    assert failure(lambda r: httpx.Response(200), "ftp://news.example/a") == \
        "not an http(s) URL"
