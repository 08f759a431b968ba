"""Worker processes for the CPU work of a run, each job under a hard time limit.

No check inside an extractor can stop code that never returns to it (a
quadratic path in a parser), so every job (one article, or one feed to parse)
runs in a worker process, and a job past ``budget`` seconds is stopped by
killing its process: the item fails with that reason, a fresh worker takes
the slot, the run goes on. The time counts from when a ready worker takes the
job. A thread per slot sends the job and waits, so the event loop never blocks
on a pipe. Workers fork from a fork server that has imported the extraction
stack once (ready in milliseconds), and die with the run: the fork server
reads EOF when the run's process ends, and each worker asks the kernel for
SIGKILL when its parent dies (``PR_SET_PDEATHSIG``; elsewhere a thread polls).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import importlib
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any

from digest.errors import SourceError
from digest.ingest.workers import Done, Job, _parse_feed, _work
from digest.model import Entry
from digest.tags.rules import Taxonomy

__all__ = ["WorkerPool"]

log = logging.getLogger(__name__)

_STARTUP_TIMEOUT = 120.0  # seconds for a worker to start and import its libraries
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_READY = "ready"


# --- the worker process ----------------------------------------------------------


def _die_with_parent(run: int) -> None:
    """Make this process end as soon as its parent (or the run's process ``run``) does."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if not _alive(parent, run):  # it died before the lines above ran
        os._exit(0)
    threading.Thread(target=_exit_with_parent, args=(parent, run), daemon=True).start()


def _alive(parent: int, run: int) -> bool:
    if os.getppid() != parent:
        return False
    try:
        os.kill(run, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _exit_with_parent(parent: int, run: int) -> None:
    """The fallback where PR_SET_PDEATHSIG is missing: notice being orphaned."""
    while _alive(parent, run):
        time.sleep(0.5)
    os._exit(0)


# Imported by the fork server once (and by a spawned worker before it says it
# is ready), so that no job's time limit is spent importing.
_PRELOAD = ["digest.ingest.pool", "digest.archive.fingerprint", "digest.extract.page",
            "digest.fetch.feeds", "digest.ingest.assemble"]


class _Keep(logging.Handler):
    """A worker's log records, kept to travel back with the job's reply."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))

    def take(self) -> list[tuple[str, int, str]]:
        records, self.records = self.records, []
        return records


def _serve(conn: Connection, taxonomy: Taxonomy, run: int, level: int) -> None:
    """A worker's life: load the libraries, say ready, answer jobs until the pipe closes."""
    _die_with_parent(run)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle
    # What the job logs goes back to the run with its reply, where the run's
    # own logging shows it (a worker has no terminal of its own).
    keep = _Keep()
    root = logging.getLogger()
    root.handlers[:] = [keep]
    root.setLevel(level)
    for name in _PRELOAD:
        importlib.import_module(name)
    from digest.extract.libnotes import quiet_library_notes

    quiet_library_notes()  # the libraries' per-page notes become DEBUG
    keep.take()
    conn.send(_READY)
    while True:
        try:
            task, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if task == "work":
                reply: tuple[str, Any] = ("ok", _work(args[0], taxonomy))
            else:
                reply = ("ok", _parse_feed(*args))
        except SourceError as exc:
            reply = ("source", str(exc))
        except Exception as exc:  # a bug in a parser costs one item, not the run
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send((*reply, keep.take()))
        except (OSError, ValueError):
            return


# --- the parent's side --------------------------------------------------------------


def _context() -> ForkServerContext | SpawnContext:
    """The fork server where there is one; else spawn. Never plain fork.

    A fork of the run's process would inherit the locks of its event loop's
    threads; both of these start from a clean single-threaded interpreter.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")  # pragma: no cover - Windows
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    global _STOP_REGISTERED
    if not _STOP_REGISTERED:
        atexit.register(_stop_fork_server)
        _STOP_REGISTERED = True
    return context


_STOP_REGISTERED = False


def _stop_fork_server() -> None:
    """At exit, end the fork server and wait for it (it would end by itself on EOF),
    so that the CPU time of the workers it reaped is counted as this process's."""
    from multiprocessing import forkserver

    with contextlib.suppress(Exception):
        forkserver._forkserver._stop()  # type: ignore[attr-defined]


@dataclass
class _Slot:
    """One worker process and the parent's end of its pipe (None until started)."""

    process: BaseProcess | None = None
    conn: Connection | None = None


class WorkerPool:
    """Runs jobs in up to ``jobs`` worker processes, each job within ``budget`` seconds.

    Use as a context manager; it may serve several event loops in turn
    (``digest extract`` runs one per batch).
    """

    def __init__(self, taxonomy: Taxonomy, *, jobs: int = 0, budget: float = 60.0) -> None:
        self.taxonomy = taxonomy
        self.jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
        self.budget = budget
        self._context = _context()
        self._slots: queue.SimpleQueue[_Slot] = queue.SimpleQueue()
        self._all = [_Slot() for _ in range(self.jobs)]
        for slot in self._all:
            self._slots.put(slot)
        # One thread per slot: a call never waits for a thread, only for its job.
        self._threads = ThreadPoolExecutor(self.jobs, thread_name_prefix="digest-worker")
        self._closed = False

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker; a job still running ends as a failure."""
        if self._closed:
            return
        self._closed = True
        idle: list[_Slot] = []
        with contextlib.suppress(queue.Empty):
            while True:
                idle.append(self._slots.get_nowait())
        busy = [slot for slot in self._all if not any(slot is i for i in idle)]
        for slot in busy:  # its thread reads EOF from the pipe and stops the slot
            if slot.process is not None:
                slot.process.kill()
        for slot in idle:
            self._stop(slot, grace=1.0)
        self._threads.shutdown(wait=True, cancel_futures=True)
        for slot in busy:
            self._stop(slot)

    # -- the slot threads --------------------------------------------------------

    def _start(self, slot: _Slot) -> None:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(target=_serve, name="digest-worker", daemon=True,
                                        args=(child_end, self.taxonomy, os.getpid(),
                                              logging.getLogger().getEffectiveLevel()))
        process.start()
        child_end.close()
        slot.process, slot.conn = process, parent_end
        if self._closed:
            raise EOFError("the pool is closing")
        if not parent_end.poll(_STARTUP_TIMEOUT) or parent_end.recv() != _READY:
            raise EOFError("the worker did not start")

    def _stop(self, slot: _Slot, grace: float = 0.0) -> None:
        """End the slot's worker: ``grace`` seconds to leave by itself, then SIGKILL."""
        process, conn = slot.process, slot.conn
        slot.process = slot.conn = None
        if conn is not None and grace:
            conn.close()  # an idle worker reads EOF and exits
        if process is not None:
            if grace:
                process.join(grace)
            if process.is_alive():
                process.kill()
            process.join(5)
        if conn is not None and not grace:
            conn.close()

    def _call(self, task: str, args: tuple[Any, ...]) -> tuple[str, Any]:
        """Run one task in a worker (slot thread): ("ok", result) or why it failed."""
        slot = self._slots.get()
        try:
            if self._closed:
                return "closed", None
            if slot.process is None or not slot.process.is_alive():
                self._stop(slot)
                self._start(slot)
            assert slot.conn is not None
            slot.conn.send((task, args))
            if not slot.conn.poll(self.budget):
                self._stop(slot)  # killed mid-job: the next call starts a fresh worker
                return "timeout", None
            status, value, records = slot.conn.recv()
            for name, level, message in records:  # the worker's log, shown here
                logging.getLogger(name).log(level, "%s", message)
            return status, value
        except (EOFError, OSError, ValueError) as exc:
            log.debug("worker failed: %s", exc)
            self._stop(slot)
            return "died", None
        finally:
            self._slots.put(slot)

    async def _run(self, task: str, *args: Any) -> tuple[str, Any]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._call, task, args)

    # -- public ------------------------------------------------------------------

    def _why(self, status: str, value: Any) -> str:
        if status == "timeout":
            return (f"stopped after {self.budget:g} s of work (fetch.article_timeout); "
                    "the page may be built to be slow")
        if status == "error":
            return f"extraction failed: {value}"
        if status == "closed":
            return "the run was stopped"
        return "its worker process died"

    async def run(self, job: Job) -> Done | str:
        """One job's Done, or its one-line failure."""
        status, value = await self._run("work", job)
        if status == "ok":
            result: Done | str = value
            return result
        label = job.url or job.source.name
        return f"{label}: {value}" if status == "source" else f"{label}: {self._why(status, value)}"

    async def parse_feed(self, data: bytes, url: str | None, content_type: str | None,
                         source: str, fetched: datetime) -> tuple[Entry, ...]:
        """A feed's entries; SourceError when it is no feed or its parsing failed."""
        status, value = await self._run("feed", data, url, content_type, source, fetched)
        if status == "ok":
            entries: tuple[Entry, ...] = value
            return entries
        if status == "source":
            raise SourceError(value)
        reason = self._why(status, value).replace("extraction failed", "parser failed", 1)
        raise SourceError(f"the feed could not be parsed: {reason}")
