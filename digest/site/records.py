"""The few front matter fields the listing pages and feeds need, read fast.

At 10,000 articles the site step must stay a small fraction of the MkDocs
build, so it reads only the front matter of each file (never keeps a body) and
parses it with libyaml when PyYAML has it: the pure-Python loader alone would
cost several seconds per 10,000 files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from digest.archive.frontmatter import parse_datetime, read_front_matter
from digest.archive.store import Archive
from digest.model import Publish

__all__ = ["Record", "iter_records", "read_record"]

log = logging.getLogger(__name__)

_END = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Record:
    """One article as the listing pages see it (no body)."""

    rel: str  # path relative to content/, e.g. "articles/2025/01/15/slug.md"
    title: str
    url: str  # the original article
    source: str
    when: datetime  # published, or fetched when the date is unknown; always aware
    summary: str
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    canonical_url: str
    author: str | None = None
    language: str | None = None
    publish: Publish = Publish.FULL

    @property
    def page_url(self) -> str:
        """The article page's URL relative to the site root (directory URLs)."""
        return self.rel[: -len(".md")] + "/"


def _aware(value: datetime) -> datetime:
    # Naive times are read as UTC so that sorting never mixes kinds.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None and str(v))
    return ()


def _head(path: Path) -> str | None:
    # The front matter is at the top: read a first block, the rest only if needed.
    with path.open(encoding="utf-8") as handle:
        text = handle.read(8192)
        if text.startswith("\ufeff"):
            text = text[1:]
        if not text.startswith("---"):
            return None
        end = _END.search(text, 4)
        if end is None:
            text += handle.read()
            end = _END.search(text, 4)
    return None if end is None else text[4 : end.start()]


def read_record(path: Path, rel: str) -> Record | None:
    """The record of one article file, or None when it is not an article."""
    try:
        head = _head(path)
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("%s: skipped: %s", path, exc)
        return None
    # Checked, not skipped: MkDocs renders the file anyway, and a value the
    # templates cannot use (tags: 5, an alias bomb) must stop the build here,
    # with the file and line, rather than inside a template.
    data = read_front_matter(head, str(path)) if head is not None else None
    if not isinstance(data, dict) or not data.get("title") or not data.get("url"):
        log.warning("%s: skipped: front matter lacks 'title' or 'url'", path)
        return None
    when = parse_datetime(data.get("published")) or parse_datetime(data.get("fetched"))
    try:
        publish = Publish(str(data.get("publish", "full")))
    except ValueError:
        publish = Publish.FULL
    source = str(data.get("source") or "")
    return Record(
        rel=rel,
        title=str(data["title"]),
        url=str(data["url"]),
        source=source,
        when=_aware(when or datetime.fromtimestamp(path.stat().st_mtime, UTC)),
        summary=str(data.get("summary") or ""),
        tags=_strs(data.get("tags")),
        sources=_strs(data.get("sources")) or ((source,) if source else ()),
        canonical_url=str(data.get("canonical_url") or data["url"]),
        author=None if data.get("author") is None else str(data["author"]),
        language=None if data.get("language") is None else str(data["language"]),
        publish=publish,
    )


def iter_records(archive: Archive) -> Iterator[Record]:
    """Every readable article's record, streaming over the archive."""
    for path in archive.iter_paths():
        record = read_record(path, archive.relative(path))
        if record is not None:
            yield record
