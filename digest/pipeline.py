"""The fetch pipeline: sources → entries → pages → articles → the archive.

``run_fetch`` reads every configured source concurrently. Network waits run
on one asyncio event loop (limits in :mod:`digest.fetch`); the CPU work of
parsing feeds and extracting, tagging and fingerprinting articles runs in a
process pool (:class:`WorkerPool`), so that it neither
blocks the loop nor is serialised by the GIL. Everything that touches the
archive runs on the loop's thread, one article at a time, so the store needs
no locking and a SIGKILL leaves at most one atomic write undone.

Dedup, in order: the entry's URL keys (before any fetch), then the page's
final URL and ``rel=canonical`` (after extraction), then the body's SimHash
against every stored fingerprint. A hit merges the source into the stored
copy's ``sources:`` instead of storing the story twice.

A feed's validators (ETag, Last-Modified) are saved only after every entry
it listed was stored: a run killed halfway gets a 200 next time, not a 304
that would hide the entries it never reached.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import multiprocessing
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Literal, TypeVar
from urllib.parse import urlsplit
from urllib.request import url2pathname

from digest.assemble import build_article
from digest.config import Config, FetchConfig
from digest.errors import DigestError, ExtractError, SourceError, StoreError
from digest.extract import extract_fragment, extract_page
from digest.feeds import parse_feed
from digest.fetch import Fetcher, Response
from digest.fingerprint import FingerprintIndex, simhash
from digest.model import Article, Entry, Extracted, Source, SourceKind
from digest.store import Archive
from digest.tagging import Taxonomy
from digest.urls import canonicalize, url_keys

__all__ = ["RunSummary", "SourceSummary", "add_inputs", "read_inputs", "run_fetch"]

log = logging.getLogger(__name__)
T = TypeVar("T")

PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".txt")
_MAX_ERRORS_SHOWN = 3
_NEW, _EXISTING = "new", "existing"  # outcomes of _Run.store


@dataclass(frozen=True)
class SourceSummary:
    """What one source gave in one run."""

    name: str
    new: int = 0
    existing: int = 0  # already stored (or merged into a stored copy of the story)
    failed: int = 0
    errors: tuple[str, ...] = ()
    unchanged: bool = False  # the feed answered 304 Not Modified
    source_failed: bool = False  # the source itself could not be read

    @property
    def ok(self) -> bool:
        """The source worked: it was read, and not every one of its items failed.

        One dead link in a feed of twenty is reported but does not fail the
        run; a scheduled job that went red for it on every run would teach
        its owner to ignore red.
        """
        if self.source_failed:
            return False
        return not (self.failed and self.new == 0 and self.existing == 0)

    def render(self) -> str:
        if self.source_failed:
            return f"{self.name}: failed: {self.errors[0] if self.errors else 'unknown error'}"
        if self.unchanged:
            return f"{self.name}: not modified since the last run"
        line = f"{self.name}: {self.new} new, {self.existing} already stored"
        if self.failed:
            shown = "; ".join(self.errors[:_MAX_ERRORS_SHOWN])
            more = len(self.errors) - _MAX_ERRORS_SHOWN
            line += f", {self.failed} failed: {shown}" + (f" (and {more} more)" if more > 0 else "")
        return line


@dataclass(frozen=True)
class RunSummary:
    sources: tuple[SourceSummary, ...]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    def render(self) -> list[str]:
        """One line per source, in configuration order."""
        return [s.render() for s in self.sources]


class _Tally:
    """Mutable counts for one source while it runs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.new = self.existing = self.failed = 0
        self.errors: list[str] = []

    def fail(self, message: str) -> None:
        log.warning("%s: %s", self.name, message)
        self.failed += 1
        self.errors.append(message)

    def freeze(self, **extra: bool) -> SourceSummary:
        return SourceSummary(self.name, self.new, self.existing, self.failed,
                             tuple(self.errors), **extra)


def _local_path(location: str) -> Path:
    if location.startswith("file:"):
        return Path(url2pathname(urlsplit(location).path))
    return Path(location)


def _page_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*")
                      if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES
                      and not p.name.startswith("."))
    return [path]


