"""The ledger: what the state database knows that the article files cannot say.

The state database is a cache, and caches are lost (a CI cache is evicted,
``.digest/`` is deleted). Rebuilt from ``content/`` alone it would forget two
things: which stories the user deleted by hand (they would be fetched again)
and which URLs were merged into a stored story as copies of it (each would be
fetched and judged again). Those go here, beside the articles, so that the
repository that keeps the articles keeps them too:
``content/.digest-ledger.jsonl``, one JSON object per line, appended under the
archive's lock:

    {"deleted": "<canonical URL>", "path": "articles/…/x.md", "urls": ["…"], "at": "<time>"}
    {"merged": "<URL>", "into": "<canonical URL>", "at": "<time>"}

MkDocs (and the site) leave files whose names start with a dot out. A line
that does not parse (a run killed mid-append) is skipped; a story deleted,
then restored by hand, is stored again because its file wins over the ledger.
Content fingerprints need no ledger: each article keeps its own in its front
matter (``fingerprint:``).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["LEDGER_NAME", "Ledger", "LedgerState"]

log = logging.getLogger(__name__)

LEDGER_NAME = ".digest-ledger.jsonl"


@dataclass
class LedgerState:
    """What the ledger says, by canonical URL (deleted) and by URL (merged)."""

    deleted: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)


class Ledger:
    """Appends to, and reads, one archive's ledger file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._deleted: set[str] | None = None  # read on first need

    def read(self) -> LedgerState:
        state = LedgerState()
        try:
            handle = self.path.open(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            self._deleted = set()
            return state
        with handle:
            for number, line in enumerate(handle, start=1):
                record = _parse(line)
                if record is None:
                    if line.strip():
                        log.warning("%s:%d: not a ledger record; skipped", self.path, number)
                    continue
                if isinstance(record.get("deleted"), str):
                    urls = record.get("urls")
                    state.deleted[record["deleted"]] = (
                        str(record.get("path") or ""),
                        tuple(u for u in urls if isinstance(u, str)) if isinstance(urls, list)
                        else ())
                elif isinstance(record.get("merged"), str) and isinstance(record.get("into"), str):
                    state.merged[record["merged"]] = record["into"]
        self._deleted = set(state.deleted)
        return state

    def is_deleted(self, canonical_url: str) -> bool:
        if self._deleted is None:
            self.read()
        assert self._deleted is not None
        return canonical_url in self._deleted

    def deleted(self, canonical_url: str, path: str, urls: list[str]) -> None:
        """Note a story the user deleted by hand (once)."""
        if self.is_deleted(canonical_url):
            return
        self._append([{"deleted": canonical_url, "path": path, "urls": urls}])
        assert self._deleted is not None
        self._deleted.add(canonical_url)
        log.info("%s: deleted by hand; noted in %s", path, self.path.name)

    def merged(self, urls: list[str], canonical_url: str) -> None:
        """Note URLs found to be copies of the story stored under ``canonical_url``."""
        if urls:
            self._append([{"merged": url, "into": canonical_url} for url in urls])

    def _append(self, records: list[dict[str, Any]]) -> None:
        at = datetime.now(UTC).replace(microsecond=0).isoformat()
        text = "".join(json.dumps({**r, "at": at}, ensure_ascii=False) + "\n" for r in records)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        try:
            # A line that a killed run left unfinished must not swallow this one.
            if os.fstat(fd).st_size and os.pread(fd, 1, os.fstat(fd).st_size - 1) != b"\n":
                text = "\n" + text
            os.write(fd, text.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def _parse(line: str) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None
