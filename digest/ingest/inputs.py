"""Where a run's pages come from besides feeds: local files and command-line inputs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from digest.config import FetchConfig
from digest.errors import DigestError, SourceError
from digest.escape import web_url
from digest.fetch.feeds import STREAM_MIN
from digest.fetch.http import Fetcher, Response
from digest.fetch.urls import canonicalize
from digest.model import Source, SourceKind

__all__ = ["PAGE_SUFFIXES", "feed_input", "input_source", "local_path", "page_files",
           "read_file", "read_inputs"]

PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".txt")


def local_path(location: str) -> Path:
    if location.startswith("file:"):
        return Path(url2pathname(urlsplit(location).path))
    return Path(location)


def page_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*")
                      if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES
                      and not p.name.startswith("."))
    return [path]


def feed_input(path: Path) -> bytes | Path:
    """A local feed: its bytes, or the path itself when it is big enough to stream."""
    try:
        if path.is_file() and path.stat().st_size >= STREAM_MIN:
            return path
    except OSError:
        pass
    return read_file(path)


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def input_source(item: str) -> Source:
    """The source of a page given on the command line (``digest add``, ``extract``)."""
    if web_url(item):
        return Source(name=item, kind=SourceKind.URL, location=canonicalize(item))
    return Source(name=item, kind=SourceKind.PATH, location=item)


def read_inputs(inputs: list[str], config: FetchConfig | None = None,
                ) -> Iterator[tuple[str, bytes | DigestError, str | None, str | None]]:
    """(input, bytes or the error, URL, Content-Type) per input, in input order.

    URLs are fetched concurrently (as user-given, trusted URLs); other inputs
    are read as local files. For ``digest extract``.
    """
    fetch_config = config or FetchConfig()

    async def fetch_all() -> list[Response | DigestError]:
        async with Fetcher(fetch_config) as fetcher:
            async def one(url: str) -> Response | DigestError:
                try:
                    return await fetcher.get(url)
                except DigestError as exc:
                    return exc
            return list(await asyncio.gather(*(one(u) for u in urls)))

    urls = [i for i in inputs if web_url(i)]
    fetched = dict(zip(urls, asyncio.run(fetch_all()), strict=True)) if urls else {}
    for item in inputs:
        if item in fetched:
            got = fetched[item]
            if isinstance(got, Response):
                yield item, got.content, got.url, got.content_type
            else:
                yield item, got, item, None
            continue
        try:
            yield item, read_file(Path(item)), None, None
        except SourceError as exc:
            yield item, exc, None, None