class _Run:
    """One run over some sources: shared fetcher, worker pool, dedup state."""

    def __init__(self, config: Config, archive: Archive, fetcher: Fetcher, pool: WorkerPool,
                 refresh: bool) -> None:
        self.config = config
        self.archive = archive
        self.fetcher = fetcher
        self.pool = pool
        self.refresh = refresh
        self.fetched = datetime.now(UTC).replace(microsecond=0)
        self.index = FingerprintIndex()
        # Every archive call runs on this one thread: writes (fsync, YAML) stop
        # blocking the event loop, and one thread keeps them serialised.
        self._writer: Executor | None = ThreadPoolExecutor(1, thread_name_prefix="digest-store")
        # URLs being fetched right now: a story in two feeds is fetched once.
        self.inflight: dict[str, asyncio.Event] = {}

    # -- the archive (one writer thread) ---------------------------------------

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        if self._writer is None:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._writer, fn, *args)

    async def open(self) -> None:
        def load() -> FingerprintIndex:
            return FingerprintIndex.from_rows(self.archive.state.fingerprints())
        try:
            self.index = await self.db(load)
        except sqlite3.ProgrammingError:  # the caller opened the state on its own thread
            assert self._writer is not None
            self._writer.shutdown(wait=True)
            self._writer = None
            self.index = load()

    def close(self) -> None:
        """Close the state database on the thread that opened it (sqlite insists)."""
        if self._writer is not None:
            self._writer.submit(self.archive.close).result()
            self._writer.shutdown(wait=True)
            self._writer = None

    def known(self, keys: tuple[str, ...], source_name: str) -> bool:
        """True (and the source merged in) when the story is stored already."""
        if self.refresh or not keys:
            return False
        path = self.archive.find(*keys)
        if path is None:
            return False
        self.archive.merge_into(path, source_name, keys)
        return True

    def store(self, done: Done) -> str:
        """Store one article; "new", "existing", or the error message."""
        article, keys = done.article, done.keys
        try:
            path = self.archive.find(*keys)
            if path is None and done.fingerprint is not None:
                match = self.index.find(done.fingerprint)
                if match is not None and (self.archive.content_dir / match.path).exists():
                    log.info("%s: near-duplicate of %s", article.url, match.canonical_url)
                    path = self.archive.content_dir / match.path
            if path is not None and not self.refresh:
                self.archive.merge_into(path, article.source, keys)
                return _EXISTING
            if path is not None:  # --refresh: new body, every source kept
                stored = self.archive.read(path)
                sources = tuple(dict.fromkeys((*stored.sources, *article.sources)))
                self.archive.write(path, replace(article, sources=sources,
                                                 manual_tags=stored.manual_tags))
                self.archive.state.record(stored.canonical_url, self.archive.relative(path),
                                          keys, done.fingerprint)
                return _EXISTING
            result = self.archive.save(article, aliases=keys, fingerprint=done.fingerprint)
        except StoreError as exc:
            return str(exc)
        if not result.created:
            return _EXISTING
        if done.fingerprint is not None:
            self.index.add(done.fingerprint, article.canonical_url,
                           self.archive.relative(result.path))
        return _NEW

    # -- sources -----------------------------------------------------------------

    async def source(self, source: Source) -> SourceSummary:
        tally = _Tally(source.name)
        try:
            if source.kind is SourceKind.FEED:
                return await self.feed(source, tally)
            if source.kind is SourceKind.URL:
                await self.page(source, source.location, None, tally, trusted=True)
            else:
                await self.files(source, tally)
        except DigestError as exc:
            return SourceSummary(source.name, errors=(_message(source.location, exc),),
                                 failed=1, source_failed=True)
        return tally.freeze()

    async def feed(self, source: Source, tally: _Tally) -> SourceSummary:
        response: Response | None = None
        if source.location.startswith(("http://", "https://")):
            validators = None if self.refresh else await self.db(
                self.archive.state.validators, source.location)
            response = await self.fetcher.get(source.location, conditional=not self.refresh,
                                              validators=validators)
            if response.not_modified:
                return tally.freeze(unchanged=True)
            data, base, ctype = response.content, response.url, response.content_type
        else:
            path = _local_path(source.location)
            data = await asyncio.to_thread(_read_file, path)
            base, ctype = None, None
        try:
            entries = await self.pool.parse_feed(data, base, ctype, source.name, self.fetched)
        except SourceError as exc:
            raise SourceError(_message(source.location, exc)) from None
        limit = self.config.fetch.max_entries
        if limit:
            entries = entries[:limit]
        await asyncio.gather(*(self.entry(source, e, tally) for e in entries))
        if response is not None and tally.failed == 0 and response.status == 200 \
                and (response.etag or response.last_modified):
            await self.db(self.archive.state.set_validators, response.requested,
                          response.etag, response.last_modified)
        return tally.freeze()

    async def entry(self, source: Source, entry: Entry, tally: _Tally) -> None:
        keys = url_keys(entry.url) if entry.url else ()
        if await self.db(self.known, keys, source.name):
            tally.existing += 1
            return
        text_len = len(entry.content_html or "")
        if entry.content_html and (entry.url is None or text_len >= Job.FULL_CONTENT_MIN):
            await self.finish(Job.fragment(entry, source, self.fetched), tally)
            return
        if entry.url is None:  # only a summary: that is all this story will ever have
            await self.finish(Job.fragment(entry, source, self.fetched, summary=True), tally)
            return
        await self.page(source, entry.url, entry, tally, trusted=False)

    async def page(self, source: Source, url: str, entry: Entry | None, tally: _Tally,
                   *, trusted: bool) -> None:
        keys = url_keys(url)
        if entry is None and await self.db(self.known, keys, source.name):
            tally.existing += 1
            return
        waiting = [self.inflight[k] for k in keys if k in self.inflight]
        if waiting:
            await asyncio.gather(*(event.wait() for event in waiting))
            if await self.db(self.known, keys, source.name):
                tally.existing += 1
                return
        event = asyncio.Event()
        for key in keys:
            self.inflight[key] = event
        try:
            try:
                response = await self.fetcher.get(
                    url, origin=None if trusted else source.location,
                    robots=source.respect_robots and not trusted)
            except SourceError as exc:
                if entry is not None and entry.content_html:  # the feed's text beats nothing
                    log.info("%s: %s; using the feed's content instead", source.name, exc)
                    await self.finish(Job.fragment(entry, source, self.fetched), tally)
                    return
                if trusted:
                    raise
                tally.fail(str(exc))
                return
            await self.finish(Job.page(response.content, response.url, response.content_type,
                                       entry, source, self.fetched, extra_keys=keys), tally)
        finally:
            for key in keys:
                if self.inflight.get(key) is event:
                    del self.inflight[key]
            event.set()

    async def files(self, source: Source, tally: _Tally) -> None:
        root = _local_path(source.location)
        if not root.exists():
            raise SourceError(f"{root}: no such file or folder")
        for path in _page_files(root):
            uri = path.resolve().as_uri()
            if await self.db(self.known, (uri,), source.name):
                tally.existing += 1
                continue
            try:
                data = await asyncio.to_thread(_read_file, path)
            except SourceError as exc:
                tally.fail(str(exc))
                continue
            await self.finish(Job.file(data, uri, source, self.fetched), tally)

    async def finish(self, job: Job, tally: _Tally) -> None:
        result = await self.pool.run(job)
        if isinstance(result, str):
            tally.fail(result)
            return
        outcome = await self.db(self.store, result)
        if outcome == _NEW:
            tally.new += 1
        elif outcome == _EXISTING:
            tally.existing += 1
        else:
            tally.fail(outcome or "not stored")


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def _message(location: str, exc: DigestError) -> str:
    text = str(exc)
    return text if location in text else f"{location}: {text}"


