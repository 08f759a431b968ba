"""Storing finished articles: dedup decisions on one thread, file writes on a few.

Every state-database call runs on one thread, so that sqlite sees one
connection on one thread and dedup decisions are serialised; new article
files are written (each atomically, with an fsync) on writer threads and
recorded in the state database once they are on disk, so a SIGKILL leaves at
most those few writes undone, each complete or absent. A story being written
while a second copy arrives (same URL key, or a fingerprint within the
near-duplicate threshold) is waited for, then merged into.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from digest.archive.fingerprint import THRESHOLD, hamming
from digest.archive.store import Archive, Placement
from digest.errors import StoreError
from digest.ingest.workers import Done
from digest.model import Publish

__all__ = ["EXISTING", "NEW", "Committer"]

T = TypeVar("T")
NEW, EXISTING = "new", "existing"  # outcomes of Committer.store


class Committer:
    """The archive's side of one run: lookups, dedup and writes, in a safe order."""

    # Article files written at once: each write ends in an fsync, which is
    # disk latency, not CPU; several in flight share the journal commits.
    WRITERS: ClassVar[int] = 8

    def __init__(self, archive: Archive, refresh: bool) -> None:
        self.archive = archive
        self.refresh = refresh
        self._db: Executor | None = ThreadPoolExecutor(1, thread_name_prefix="digest-store")
        self._writers = ThreadPoolExecutor(self.WRITERS, thread_name_prefix="digest-write")
        # Stories being stored right now, by URL key and by fingerprint: a
        # second copy waits until the first is recorded, then merges into it.
        self._storing: dict[str, asyncio.Future[None]] = {}
        self._storing_fps: list[tuple[int, asyncio.Future[None]]] = []
        # Files being written (db thread only): a new story whose file name
        # is taken by one of them waits, then gets the next free name.
        self._reserved: dict[Path, None] = {}
        self._writing: dict[Path, asyncio.Future[None]] = {}  # the same, on the loop's side

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

    def known(self, keys: tuple[str, ...], source_name: str,
              publish: Publish | None = None) -> bool:
        """True (and the source merged in) when the story is stored already.

        ``publish`` is the source's setting: a story this source stored
        under another setting is stored again to match
        (:meth:`Archive.merge_into`).
        """
        if self.refresh or not keys:
            return False
        path = self.archive.find(*keys)
        if path is None:
            return False
        self.archive.merge_into(path, source_name, keys, publish=publish)
        return True

    def known_many(self, keys: list[tuple[str, ...]], source_name: str,
                   publish: Publish | None = None) -> list[bool]:
        """:meth:`known` for every entry of a feed, in one trip to the db thread."""
        return [self.known(k, source_name, publish) for k in keys]

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
            return EXISTING
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
            return NEW if plan.created else EXISTING
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
