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

from digest.archive.frontmatter import FULL_TEXT, parse_datetime, read_front_matter
from digest.archive.store import Archive
from digest.escape import https_url, web_url
from digest.model import Publish

__all__ = ["Record", "iter_records", "publisher_name", "read_record", "source_label"]

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
    publisher: str | None = None  # the publication's own name, from its page
    image: str | None = None  # https only; never for an excerpt-only source
    image_caption: str | None = None
    relabelled: bool = False  # source/sources are labels standing in for paths or URLs
    # An excerpt-only page that still holds its body (stored before bodies were
    # kept apart): `digest build` moves the body out before MkDocs reads it.
    holds_text: bool = False

    @property
    def page_url(self) -> str:
        """The article page's URL relative to the site root (directory URLs)."""
        return self.rel[: -len(".md")] + "/"

    @property
    def image_alt(self) -> str:
        return self.image_caption or self.title


# What `digest add` names a source after: a local path or a URL, which is no name.
_PATH_LIKE = re.compile(
    r"^(?:file:|[a-z][a-z0-9+.-]*://|[/\\~]|\.{1,2}[/\\]|[A-Za-z]:[/\\])"
    r"|^\S+\.(?:s?html?|xhtml|mhtml|txt)$",
    re.IGNORECASE,
)


def _host(url: str | None) -> str | None:
    checked = web_url(url)
    if checked is None:
        return None
    host = checked.split("/")[2].rpartition("@")[2].split(":")[0].lower()
    return host.removeprefix("www.") or None


def publisher_name(publisher: str | None, url: str | None) -> str | None:
    """Who published the original: the page's own name for itself, else its host."""
    return (publisher or "").strip() or _host(url)


def source_label(source: str, publisher: str | None, url: str | None) -> str:
    """The source as readers see it: a saved page's local path (or a bare URL given
    to `digest add`) is no name, so the publisher's name stands in for it."""
    if source and not _PATH_LIKE.search(source.strip()):
        return source
    return publisher_name(publisher, url) or "Saved pages"


def _aware(value: datetime) -> datetime:
    # Naive times are read as UTC so that sorting never mixes kinds.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None and str(v))
    return ()


def _opt(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _head(path: Path) -> tuple[str, str] | None:
    """The front matter's text and what follows it in the first block read."""
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
    return None if end is None else (text[4 : end.start()], text[end.end() :])


# A body that opens with a picture (and its caption line), as the Markdown
# converter writes it: that picture leads the article when the page named none.
_OPENING_PICTURE = re.compile(
    r"\A\s*!\[([^\]\n]*)\]\((https://[^)\s]+)\)[ \t]*\n(?:\*([^\n]+)\*[ \t]*\n)?"
)


def _opening_picture(body: str) -> tuple[str, str | None] | None:
    found = _OPENING_PICTURE.match(body)
    if found is None:
        return None
    caption = found[3] or found[1]
    return found[2], (caption.replace("\\", "") or None) if caption else None


def read_record(path: Path, rel: str) -> Record | None:
    """The record of one article file, or None when it is not an article."""
    try:
        parts = _head(path)
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("%s: skipped: %s", path, exc)
        return None
    # Checked, not skipped: MkDocs renders the file anyway, and a value the
    # templates cannot use (tags: 5, an alias bomb) must stop the build here,
    # with the file and line, rather than inside a template.
    data = read_front_matter(parts[0], str(path)) if parts is not None else None
    if not isinstance(data, dict) or not data.get("title") or not data.get("url"):
        log.warning("%s: skipped: front matter lacks 'title' or 'url'", path)
        return None
    when = parse_datetime(data.get("published")) or parse_datetime(data.get("fetched"))
    try:
        publish = Publish(str(data.get("publish", "full")))
    except ValueError:
        publish = Publish.FULL
    publisher = None if data.get("publisher") is None else str(data["publisher"])
    url = str(data["url"])
    raw = str(data.get("source") or "")
    raw_sources = _strs(data.get("sources"))
    source = source_label(raw, publisher, url)
    sources = tuple(source_label(s, publisher, url) for s in raw_sources)
    # Pictures are hot-linked from the publisher: https only (no mixed content),
    # and none for a source that allows an excerpt only (its page's picture is
    # part of what may not be republished).
    image = https_url(_opt(data.get("image")))
    caption = _opt(data.get("image_caption"))
    if image is None and parts is not None and (opening := _opening_picture(parts[1])):
        image, caption = opening
    if publish is Publish.EXCERPT:
        image = None
    return Record(
        rel=rel,
        title=str(data["title"]),
        url=url,
        source=source,
        when=_aware(when or datetime.fromtimestamp(path.stat().st_mtime, UTC)),
        summary=str(data.get("summary") or ""),
        tags=_strs(data.get("tags")),
        sources=tuple(dict.fromkeys(sources)) or ((source,) if source else ()),
        canonical_url=str(data.get("canonical_url") or data["url"]),
        author=None if data.get("author") is None else str(data["author"]),
        language=None if data.get("language") is None else str(data["language"]),
        publish=publish,
        publisher=publisher,
        image=image,
        image_caption=caption if image else None,
        relabelled=source != raw or sources != raw_sources,
        holds_text=publish is Publish.EXCERPT and not data.get(FULL_TEXT),
    )


def iter_records(archive: Archive) -> Iterator[Record]:
    """Every readable article's record, streaming over the archive."""
    for path in archive.iter_paths():
        record = read_record(path, archive.relative(path))
        if record is not None:
            yield record