async def _run_sources(config: Config, archive: Archive, sources: tuple[Source, ...],
                       refresh: bool, progress: bool, jobs: int) -> RunSummary:
    started = time.monotonic()
    async with Fetcher(config.fetch) as fetcher:
        with WorkerPool(config.taxonomy, jobs=jobs) as pool:
            run = _Run(config, archive, fetcher, pool, refresh)
            await run.open()
            tasks = [asyncio.ensure_future(run.source(s)) for s in sources]
            if progress and tasks:
                import click

                with click.progressbar(length=len(tasks), label="Fetching",
                                       file=sys.stderr) as bar:
                    for finished in asyncio.as_completed(tasks):
                        log.info("%s", (await finished).render())
                        bar.update(1)
            try:
                results = await asyncio.gather(*tasks)
            finally:
                run.close()
    return RunSummary(tuple(results), round(time.monotonic() - started, 3))


def run_fetch(config: Config, archive: Archive, *, refresh: bool = False,
              progress: bool = False, jobs: int = 0) -> RunSummary:
    """Read every configured source and store the new articles.

    ``refresh`` fetches and extracts stored articles again; ``jobs`` is the
    number of worker processes for the CPU work (0 = one per core).
    """
    return asyncio.run(_run_sources(config, archive, config.sources, refresh, progress, jobs))


