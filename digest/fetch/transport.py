"""The connection layer under the Fetcher: a small pool per origin, pinned addresses."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any
from urllib.request import getproxies

import httpcore
import httpx

from digest.fetch.addresses import Address

__all__ = ["HostPools", "PinnedBackend", "environment_proxy"]


def environment_proxy() -> bool:
    """Whether the environment names a proxy (httpx then routes through it)."""
    proxies = getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


class _TrackedStream(httpx.AsyncByteStream):
    """A response body that reports when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, closed: Callable[[], None]) -> None:
        self._stream = stream
        self._closed: Callable[[], None] | None = closed

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._closed is not None:
                self._closed()
                self._closed = None


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the addresses the Fetcher resolved (and checked), never resolving again.

    httpcore passes the URL's host name here; TLS is started afterwards with
    that name as SNI, so certificates are checked against the name.
    """

    def __init__(self, addresses: Callable[[str], Awaitable[list[Address]]]) -> None:
        self._addresses = addresses
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        # A name that does not resolve raises FetchError, which passes through
        # httpx unchanged: it fails the URL at once, without the retries a
        # refused connection gets (the answer is kept for the run anyway).
        addresses = await self._addresses(host)
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")  # pragma: no cover

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on a :class:`PinnedBackend`."""

    def __init__(self, backend: PinnedBackend, ssl_context: Any, limits: httpx.Limits) -> None:
        super().__init__(verify=ssl_context, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class HostPools(httpx.AsyncBaseTransport):
    """One small connection pool per origin instead of one pool for every host.

    httpcore's pool looks at every connection it holds for every request it
    assigns (and counts its idle ones once per connection), so one pool for a
    run over many hosts costs more CPU per request the more connections it
    keeps; and when it is full, a request to host B closes an idle connection
    to host A, which the next request to A opens again. Here each origin has a
    pool of ``per_host`` connections (the Fetcher's semaphores keep requests in
    flight within the limits); the pools of origins least recently used are
    closed once more than ``max_pools`` exist, bounding idle sockets.
    """

    def __init__(self, per_host: int, max_pools: int, backend: PinnedBackend) -> None:
        self._per_host = max(1, per_host)
        self._max_pools = max_pools
        self._backend = backend
        self._ssl = httpx.create_ssl_context()  # one for all pools: building one costs ms
        self._pools: OrderedDict[tuple[bytes, bytes, int | None],
                                 httpx.AsyncHTTPTransport] = OrderedDict()
        self._busy: dict[tuple[bytes, bytes, int | None], int] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            await self._close_idle_pools()
            limits = httpx.Limits(max_connections=None,
                                  max_keepalive_connections=self._per_host)
            pool = self._pools[key] = _PinnedTransport(self._backend, self._ssl, limits)
        self._pools.move_to_end(key)
        self._busy[key] = self._busy.get(key, 0) + 1
        try:
            response = await pool.handle_async_request(request)
        except BaseException:
            self._release(key)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _TrackedStream(response.stream, lambda: self._release(key))
        return response

    def _release(self, key: tuple[bytes, bytes, int | None]) -> None:
        self._busy[key] -= 1
        if not self._busy[key]:
            del self._busy[key]

    async def _close_idle_pools(self) -> None:
        surplus = len(self._pools) - self._max_pools + 1
        for key in [k for k in self._pools if k not in self._busy][:max(surplus, 0)]:
            await self._pools.pop(key).aclose()

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()


