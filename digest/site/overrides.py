"""The theme override folder: one source of truth inside the package.

``digest/data/scaffold/overrides`` is canonical; every build copies it into
the digest's ``overrides/`` (MkDocs' ``theme.custom_dir``), writing only files
whose text changed. Files a user adds there are left alone.
"""

from __future__ import annotations

import logging
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from digest.archive.files import atomic_write

__all__ = ["OVERRIDES_DIR", "sync_overrides"]

log = logging.getLogger(__name__)

OVERRIDES_DIR = "overrides"


def _walk(node: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    out: list[tuple[str, Traversable]] = []
    for child in node.iterdir():
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            out.extend(_walk(child, rel + "/"))
        elif not child.name.endswith((".pyc",)):
            out.append((rel, child))
    return out


def sync_overrides(root: Path) -> list[str]:
    """Refresh ``root/overrides`` from the package; return the files written."""
    source = resources.files("digest") / "data" / "scaffold" / OVERRIDES_DIR
    written = []
    for rel, item in _walk(source):
        text = item.read_text(encoding="utf-8")
        target = root / OVERRIDES_DIR / rel
        try:
            if target.read_text(encoding="utf-8") == text:
                continue
        except (OSError, UnicodeDecodeError):
            pass
        atomic_write(target, text)
        written.append(rel)
    if written:
        log.info("theme overrides refreshed: %s", ", ".join(written))
    return written