def _input_source(item: str) -> Source:
    if item.startswith(("http://", "https://")):
        return Source(name=item, kind=SourceKind.URL, location=canonicalize(item))
    return Source(name=item, kind=SourceKind.PATH, location=item)


def add_inputs(config: Config, archive: Archive, inputs: list[str], *,
               jobs: int = 0) -> RunSummary:
    """Store the given pages (``digest add URL|PATH…``); one summary line per input."""
    sources = tuple(_input_source(item) for item in inputs)
    return asyncio.run(_run_sources(config, archive, sources, False, False, jobs))


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

    urls = [i for i in inputs if i.startswith(("http://", "https://"))]
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
            yield item, _read_file(Path(item)), None, None
        except SourceError as exc:
            yield item, exc, None, None


# --- the CPU work, in worker processes ------------------------------------------


@dataclass(frozen=True)
class Job:
    """One article's CPU work: extract (page, file or feed content), tag, fingerprint."""

    # Feed content shorter than this is a teaser: the linked page is read instead.
    FULL_CONTENT_MIN: ClassVar[int] = 200

    kind: Literal["page", "fragment", "file"]
    data: bytes | str
    url: str | None  # the page's final URL, a file:// URI, or the entry's link
    content_type: str | None
    entry: Entry | None
    source: Source
    fetched: datetime
    keys: tuple[str, ...] = ()  # URLs the story was already known by (the entry's link)

    @classmethod
    def page(cls, data: bytes, url: str, content_type: str | None, entry: Entry | None,
             source: Source, fetched: datetime, extra_keys: tuple[str, ...] = ()) -> Job:
        return cls("page", data, url, content_type, entry, source, fetched, extra_keys)

    @classmethod
    def fragment(cls, entry: Entry, source: Source, fetched: datetime, *,
                 summary: bool = False) -> Job:
        html = (entry.summary_html if summary else entry.content_html) or ""
        return cls("fragment", html, entry.url, None, entry, source, fetched)

    @classmethod
    def file(cls, data: bytes, uri: str, source: Source, fetched: datetime) -> Job:
        return cls("file", data, uri, None, None, source, fetched, (uri,))


@dataclass(frozen=True)
class Done:
    article: Article
    fingerprint: int | None
    keys: tuple[str, ...]  # every URL the story is known by, canonical first


def _canonical(claimed: str | None, url: str) -> str:
    """The page's rel=canonical when it is plausible, else the URL it came from."""
    if not claimed or not claimed.startswith(("http://", "https://")):
        return canonicalize(url)
    canonical = canonicalize(claimed)
    # Sites that point every page's canonical at their home page would merge
    # every story into one: a canonical home page for an inner page is ignored.
    if urlsplit(canonical).path in ("", "/") and urlsplit(url).path not in ("", "/"):
        return canonicalize(url)
    return canonical


def _entry_url(job: Job) -> str:
    """A stable URL for an entry that has no link of its own."""
    entry = job.entry
    seed = f"{entry.title if entry else ''}\n{job.data!s}".encode("utf-8", "replace")
    location = job.source.location
    if not location.startswith(("http://", "https://", "file:")):
        location = Path(location).resolve().as_uri()
    return f"{location}#entry-{hashlib.sha1(seed).hexdigest()[:12]}"


