"""The fetch pipeline: sources → entries → pages → articles → the archive.

``run_fetch`` reads every configured source concurrently. Network waits run
on one asyncio event loop (limits in :mod:`digest.fetch.http`); the CPU work of
parsing feeds and extracting, tagging and fingerprinting articles runs in
worker processes (:mod:`digest.ingest.workers`), so that it neither blocks the loop nor
is serialised by the GIL. Every state-database call runs on one thread, so
dedup decisions are serialised and sqlite needs no locking; new article
files are written (each atomically, with an fsync) on a few writer threads,
and recorded in the state database once they are on disk. A SIGKILL leaves
at most those few atomic writes undone, each either complete or absent.

Dedup, in order: the entry's URL keys (before any fetch), then the page's
final URL and ``rel=canonical`` (after extraction), then the body's SimHash
against every stored fingerprint. A hit merges the source into the stored
copy's ``sources:`` instead of storing the story twice. A story that is
being written while a second copy arrives (same URL key, or a fingerprint
within the threshold) is waited for, then merged into.

Every one of those lookups is a query of the state database (URLs by key,
fingerprints by band): what a run holds is the batch of entries in hand and
the stories in flight, never a record per stored or seen article, and a
source's summary keeps counts and its first few failure messages. The peak
memory of a 100,000-entry feed is that of a 20,000-entry one
(``benchmarks/scale.py --entries 20000 100000 --articles 0``).

A feed's validators (ETag, Last-Modified) are saved only after every entry
it listed was stored: a run killed halfway gets a 200 next time, not a 304
that would hide the entries it never reached.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from digest.archive.fingerprint import THRESHOLD, hamming
from digest.archive.store import Archive, Placement
from digest.config import Config
from digest.errors import DigestError, SourceError, StoreError
from digest.escape import web_url
from digest.fetch.feeds import STREAM_MIN, iter_feed
from digest.fetch.http import Fetcher, Response
from digest.fetch.urls import url_keys
from digest.ingest.inputs import feed_input, input_source, local_path, page_files, read_file
from digest.ingest.pool import WorkerPool
from digest.ingest.summary import RunSummary, SourceSummary, Tally
from digest.ingest.workers import Done, Job
from digest.model import Entry, Source, SourceKind

__all__ = ["add_inputs", "run_fetch"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_NEW, _EXISTING = "new", "existing"  # outcomes of _Run.store


class _Run:
    """One run over some sources: shared fetcher, worker pool, dedup state."""

    # Article files written at once: each write ends in an fsync, which is
    # disk latency, not CPU; several in flight share the journal commits.
    WRITERS: ClassVar[int] = 8
    # Feed entries handled at once: a feed of 100,000 entries is read and
    # stored a batch at a time, never held whole.
    FEED_BATCH: ClassVar[int] = 500

    def __init__(self, config: Config, archive: Archive, fetcher: Fetcher, pool: WorkerPool,
                 refresh: bool) -> None:
        self.config = config
        self.archive = archive
        self.fetcher = fetcher
        self.pool = pool
        self.refresh = refresh
        self.fetched = datetime.now(UTC).replace(microsecond=0)
        # Every state-database call runs on this one thread, so that sqlite
        # sees one connection on one thread and decisions are serialised.
        self._db: Executor | None = ThreadPoolExecutor(1, thread_name_prefix="digest-store")
        # New article files are written (YAML, fsync) on these threads.
        self._writers = ThreadPoolExecutor(self.WRITERS, thread_name_prefix="digest-write")
        # URLs being fetched right now: a story in two feeds is fetched once.
        self.inflight: dict[str, asyncio.Event] = {}
        # Stories being stored right now, by URL key and by fingerprint: a
        # second copy waits until the first is recorded, then merges into it.
        self._storing: dict[str, asyncio.Future[None]] = {}
        self._storing_fps: list[tuple[int, asyncio.Future[None]]] = []
        # Files being written (db thread only): a new story whose file name
        # is taken by one of them waits, then gets the next free name.
        self._reserved: dict[Path, None] = {}
        self._writing: dict[Path, asyncio.Future[None]] = {}  # the same, on the loop's side

    # -- the state database (one thread) ------------------------------------

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        if self._db is None:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._db, fn, *args)

    async def open(self) -> None:
        try:
            await self.db(self.archive.state.validators, "")  # opens it on the db thread
        except sqlite3.ProgrammingError:  # the caller opened the state on its own thread
            assert self._db is not None
            self._db.shutdown(wait=True)
            self._db = None

    def close(self) -> None:
        """Close the state database on the thread that opened it (sqlite insists)."""
        self._writers.shutdown(wait=True)
        if self._db is not None:
            self._db.submit(self.archive.close).result()
            self._db.shutdown(wait=True)
            self._db = None

    def known(self, keys: tuple[str, ...], source_name: str) -> bool:
        """True (and the source merged in) when the story is stored already."""
        if self.refresh or not keys:
            return False
        path = self.archive.find(*keys)
        if path is None:
            return False
        self.archive.merge_into(path, source_name, keys)
        return True

    def known_many(self, keys: list[tuple[str, ...]], source_name: str) -> list[bool]:
        """:meth:`known` for every entry of a feed, in one trip to the db thread."""
        return [self.known(k, source_name) for k in keys]

    def _plan(self, done: Done) -> str | Path | Placement:
        """Decide where a finished article goes (db thread): :meth:`Archive.place`.

        "existing" or an error message when that is settled here; a Path when
        the file name is being written by another story (wait, then ask
        again); else the placement to write.
        """
        try:
            placement = self.archive.place(done.article, done.keys,
                                           fingerprint=done.fingerprint, refresh=self.refresh)
        except StoreError as exc:
            return str(exc)
        if placement.write is None:
            return _EXISTING
        if placement.path in self._reserved:
            return placement.path
        self._reserved[placement.path] = None
        return placement

    def _record(self, done: Done, placement: Placement, written: bool) -> None:
        """Record a written article (db thread); give its file name back either way."""
        self._reserved.pop(placement.path, None)
        if written:
            self.archive.commit(placement, done.keys, done.fingerprint)

    def _blockers(self, done: Done) -> set[asyncio.Future[None]]:
        """Stores in progress of what may be the same story."""
        found = {self._storing[k] for k in done.keys if k in self._storing}
        if done.fingerprint is not None:
            found.update(f for fp, f in self._storing_fps
                         if hamming(fp, done.fingerprint) <= THRESHOLD)
        return found

    async def store(self, done: Done) -> str:
        """Store one article; "new", "existing", or the error message."""
        while blockers := self._blockers(done):
            await asyncio.wait(blockers)
        claim: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for key in done.keys:
            self._storing[key] = claim
        if done.fingerprint is not None:
            self._storing_fps.append((done.fingerprint, claim))
        path: Path | None = None
        try:
            while isinstance(plan := await self.db(self._plan, done), Path):
                # The file name is being written by another story: wait for it.
                writing = self._writing.get(plan)
                await (asyncio.wait({writing}) if writing else asyncio.sleep(0.01))
            if isinstance(plan, str):
                return plan
            path, article = plan.path, plan.write
            assert article is not None
            self._writing[path] = claim
            written = False
            try:
                await asyncio.get_running_loop().run_in_executor(
                    self._writers, self.archive.write, path, article)
                written = True
            except StoreError as exc:
                return str(exc)
            finally:
                await self.db(self._record, done, plan, written)
            return _NEW if plan.created else _EXISTING
        finally:
            for key in done.keys:
                if self._storing.get(key) is claim:
                    del self._storing[key]
            if done.fingerprint is not None:
                self._storing_fps.remove((done.fingerprint, claim))
            if path is not None and self._writing.get(path) is claim:
                del self._writing[path]
            claim.set_result(None)

    # -- sources -----------------------------------------------------------------

    async def source(self, source: Source) -> SourceSummary:
        tally = Tally(source.name)
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
        except Exception as exc:  # a bug met on this source's input fails this source only
            log.debug("%s: unexpected error", source.name, exc_info=True)
            return SourceSummary(source.name, errors=(_unexpected(source.location, exc),),
                                 failed=1, source_failed=True)
        return tally.freeze()

    async def alone(self, tally: Tally, label: str, work: Awaitable[None]) -> None:
        """Run one item's work; whatever it raises becomes that item's failure."""
        try:
            await work
        except DigestError as exc:
            tally.fail(_message(label, exc))
        except Exception as exc:
            log.debug("%s: unexpected error", label, exc_info=True)
            tally.fail(_unexpected(label, exc))

    async def feed(self, source: Source, tally: Tally) -> SourceSummary:
        response: Response | None = None
        data: bytes | Path
        if web_url(source.location):
            validators = None if self.refresh else await self.db(
                self.archive.state.validators, source.location)
            response = await self.fetcher.get(source.location, conditional=not self.refresh,
                                              validators=validators,
                                              public_only=not source.allow_private)
            if response.not_modified:
                return tally.freeze(unchanged=True)
            data, base, ctype = response.content, response.url, response.content_type
        else:
            path = local_path(source.location)
            data = await asyncio.to_thread(feed_input, path)
            base, ctype = None, None
        batches = self._feed_batches(source, data, base, ctype)
        limit = self.config.fetch.max_entries
        taken = 0
        try:
            while not (limit and taken >= limit):
                try:
                    batch = await anext(batches)
                except StopAsyncIteration:
                    break
                except SourceError as exc:
                    raise SourceError(_message(source.location, exc)) from None
                if limit:
                    batch = batch[:limit - taken]
                taken += len(batch)
                keys = [url_keys(e.url) if e.url else () for e in batch]
                known = await self.db(self.known_many, keys, source.name)
                tally.existing += sum(known)
                await asyncio.gather(*(self.alone(tally, _label(e, source),
                                                  self.entry(source, e, k, tally))
                                       for e, k, stored in zip(batch, keys, known, strict=True)
                                       if not stored))
                del batch, keys, known
        finally:
            await batches.aclose()
        if response is not None and tally.failed == 0 and response.status == 200 \
                and (response.etag or response.last_modified):
            await self.db(self.archive.state.set_validators, response.requested,
                          response.etag, response.last_modified)
        return tally.freeze()

    async def _feed_batches(self, source: Source, data: bytes | Path, base: str | None,
                            ctype: str | None) -> AsyncGenerator[list[Entry], None]:
        """A feed's entries, at most ``FEED_BATCH`` at a time.

        A small feed is parsed whole (in the worker pool); a big one (or a
        big local file, read from disk as it goes) is streamed on a thread,
        so only one batch of entries is held at once.
        """
        if isinstance(data, bytes) and len(data) < STREAM_MIN:
            entries = await self.pool.parse_feed(data, base, ctype, source.name, self.fetched)
            for start in range(0, len(entries), self.FEED_BATCH):
                yield list(entries[start:start + self.FEED_BATCH])
            return
        stream = iter_feed(data, url=base, content_type=ctype, source=source.name,
                           fetched=self.fetched)
        try:
            while batch := await asyncio.to_thread(_take, stream, self.FEED_BATCH):
                yield batch
        finally:
            stream.close()

    async def entry(self, source: Source, entry: Entry, keys: tuple[str, ...],
                    tally: Tally) -> None:
        """One entry that is not stored yet; ``keys`` are its link's URL keys."""
        text_len = len(entry.content_html or "")
        if entry.content_html and (entry.url is None or text_len >= Job.FULL_CONTENT_MIN):
            await self.finish(Job.fragment(entry, source, self.fetched), tally)
            return
        if entry.url is None:  # only a summary: that is all this story will ever have
            await self.finish(Job.fragment(entry, source, self.fetched, summary=True), tally)
            return
        await self.page(source, entry.url, entry, tally, trusted=False, keys=keys)

    async def page(self, source: Source, url: str, entry: Entry | None, tally: Tally,
                   *, trusted: bool, keys: tuple[str, ...] | None = None) -> None:
        keys = url_keys(url) if keys is None else keys
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
                    public_only=not source.allow_private,
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

    async def files(self, source: Source, tally: Tally) -> None:
        root = local_path(source.location)
        if not root.exists():
            raise SourceError(f"{root}: no such file or folder")
        for path in page_files(root):
            await self.alone(tally, str(path), self.file(source, path, tally))

    async def file(self, source: Source, path: Path, tally: Tally) -> None:
        uri = path.resolve().as_uri()
        if await self.db(self.known, (uri,), source.name):
            tally.existing += 1
            return
        data = await asyncio.to_thread(read_file, path)
        await self.finish(Job.file(data, uri, source, self.fetched), tally)

    async def finish(self, job: Job, tally: Tally) -> None:
        result = await self.pool.run(job)
        if isinstance(result, str):
            tally.fail(result)
            return
        outcome = await self.store(result)
        if outcome == _NEW:
            tally.new += 1
        elif outcome == _EXISTING:
            tally.existing += 1
        else:
            tally.fail(outcome or "not stored")


