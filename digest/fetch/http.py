"""HTTP for digest: bounded, polite, conditional, and safe against hostile links.

One :class:`Fetcher` per run owns an ``httpx.AsyncClient``: global and per-host
limits that hold across redirects and retries; a total time bound per attempt
(a slow trickle cannot hold a slot); a body limit counted on decoded bytes (we
decode gzip/deflate ourselves, so a compression bomb stops at the limit);
checked redirects; conditional GET; retries with backoff for connection
errors, 429 and 503; robots.txt for article pages. A URL found inside a feed
or page that resolves to a private address is refused unless it is on the
source's own host, and connections go to the addresses that were checked (no
DNS rebinding between check and connect). docs/guide/fetching.md has the rules.

Every failure is a :class:`~digest.errors.FetchError` with a one-line reason:
whatever the network layer raises (an invalid port, a URL httpx refuses)
costs that one URL, never the run.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import random
import sys
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from digest.errors import FetchError
from digest.escape import url_problem
from digest.fetch.addresses import AddressBook, Resolver, system_resolver
from digest.fetch.transport import HostPools, PinnedBackend, environment_proxy
from digest.fetch.urls import host_of

if TYPE_CHECKING:  # only for annotations: keeps the HTTP layer importable on its own
    from digest.config import FetchConfig

__all__ = ["MAX_REDIRECTS", "Fetcher", "Resolver", "Response", "format_size"]

log = logging.getLogger(__name__)

# httpcore 1.0 runs ``import sniffio`` several times per request to learn the
# async library; without sniffio installed (httpx no longer needs it) every
# one of those imports searches sys.path again and fails: about 1 ms of
# stat() calls per request. Remember the failure once (a None entry in
# sys.modules makes the import fail at once, with the same ModuleNotFoundError).
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUS = frozenset({429, 503})
_ROBOTS_MAX_BYTES = 512 * 1024  # Google's limit for robots.txt
_IDLE_CONNECTIONS_PER_SLOT = 4  # idle keep-alive connections kept per concurrency slot
_RETRYABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError,
              httpx.ReadError, httpx.WriteError)
@dataclass(frozen=True)
class Response:
    """A finished GET: a body (status 2xx) or "not modified" (status 304)."""

    requested: str  # the URL that was asked for (validators are stored under it)
    url: str  # the final URL, after redirects; relative links resolve against it
    status: int
    content: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def format_size(n: int) -> str:
    """10485760 → '10 MB' (binary megabytes, as the config counts them)."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _BoundedDecoder:
    """Decode a Content-Encoding without ever holding more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self.encoding = encoding
        self.limit = limit
        self.url = url
        self.out = bytearray()
        self._z: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip", "deflate"):
            self._z = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header
        elif encoding not in ("", "identity"):
            raise FetchError(url, f"unsupported Content-Encoding {encoding!r}")
        self._first = True

    def _too_big(self) -> FetchError:
        return FetchError(self.url, f"body larger than {format_size(self.limit)}")

    def feed(self, data: bytes) -> None:
        if self._z is None:
            self.out += data
        else:
            try:
                self._inflate(data)
            except zlib.error as exc:
                if not (self._first and self.encoding == "deflate"):
                    raise FetchError(self.url, f"broken {self.encoding} body: {exc}") from None
                # Some servers send raw deflate without the zlib header.
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                self._inflate(data)
        self._first = False
        if len(self.out) > self.limit:
            raise self._too_big()

    def _inflate(self, data: bytes) -> None:
        assert self._z is not None
        while data and not self._z.eof:
            room = self.limit - len(self.out) + 1  # one byte past the limit proves "too big"
            self.out += self._z.decompress(data, room)
            if len(self.out) > self.limit:
                raise self._too_big()
            data = self._z.unconsumed_tail


class Fetcher:
    """Concurrent, limited HTTP GETs for one run. Use as ``async with``."""

    def __init__(self, config: FetchConfig, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 resolver: Resolver = system_resolver,
                 backoff: float = 0.5, max_retry_after: float = 60.0) -> None:
        self.config = config
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self._global = asyncio.Semaphore(config.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._robots: dict[str, asyncio.Future[RobotFileParser | None]] = {}
        # One answer per host and run, shared by the address check and the connection.
        self._book = AddressBook(resolver, config.timeout)
        if transport is None and not environment_proxy():
            # Behind a proxy the proxy connects, and resolves: the check then
            # stays a check of our own resolution only.
            transport = HostPools(config.per_host,
                                   max(1, _IDLE_CONNECTIONS_PER_SLOT * config.concurrency
                                       // max(1, config.per_host)),
                                   PinnedBackend(self._book.addresses))
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,  # we follow them ourselves: count, loops, address checks
            timeout=httpx.Timeout(config.timeout, pool=config.total_timeout),
            limits=httpx.Limits(max_connections=config.concurrency,
                                max_keepalive_connections=config.concurrency),
            headers={"User-Agent": config.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for future in self._robots.values():
            future.cancel()
        self._book.close()
        await self._client.aclose()

    # -- public ------------------------------------------------------------

    async def get(self, url: str, *, origin: str | None = None, public_only: bool = False,
                  conditional: bool = False, robots: bool = False,
                  validators: tuple[str | None, str | None] | None = None) -> Response:
        """GET ``url``; raise FetchError with a one-line reason on any failure.

        ``origin`` is the configured source's location when ``url`` was found
        inside a feed or page (untrusted); None when the user configured ``url``.
        ``public_only`` checks even the source's own host (a source imported at
        a non-public address that the user has not confirmed).
        ``conditional`` sends ``validators`` (ETag, Last-Modified, which the
        caller keeps) and may return a 304 Response. ``robots`` checks
        robots.txt first (article pages).
        """
        problem = url_problem(url)
        if problem is not None:
            raise FetchError(url, problem)
        home = None if public_only else host_of(origin if origin is not None else url)
        if origin is not None or public_only:
            await self._book.check(url, home)
        if robots and not await self._robots_allow(url):
            raise FetchError(url, "disallowed by robots.txt")
        headers: dict[str, str] = {}
        if conditional and validators is not None:
            etag, modified = validators
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
        current, seen = url, {url}
        for hop in range(MAX_REDIRECTS + 1):
            response = await self._send(url, current, headers)
            if response.status not in _REDIRECTS:
                return Response(url, current, response.status, response.content,
                                response.content_type, response.etag, response.last_modified)
            try:
                target = urljoin(current, response.content.decode("latin-1"))
            except ValueError:
                target = response.content.decode("latin-1")
            if target in seen:
                raise FetchError(url, f"redirect loop at {target}")
            if hop == MAX_REDIRECTS:
                raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")
            if urlsplit(target).scheme not in ("http", "https"):
                raise FetchError(url, f"redirected to a non-http URL {target}")
            if (problem := url_problem(target)) is not None:
                raise FetchError(url, f"redirected to {target}: {problem}")
            await self._book.check(target, home, original=url)
            if robots and not await self._robots_allow(target):
                raise FetchError(url, f"redirect target {target} disallowed by robots.txt")
            seen.add(target)
            current = target
            headers = {}  # validators belong to the first URL only
        raise AssertionError("unreachable")

    # -- limits, retries, bodies --------------------------------------------

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        per_host = self._hosts.setdefault(host, asyncio.Semaphore(self.config.per_host))
        async with per_host, self._global:  # host first: a busy host holds no global slot
            yield

    async def _send(self, original: str, url: str, headers: dict[str, str]) -> Response:
        """One hop, with retries. Redirects come back with Location as content."""
        cfg = self.config
        for attempt in range(cfg.retries + 1):
            last = attempt == cfg.retries
            delay = self.backoff * (2 ** attempt) * (0.5 + random.random())  # jitter
            try:
                async with self._slot(host_of(url)), asyncio.timeout(cfg.total_timeout):
                    result = await self._attempt(original, url, headers, last)
                if isinstance(result, Response):
                    return result
                if result is not None:
                    delay = min(max(result, delay), self.max_retry_after)
            except TimeoutError:
                raise FetchError(original, f"timed out after {cfg.total_timeout:g} s") from None
            except httpx.TimeoutException:
                raise FetchError(original, f"timed out after {cfg.timeout:g} s") from None
            except _RETRYABLE as exc:
                if last:
                    raise FetchError(original, f"connection failed: {_describe(exc)}") from None
            except httpx.HTTPError as exc:
                raise FetchError(original, f"request failed: {_describe(exc)}") from None
            except FetchError as exc:
                if exc.url == original:
                    raise
                raise FetchError(original, exc.reason) from None
            except (ValueError, OverflowError, UnicodeError, OSError, RuntimeError) as exc:
                # What the layers under httpx raise for a URL they cannot use
                # (a port past 65535 reaches connect()): this URL fails, alone.
                log.debug("%s: request failed", url, exc_info=True)
                raise FetchError(original, f"request failed: {type(exc).__name__}: "
                                 f"{_describe(exc)}") from None
            log.debug("%s: retry %d in %.1f s", url, attempt + 1, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _attempt(self, original: str, url: str, headers: dict[str, str],
                       last: bool) -> Response | float | None:
        """A Response, or the delay (None = default backoff) before a retry."""
        async with self._client.stream("GET", url, headers=headers) as r:
            status = r.status_code
            if status in _RETRY_STATUS and not last:
                return _retry_after(r.headers.get("Retry-After"))
            if status in _REDIRECTS:
                location = r.headers.get("Location")
                if not location:
                    raise FetchError(original, f"HTTP {status} without a Location header")
                return Response(original, url, status, location.encode("latin-1", "replace"))
            if status == 304:
                return Response(original, url, 304, b"", None,
                                r.headers.get("ETag"), r.headers.get("Last-Modified"))
            if status >= 400 or status < 200:
                raise FetchError(original, f"HTTP {status}")
            body = await self._read_body(original, r, self.config.max_bytes)
            return Response(original, url, status, body, r.headers.get("Content-Type"),
                            r.headers.get("ETag"), r.headers.get("Last-Modified"))

    async def _read_body(self, original: str, r: httpx.Response, limit: int) -> bytes:
        encoding = r.headers.get("Content-Encoding", "").strip().lower()
        decoder = _BoundedDecoder(encoding, limit, original)
        length = r.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise FetchError(original, f"body larger than {format_size(limit)}")
        async for chunk in r.aiter_raw():
            decoder.feed(chunk)
        return bytes(decoder.out)

    # -- address safety ------------------------------------------------------

    # -- robots.txt ------------------------------------------------------------

    async def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        future = self._robots.get(key)
        if future is None:
            future = asyncio.ensure_future(self._load_robots(key))
            self._robots[key] = future
        parser = await asyncio.shield(future)
        return parser is None or parser.can_fetch(self.config.user_agent, url)

    async def _load_robots(self, key: str) -> RobotFileParser | None:
        robots_url = f"{key}/robots.txt"
        try:
            response = await self._send(robots_url, robots_url, {})
        except FetchError as exc:
            # Unreachable or erroring robots.txt: treat as "no rules" (as crawlers do for 4xx).
            log.debug("robots.txt: %s", exc)
            return None
        if response.status != 200:
            return None
        parser = RobotFileParser(robots_url)
        text = response.content[:_ROBOTS_MAX_BYTES].decode("utf-8", "replace")
        parser.parse(text.splitlines())
        return parser


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