def _work(job: Job, taxonomy: Taxonomy | None = None) -> Done | str:
    """Run one job; an error comes back as its one-line message."""
    taxonomy = taxonomy or _WORKER_TAXONOMY
    assert taxonomy is not None, "worker not initialised"
    entry = job.entry
    try:
        if job.kind == "fragment":
            assert entry is not None
            markdown, text = extract_fragment(str(job.data), base_url=entry.url)
            if not text.strip():
                return f"{entry.url or entry.title or job.source.name}: the feed entry has no text"
            extracted = Extracted(title=entry.title, markdown=markdown, text=text,
                                  author=entry.author, url=entry.url,
                                  published=None if entry.date_missing else entry.published)
            url = entry.url or _entry_url(job)
        else:
            page_url = job.url if job.kind == "page" else None
            extracted = extract_page(job.data, url=page_url, content_type=job.content_type)
            url = job.url or ""
            if job.kind == "file":
                url = extracted.url or extracted.canonical_url or url
    except ExtractError as exc:
        return f"{job.url or job.source.name}: {exc}"
    except Exception as exc:  # a parser bug must cost one article, not the run
        log.debug("extraction crashed on %s", job.url, exc_info=True)
        return f"{job.url or job.source.name}: extraction failed: {type(exc).__name__}: {exc}"
    canonical = _canonical(extracted.canonical_url, url)
    article = build_article(extracted, source=job.source, source_name=job.source.name, url=url,
                            taxonomy=taxonomy, fetched=job.fetched, entry=entry)
    date_missing = bool(entry and entry.date_missing and extracted.published is None)
    article = replace(article, canonical_url=canonical,
                      date_missing=article.date_missing or date_missing)
    keys = (*url_keys(canonical), *url_keys(url), *job.keys)
    if entry is not None and entry.url:
        keys = (*keys, *url_keys(entry.url))
    return Done(article, simhash(extracted.text), tuple(dict.fromkeys(keys)))


def _parse_feed(data: bytes, url: str | None, content_type: str | None, source: str,
                fetched: datetime) -> tuple[Entry, ...]:
    return parse_feed(data, url=url, content_type=content_type, source=source, fetched=fetched)


_WORKER_TAXONOMY: Taxonomy | None = None


def _init_worker(taxonomy: Taxonomy) -> None:
    global _WORKER_TAXONOMY
    _WORKER_TAXONOMY = taxonomy
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """End this worker once its parent is gone.

    A ``digest fetch`` killed with SIGKILL cannot stop its pool; its workers
    are then re-parented, which this notices.
    """
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


class WorkerPool:
    """Where the CPU work runs: worker processes, once there is enough of it.

    The first ``inline_first`` jobs of a run go to one background thread:
    a small run (``digest add``, a quiet feed) is done before worker
    processes would have started. ``jobs=1`` never starts processes.
    """

    def __init__(self, taxonomy: Taxonomy, *, jobs: int = 0, inline_first: int = 16) -> None:
        self.taxonomy = taxonomy
        self.jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
        self.inline_first = inline_first
        self._submitted = 0
        self._pool: Executor | None = None
        self._thread: Executor | None = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for executor in (self._pool, self._thread):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self._pool = self._thread = None

    def _executor(self) -> tuple[Executor, bool]:
        """The executor for the next job, and whether it is the process pool."""
        self._submitted += 1
        if self.jobs == 1 or self._submitted <= self.inline_first:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-cpu")
            return self._thread, False
        if self._pool is None:
            # spawn: workers are children of this process, start clean (no
            # inherited locks from our event-loop threads) and notice when this
            # process dies, even by SIGKILL (see _exit_with_parent). A
            # forkserver would outlive a killed run, and its workers with it.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context,
                                             initializer=_init_worker, initargs=(self.taxonomy,))
        return self._pool, True

    async def run(self, job: Job) -> Done | str:
        executor, in_process = self._executor()
        loop = asyncio.get_running_loop()
        try:
            if in_process:
                return await loop.run_in_executor(executor, _work, job)
            return await loop.run_in_executor(executor, _work, job, self.taxonomy)
        except BrokenProcessPool:
            return f"{job.url or job.source.name}: the extraction worker died"

    async def parse_feed(self, data: bytes, url: str | None, content_type: str | None,
                         source: str, fetched: datetime) -> tuple[Entry, ...]:
        executor, _ = self._executor()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, _parse_feed, data, url, content_type,
                                          source, fetched)