def _take(entries: Iterator[Entry], count: int) -> list[Entry]:
    return list(itertools.islice(entries, count))


def _message(location: str, exc: DigestError) -> str:
    text = str(exc)
    return text if location in text else f"{location}: {text}"


def _unexpected(location: str, exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return f"{location}: unexpected {type(exc).__name__}" + (f": {lines[0]}" if lines else "")


def _label(entry: Entry, source: Source) -> str:
    return entry.url or (f"entry {entry.title!r}" if entry.title else source.location)


Progress = Callable[[SourceSummary], None]


async def _run_sources(config: Config, archive: Archive, sources: tuple[Source, ...],
                       refresh: bool, progress: Progress | None, jobs: int) -> RunSummary:
    async with Fetcher(config.fetch) as fetcher:
        with WorkerPool(config.taxonomy, jobs=jobs,
                        budget=config.fetch.article_timeout) as pool:
            run = _Run(config, archive, fetcher, pool, refresh)
            await run.open()
            tasks = [asyncio.ensure_future(run.source(s)) for s in sources]
            try:
                if progress is not None:
                    for finished in asyncio.as_completed(tasks):
                        progress(await finished)
                results = await asyncio.gather(*tasks)
            finally:
                run.close()
    return RunSummary(tuple(results))


def run_fetch(config: Config, archive: Archive, *, refresh: bool = False,
              progress: Progress | None = None, jobs: int = 0) -> RunSummary:
    """Read every configured source and store the new articles.

    ``refresh`` fetches and extracts stored articles again; ``progress`` is
    called with each source's summary as it finishes; ``jobs`` is the number
    of worker processes for the CPU work (0 = one per core).
    """
    return asyncio.run(_run_sources(config, archive, config.sources, refresh, progress, jobs))


def add_inputs(config: Config, archive: Archive, inputs: list[str], *,
               jobs: int = 0) -> RunSummary:
    """Store the given pages (``digest add URL|PATH…``); one summary line per input."""
    sources = tuple(input_source(item) for item in inputs)
    return asyncio.run(_run_sources(config, archive, sources, False, None, jobs))
