"""Which addresses digest may connect to, resolved once and used as checked.

A link found inside a feed or page is untrusted: it must not reach loopback,
private, link-local or other non-public addresses (the machine running
digest, its cloud metadata service, the office network) unless the
configured source itself lives on that host. :class:`AddressBook` resolves
each host once per run; the connection layer (:mod:`digest.fetch.transport`)
connects to exactly those addresses, so DNS rebinding cannot answer the check
with a public address and the connection with a private one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait

import httpx

from digest.errors import FetchError
from digest.fetch.urls import host_of

__all__ = ["Address", "AddressBook", "Resolver", "non_public", "non_public_hosts"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# A host name → its addresses (as text); injectable, for tests of DNS rebinding.
Resolver = Callable[[str], Awaitable[list[str]]]


async def system_resolver(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]).split("%")[0] for info in infos]


def non_public(ip: Address) -> str | None:
    """Why an address is not on the public internet, or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
              ("unspecified", ip.is_unspecified), ("multicast", ip.is_multicast),
              ("private", ip.is_private), ("reserved", ip.is_reserved),
              ("non-public", not ip.is_global))
    return next((name for name, hit in checks if hit), None)


def _refusal(ip: Address) -> str | None:
    """"127.0.0.1 is a loopback address", or None for a public address."""
    reason = non_public(ip)
    if reason is None:
        return None
    return f"{ip} is {'an' if reason[0] in 'aeiou' else 'a'} {reason} address"


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class AddressBook:
    """One run's answers: each host resolved once, checked and connected to alike."""

    def __init__(self, resolver: Resolver = system_resolver, timeout: float = 20.0) -> None:
        self._resolver = resolver
        self._timeout = timeout
        # A future per host, so that concurrent first requests ask once.
        self._resolved: dict[str, asyncio.Future[list[Address]]] = {}

    def close(self) -> None:
        for lookup in self._resolved.values():
            lookup.cancel()

    async def check(self, url: str, home: str | None,
                             original: str | None = None) -> None:
        if host_of(url) == home:  # the configured source's own host is trusted
            return
        try:
            host = httpx.URL(url).raw_host.decode("ascii")  # the name httpcore connects to
        except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
            raise FetchError(original or url, f"invalid URL ({_describe(exc)})") from None
        try:
            addresses = await self.addresses(host)
        except FetchError as exc:
            raise FetchError(original or url, exc.reason) from None
        for ip in addresses:
            refusal = _refusal(ip)
            if refusal is not None:
                raise FetchError(original or url, f"refused: {refusal}")

    async def addresses(self, host: str) -> list[Address]:
        """The host's addresses, resolved once per run: what is checked is what is used."""
        key = host.lower().strip("[]")
        future = self._resolved.get(key)
        if future is None:
            future = asyncio.ensure_future(self._lookup(key))
            self._resolved[key] = future
        return await asyncio.shield(future)

    async def _lookup(self, host: str) -> list[Address]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        try:
            async with asyncio.timeout(self._timeout):
                found = await self._resolver(host)
            addresses = [ipaddress.ip_address(a) for a in found]
        except TimeoutError:
            raise FetchError(host, f"cannot resolve {host}: timed out") from None
        except (OSError, ValueError, UnicodeError) as exc:
            reason = getattr(exc, "strerror", None) or _describe(exc)
            raise FetchError(host, f"cannot resolve {host}: {reason}") from None
        if not addresses:
            raise FetchError(host, f"cannot resolve {host}: no addresses")
        return addresses


def non_public_hosts(hosts: Iterable[str], timeout: float = 5.0) -> dict[str, str]:
    """For each host that resolves (within ``timeout`` in all) to a non-public
    address: why, as "127.0.0.1 is a loopback address". Hosts that do not
    resolve in time are left out: nothing is known about them.
    """
    def lookup(host: str) -> str | None:
        try:
            found = [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            try:
                infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError):
                return None
            found = [ipaddress.ip_address(str(i[4][0]).split("%")[0]) for i in infos]
        return next((r for r in map(_refusal, found) if r is not None), None)

    unique = sorted({h for h in hosts if h})
    if not unique:
        return {}
    pool = ThreadPoolExecutor(min(16, len(unique)), thread_name_prefix="digest-resolve")
    futures = {pool.submit(lookup, host): host for host in unique}
    done, _ = wait(futures, timeout=timeout)
    pool.shutdown(wait=False, cancel_futures=True)
    out: dict[str, str] = {}
    for future in done:
        reason = future.result()
        if reason is not None:
            out[futures[future]] = reason
    return out
