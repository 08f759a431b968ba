"""The search index: one Pagefind bundle per span of articles, built beside MkDocs.

Each article's indexed part (its ``data-pagefind-body`` element, as a page in
the article's language) is written to a scratch folder as soon as MkDocs has
converted it; every ``SHARD_PAGES`` pages, ``pagefind --site`` indexes that
span into a bundle of its own on the other core while MkDocs goes on, one
run at a time. Spans, because Pagefind holds every page's words until it has
written its index, with no setting to bound it; the command line, because it
costs less CPU than ``--service`` (figures: docs/design/site.md).

Chinese, Japanese and Thai need Pagefind's extended build (it segments them);
every other language goes to the standard build, which is cheaper for the same
pages. So each group of languages has its own
spans, and the site's own language's come first: ``site/pagefind/`` is the
first bundle (and holds the loader the search page imports), the others are
``site/pagefind-1/`` on, listed in ``pagefind/digest-bundles.json``; the
search page merges them all (digest.js).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from digest.errors import DigestError
from digest.site.format import index_language

__all__ = [
    "BUNDLES_FILE",
    "END_MARK",
    "FIRST_SPAN_PAGES",
    "SHARD_PAGES",
    "START_MARK",
    "Pagefind",
    "ShardedIndex",
    "bundle_dirs",
    "clear_bundles",
    "find_pagefind",
    "indexed_part",
    "part_language",
]

log = logging.getLogger(__name__)

SHARD_PAGES = 1000
# The first span of each group is smaller, so that Pagefind starts early in
# the build (its time runs beside MkDocs' only once a span is full).
FIRST_SPAN_PAGES = 200
# Pagefind runs at once once MkDocs is done (each holds its span in memory).
_PARALLEL = 2
BUNDLES_FILE = "digest-bundles.json"
START_MARK, END_MARK = "<!--digest-index-->", "<!--/digest-index-->"
_PRIMARY = "pagefind"
# Languages written without spaces between words: Pagefind's extended build
# segments them (its standard build would index a whole sentence as one word).
_SEGMENTED = frozenset({"zh", "ja", "th"})
_SEGMENTED_GROUP, _SPACED_GROUP = "segmented", "spaced"
_ARTICLE_LANG = re.compile(r'<div class="digest-article"[^>]*?\slang="([^"]*)"')


def indexed_part(html: str, lang: str | None = None, *, default: str = "en") -> str:
    """What Pagefind needs of an article page: the part between the markers that
    partials/article.html puts around its data-pagefind-body element (about a
    fifth of the page; the rest is theme), as a page in the article's language.
    The first start marker and the last end marker are the template's own: text
    before the article is escaped, and the article's body lies between them. The
    whole page when they are missing. ``lang`` is the article's language; by
    default read from the article element (else ``default``, the site's)."""
    start, end = html.find(START_MARK), html.rfind(END_MARK)
    if start < 0 or end < start:
        return html
    part = html[start:end]
    if lang is None:
        found = _ARTICLE_LANG.search(part)
        lang = found[1] if found else None
    lang = index_language(lang, default)
    return f'<html lang="{lang}"><head></head><body>{part}</body></html>'


_PART_LANG = re.compile(r'\A<html lang="([a-z]{2,3})">')


def part_language(part: str) -> str:
    """The language indexed_part() gave its page ("en" for a page it left whole)."""
    found = _PART_LANG.match(part)
    return found[1] if found else "en"


@dataclass(frozen=True)
class Pagefind:
    """The Pagefind executables installed: its standard and extended builds."""

    standard: Path | None
    extended: Path | None

    def for_group(self, group: str) -> Path:
        """The build for a group of languages ("segmented" or "spaced")."""
        if group == _SEGMENTED_GROUP:
            found = self.extended or self.standard
        else:
            found = self.standard or self.extended
        assert found is not None
        return found


def find_pagefind() -> Pagefind | None:
    """The installed builds (``pip install 'pagefind[bin,extended]'``), or None."""
    found: dict[str, Path | None] = {}
    for name, module in (("standard", "pagefind_bin"), ("extended", "pagefind_bin_extended")):
        try:
            found[name] = Path(importlib.import_module(module).get_executable())
        except ImportError:
            found[name] = None
    if found["standard"] is None and found["extended"] is None:
        from pagefind.service import get_executable  # a binary found on PATH, or none

        path = get_executable()
        found["extended" if path and "extended" in path.name else "standard"] = path
    if found["standard"] is None and found["extended"] is None:
        return None
    return Pagefind(**found)


def _scratch_root() -> str | None:
    """Memory-backed storage for the pages handed to Pagefind, where there is
    some (Linux): writing them to disk costs the build CPU for nothing.
    A span's pages are removed once it is indexed."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def bundle_dirs(site_dir: Path) -> list[Path]:
    """The bundles of the index in a built site."""
    return sorted(
        path
        for path in site_dir.glob(f"{_PRIMARY}*")
        if path.is_dir() and (path.name == _PRIMARY or path.name[len(_PRIMARY) + 1 :].isdigit())
    )


def clear_bundles(site_dir: Path) -> None:
    """Remove the bundles of an earlier index."""
    for path in bundle_dirs(site_dir):
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class _Span:
    """Pages of one group of languages, waiting for Pagefind or indexed by it."""

    group: str  # _SEGMENTED_GROUP or _SPACED_GROUP
    number: int  # of all spans, in the order they were opened
    folder: Path  # the pages, written as Pagefind reads them
    output: Path  # the bundle, under a scratch name until finish() names it
    pages: int = 0
    run: subprocess.Popen[bytes] | None = field(default=None, repr=False)


class ShardedIndex:
    """Pages in; a bundle written for every ``shard_pages`` pages of a group of languages."""

    def __init__(
        self,
        site_dir: Path,
        pagefind: Pagefind,
        *,
        language: str = "en",
        shard_pages: int | None = None,
    ) -> None:
        self._site_dir = site_dir
        self._pagefind = pagefind
        self._language = language  # the site's: its group's bundles come first
        self._shard_pages = shard_pages or SHARD_PAGES
        self._scratch = Path(tempfile.mkdtemp(prefix="digest-index-", dir=_scratch_root()))
        self._open: dict[str, _Span] = {}  # being filled, by group
        self._queue: list[_Span] = []  # full, waiting for Pagefind or indexed by it
        self._spans: list[_Span] = []
        self._made: set[Path] = set()
        self.pages = 0
        self.bundles: list[str] = []  # the bundles' folder names, once finished

    @staticmethod
    def _group(language: str) -> str:
        return _SEGMENTED_GROUP if language in _SEGMENTED else _SPACED_GROUP

    def add(self, part: str, url: str, language: str | None = None) -> None:
        """Write one page's indexed part; a full span goes to Pagefind."""
        group = self._group(language or part_language(part))
        span = self._open.get(group)
        if span is None:
            number = len(self._spans)
            span = _Span(
                group,
                number,
                self._scratch / f"pages-{number}",
                self._site_dir / f".{_PRIMARY}-scratch-{number}",
            )
            self._spans.append(span)
            self._open[group] = span
        folder = span.folder / url.strip("/")
        if folder.parent not in self._made:  # a day's folder, made once
            folder.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(folder.parent)
        folder.mkdir(exist_ok=True)
        (folder / "index.html").write_text(part, encoding="utf-8")
        span.pages += 1
        self.pages += 1
        first = span is self._first(group)
        limit = min(FIRST_SPAN_PAGES, self._shard_pages) if first else self._shard_pages
        if span.pages >= limit:
            self._seal(group)
        self._advance()

    def _first(self, group: str) -> _Span | None:
        return next((s for s in self._spans if s.group == group), None)

    def seal(self) -> None:
        """Hand every span being filled to Pagefind (every page is in)."""
        for group in list(self._open):
            self._seal(group)
        self._advance()

    def _seal(self, group: str) -> None:
        span = self._open.pop(group)
        self._queue.append(span)

    def _start(self, span: _Span) -> None:
        span.run = subprocess.Popen(
            [
                str(self._pagefind.for_group(span.group)),
                "--site",
                str(span.folder),
                "--output-path",
                str(span.output),
                "--silent",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def _done(self, span: _Span) -> None:
        """Check a finished run and drop its pages."""
        assert span.run is not None
        stderr = span.run.stderr.read().decode("utf-8", "replace") if span.run.stderr else ""
        if span.run.stderr:
            span.run.stderr.close()
        if span.run.returncode != 0:
            code = span.run.returncode
            raise DigestError(f"pagefind failed ({code}): {stderr.strip()[-500:]}")
        shutil.rmtree(span.folder, ignore_errors=True)

    def _advance(self, *, wait: bool = False) -> None:
        """Start the next queued span once the one before is indexed: one run at
        a time beside MkDocs (each holds its pages' words in memory). ``wait``:
        MkDocs is done, so the spans left run ``_PARALLEL`` at a time."""
        while self._queue:
            running = [s for s in self._queue if s.run is not None]
            width = _PARALLEL if wait else 1
            for span in self._queue:
                if len(running) >= width:
                    break
                if span.run is None:
                    self._start(span)
                    running.append(span)
            head = self._queue[0]
            assert head.run is not None
            if wait:
                head.run.wait()
            elif head.run.poll() is None:
                return
            self._queue.pop(0)
            self._done(head)

    def finish(self) -> list[str]:
        """Wait for every span, name the bundles, list them for the search page."""
        try:
            self.seal()
            self._advance(wait=True)
            own = self._group(self._language)
            spans = sorted(
                (s for s in self._spans if s.output.is_dir()),
                key=lambda s: (s.group != own, s.number),
            )
            for number, span in enumerate(spans):
                name = _PRIMARY if number == 0 else f"{_PRIMARY}-{number}"
                shutil.rmtree(self._site_dir / name, ignore_errors=True)
                os.replace(span.output, self._site_dir / name)
                self.bundles.append(name)
            if self.bundles:
                others = [f"../{name}/" for name in self.bundles[1:]]
                manifest = self._site_dir / _PRIMARY / BUNDLES_FILE
                manifest.write_text(json.dumps({"bundles": others}) + "\n", encoding="utf-8")
            if len(self.bundles) > 1:
                log.info("search index: %d pages in %d bundles", self.pages, len(self.bundles))
            return self.bundles
        finally:
            self.close()

    def close(self) -> None:
        """Stop any run and remove the scratch folders (after a failure, or once done)."""
        for span in self._spans:
            if span.run is not None and span.run.poll() is None:
                span.run.kill()
                span.run.wait()
            if span.run is not None and span.run.stderr:
                span.run.stderr.close()
            if span.output.exists() and span.output.parent == self._site_dir:
                shutil.rmtree(span.output, ignore_errors=True)
        self._queue.clear()
        shutil.rmtree(self._scratch, ignore_errors=True)
