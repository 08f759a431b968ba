"""One digest run at a time per archive.

An ``fcntl`` lock on ``.digest/lock`` beside the state database. The kernel
drops the lock when its holder dies, so a stale lock from a killed run is taken
over without any clean-up; the file only records who holds it, for the message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from digest.errors import LockError, StoreError

__all__ = ["archive_lock"]


@contextlib.contextmanager
def archive_lock(path: Path, *, wait: float = 0.0, what: str = "digest") -> Iterator[None]:
    """Hold the lock for the ``with`` block; wait up to ``wait`` seconds for it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"{path}: cannot take the archive's lock: {exc.strerror or exc}") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    raise LockError(
                        f"{path}: another digest run holds the lock ({holder}); "
                        "wait for it to finish, or pass --wait SECONDS"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {datetime.now().astimezone().isoformat(timespec='seconds')} "
                     f"{what}\n".encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        raw = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
    except OSError:
        return "holder unknown"
    if len(raw) >= 2:
        return f"pid {raw[0]} running '{' '.join(raw[2:]) or 'digest'}' since {raw[1]}"
    return "holder unknown"
