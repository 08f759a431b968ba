"""The fetch pipeline: sources → entries → pages → articles → the archive.

``run_fetch`` reads every configured source concurrently: network waits on
one asyncio loop (:mod:`digest.fetch.http`), CPU work in worker processes
(:mod:`digest.ingest.pool`), storing through :class:`~digest.ingest.committer.Committer`.
Dedup runs in order: the entry's URL keys before any fetch, then the page's
final and canonical URLs, then the body's SimHash (:meth:`Archive.place`).
Every lookup is a database query, so a run holds the batch in hand and the
stories in flight, never a record per stored article. A feed's validators
are saved only once every entry it listed is stored, so a run killed halfway
gets a 200 next time, not a 304 hiding the entries it never reached.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, TypeVar

from digest.archive.store import Archive
from digest.config import Config
from digest.errors import DigestError, SourceError
from digest.escape import web_url
from digest.fetch.feeds import STREAM_MIN, iter_feed
from digest.fetch.http import Fetcher, Response
from digest.fetch.urls import url_keys
from digest.ingest.committer import EXISTING, NEW, Committer
from digest.ingest.inputs import feed_input, input_source, local_path, page_files, read_file
from digest.ingest.pool import WorkerPool
from digest.ingest.summary import RunSummary, SourceSummary, Tally
from digest.ingest.workers import Job, unnamed
from digest.model import Entry, Source, SourceKind

__all__ = ["add_inputs", "run_fetch"]

log = logging.getLogger(__name__)
T = TypeVar("T")



class _Run:
    """One run over some sources: shared fetcher, worker pool, dedup state."""

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
        self.committer = Committer(archive, refresh)
        self.db = self.committer.db
        # URLs being fetched right now: a story in two feeds is fetched once.
        self.inflight: dict[str, asyncio.Event] = {}

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
                known = await self.db(self.committer.known_many, keys, source.name,
                                      source.publish)
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
        # A page typed on the command line is no source to list in `sources:`.
        carrier = "" if unnamed(source) else source.name
        if entry is None and await self.db(self.committer.known, keys, carrier):
            tally.existing += 1
            return
        waiting = [self.inflight[k] for k in keys if k in self.inflight]
        if waiting:
            await asyncio.gather(*(event.wait() for event in waiting))
            if await self.db(self.committer.known, keys, carrier):
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
        if await self.db(self.committer.known, (uri,), "" if unnamed(source) else source.name):
            tally.existing += 1
            return
        data = await asyncio.to_thread(read_file, path)
        await self.finish(Job.file(data, uri, source, self.fetched), tally)

    async def finish(self, job: Job, tally: Tally) -> None:
        result = await self.pool.run(job)
        if isinstance(result, str):
            tally.fail(result)
            return
        outcome = await self.committer.store(result)
        if outcome == NEW:
            tally.new += 1
        elif outcome == EXISTING:
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
            await run.committer.open()
            tasks = [asyncio.ensure_future(run.source(s)) for s in sources]
            try:
                if progress is not None:
                    for finished in asyncio.as_completed(tasks):
                        progress(await finished)
                results = await asyncio.gather(*tasks)
            finally:
                run.committer.close()
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
