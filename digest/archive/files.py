"""Atomic file writes: every file digest writes appears whole or not at all.

A temporary file in the target's folder (or a staging folder on the same
filesystem), then a rename over the target: a killed run leaves the old file
or the new one, never half of one. Only regular files are replaced: a symlink,
FIFO or device at the target is refused, so ``-o /dev/full`` or a planted
symlink never turns into a write elsewhere. New files get the mode the umask
allows (as ``open`` would give them); a replaced file keeps its own mode.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from digest.errors import StoreError

__all__ = ["TMP_PREFIX", "atomic_open", "atomic_write"]

TMP_PREFIX = ".digest-tmp-"


def _umask() -> int:
    """The process umask, read without changing it where the system tells it."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # set and restore: only where /proc is missing
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """The mode the new file gets; refuses a target that is not a regular file."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return 0o666 & ~_umask()
    if not stat.S_ISREG(st.st_mode):
        raise StoreError(f"{path}: is not a regular file; not replacing it")
    return stat.S_IMODE(st.st_mode)


@contextlib.contextmanager
def atomic_open(path: Path, *, staging: Path | None = None,
                durable: bool = True) -> Iterator[TextIO]:
    """A text file that appears at ``path`` only once it is complete.

    With ``staging`` (a folder on the same filesystem) the temporary file is
    made there, so a process killed mid-write leaves debris in the staging
    folder, never beside the articles; across filesystems it falls back to
    the target's folder. ``durable=False`` skips the fsync, for files that
    are regenerated on every build.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    if staging is not None:
        try:
            staging.mkdir(parents=True, exist_ok=True)
            if staging.stat().st_dev != path.parent.stat().st_dev:
                staging = None
        except OSError:
            staging = None
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".tmp", dir=staging or path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(path: Path, text: str, *, staging: Path | None = None,
                 durable: bool = True) -> None:
    """Write a whole text atomically (see :func:`atomic_open`)."""
    with atomic_open(path, staging=staging, durable=durable) as handle:
        handle.write(text)
