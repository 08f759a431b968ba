"""digest.archive.files: whole files or none, only over regular files, modes as the umask says."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.archive.files import TMP_PREFIX, atomic_write
from digest.errors import StoreError


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(
        tmp_path: Path, umask_027: None) -> None:
    target = tmp_path / "digest.yml"
    atomic_write(target, "one\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    target.chmod(0o604)
    atomic_write(target, "two\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o604
    assert target.read_text() == "two\n"
    assert not list(tmp_path.glob(f"{TMP_PREFIX}*"))


def test_a_symlink_or_fifo_is_never_replaced(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me")
    link = tmp_path / "out.md"
    link.symlink_to(elsewhere)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (link, fifo):
        with pytest.raises(StoreError, match="not a regular file"):
            atomic_write(target, "replaced")
    assert link.is_symlink() and elsewhere.read_text() == "keep me"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert not list(tmp_path.glob(f"{TMP_PREFIX}*"))
