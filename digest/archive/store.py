"""The archive: ``content/articles/YYYY/MM/DD/<slug>.md`` plus the state database.

An article whose source allows an excerpt only (``publish: excerpt``) keeps
its body apart, in ``fulltext/articles/YYYY/MM/DD/<slug>.md`` beside
``content/`` (:func:`fulltext_dir`): its page in ``content/``, the folder
every site builder reads, holds the front matter, the summary and the link,
and names the full-text file (``full_text:``). Reading an article through
the :class:`Archive` gives the whole body either way.

The Markdown files are the source of truth. The SQLite state database beside
the content (URLs seen, content fingerprints, HTTP validators) is a cache of
them and is rebuilt from ``content/`` when it is missing or corrupt: from the
files (each keeps its body's fingerprint in its front matter) and from the
ledger beside them (:mod:`digest.archive.ledger`: stories deleted by hand,
URLs merged as copies). Every write is atomic (:mod:`digest.archive.files`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from digest.archive.files import TMP_PREFIX, atomic_write
from digest.archive.fingerprint import closest, simhash
from digest.archive.frontmatter import dump_article, load_page
from digest.archive.ledger import LEDGER_NAME, Ledger
from digest.archive.state import StateDB
from digest.errors import StoreError
from digest.fetch.urls import url_keys
from digest.model import Article, Publish

__all__ = [
    "Archive",
    "Placement",
    "StateDB",
    "StoredArticle",
    "fulltext_dir",
    "read_article",
    "slugify",
]

log = logging.getLogger(__name__)

# Where the state database files a story deleted by hand: a path under a
# folder that never exists, so no new article can take the old file name
# and inherit the deleted story's URLs.
_DELETED = ".deleted-by-hand/"

_MAX_SLUG = 80


def _words_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = ""
    for word in re.findall(r"[a-z0-9]+", ascii_text.lower()):
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > _MAX_SLUG:
            break
        slug = candidate
    return slug


def slugify(title: str, fallback: str) -> str:
    """A safe, stable file name stem: ASCII words joined by '-', at most 80 chars.

    Titles without Latin letters (e.g. Chinese) take the words of the URL's
    last path segment, plus a short hash of ``fallback`` (the canonical URL)
    so that the name stays stable and distinct across runs.
    """
    slug = _words_slug(title)
    if len(slug) >= 3:
        return slug
    digest = hashlib.sha1(fallback.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    path = urlsplit(fallback).path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    from_url = _words_slug(path)[: _MAX_SLUG - 9]
    if len(from_url) >= 3 and not from_url.isdigit():
        return f"{from_url}-{digest}"
    return f"article-{digest}"


def fulltext_dir(content_dir: Path) -> Path:
    """Where excerpt-only articles keep their bodies: ``fulltext/`` beside ``content/``.

    Outside the docs folder, so that no builder (MkDocs and any plugin,
    Zensical) ever reads it; in the repository, so that the scheduled
    workflow commits it with the articles (the state database is a cache).
    """
    name = "fulltext" if content_dir.name != "fulltext" else "fulltext-apart"
    return content_dir.parent / name


def _read_page(path: Path) -> tuple[Article, str | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: cannot be read: {exc}") from None
    try:
        return load_page(text, str(path))
    except StoreError as exc:
        message = str(exc)
        raise StoreError(message if message.startswith(str(path)) else f"{path}: {message}") \
            from None


def read_article(path: Path) -> Article:
    """One article file as it is (an excerpt-only page: without its full text).

    StoreError names the file (and line) and what is wrong with it. The
    whole article, body included, is :meth:`Archive.read`'s.
    """
    return _read_page(path)[0]


@dataclass(frozen=True)
class StoredArticle:
    path: Path
    article: Article


@dataclass(frozen=True)
class Placement:
    """Where an incoming article goes, as :meth:`Archive.place` decides.

    ``write`` is None when the story is stored already (its source was merged
    into the stored copy, or the user deleted it by hand): nothing to write.
    Otherwise ``write`` goes to ``path`` (a new file, or the stored one on
    ``--refresh``), then :meth:`Archive.commit` records it under ``canonical``.
    """

    path: Path
    write: Article | None
    canonical: str = ""
    refreshed: bool = False  # ``write`` replaces the stored copy's body

    @property
    def created(self) -> bool:
        """A new story: a new file."""
        return self.write is not None and not self.refreshed


class Archive:
    """The article files under ``content_dir/articles`` and their state database."""

    def __init__(self, content_dir: Path, state_path: Path) -> None:
        self.content_dir = content_dir
        self.articles_dir = content_dir / "articles"
        self.state_path = state_path
        # Temporary files of article writes; see atomic_write.
        self.staging_dir = state_path.parent / "staging"
        self.ledger = Ledger(content_dir / LEDGER_NAME)
        self.fulltext_dir = fulltext_dir(content_dir)
        self._state: StateDB | None = None

    # -- state database, rebuilt from the files when missing or broken --
    @property
    def state(self) -> StateDB:
        if self._state is None:
            self._state = self._open_state()
        return self._state

    def _open_state(self) -> StateDB:
        try:
            db = StateDB(self.state_path)
        except sqlite3.DatabaseError as exc:
            log.warning("state database %s is unreadable (%s); rebuilding it from %s",
                        self.state_path, exc, self.articles_dir)
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{self.state_path}{suffix}").unlink()
            db = StateDB(self.state_path)
            db.fresh = True
        if db.fresh and (self.articles_dir.exists() or self.ledger.path.exists()):
            self._reindex(db)
        elif not db.fresh:
            self._note_deletions(db)
        return db

    def _note_deletions(self, db: StateDB) -> None:
        """Ledger every recorded story whose file is gone (deleted by hand since)."""
        for canonical, rel in db.rows():
            if rel.startswith(_DELETED) or (self.content_dir / rel).exists():
                continue
            self.ledger.deleted(canonical, rel, db.aliases(canonical))
            db.move(canonical, _DELETED + rel)

    def _reindex(self, db: StateDB, publish: Mapping[str, Publish] | None = None) -> int:
        db.clear_articles()
        count = 0
        kept: set[Path] | None = set()  # the full-text files pages name; None: unknown
        for path in self.iter_paths():
            try:
                a, settled = self._load(path)
            except StoreError as exc:
                # A file broken by hand is still the story's file: keep its URLs
                # (read loosely), or the next run would store the story again.
                loose = _loose_urls(path)
                log.warning("%s; indexed by its URLs only", exc)
                if loose:
                    db.record(loose[0], self.relative(path), tuple(loose))
                kept = None  # which full text it names is unknown: sweep nothing
                continue
            try:
                a = self._settle(path, a, settled, publish)
            except StoreError as exc:  # a full disk, say: the files stay as they were
                log.warning("%s; left as it is", exc)
                kept = None
            if kept is not None:  # settled: an excerpt-only page names this file
                kept.add(self.fulltext_path(path))
            keys = (*url_keys(a.canonical_url), *url_keys(a.url))
            db.record(a.canonical_url, self.relative(path), keys,
                      a.fingerprint if a.fingerprint is not None else _fingerprint(a.body))
            count += 1
        ledger = self.ledger.read()
        for canonical, (rel, urls) in ledger.deleted.items():
            if db.lookup(canonical) is None:  # restored by hand: the file wins
                db.record(canonical, _DELETED + rel, urls)
        for url, canonical in ledger.merged.items():
            stored_at = db.lookup(canonical)
            if stored_at is not None and db.lookup(url) is None:
                db.record(canonical, stored_at, (url,))
        log.info("indexed %d stored articles (%d deleted by hand, %d merged URLs in the "
                 "ledger)", count, len(ledger.deleted), len(ledger.merged))
        if kept is not None:
            self._sweep_fulltext(kept)
        return count

    def reindex(self, publish: Mapping[str, Publish] | None = None) -> int:
        """Rebuild the article part of the state database from content/.

        Every article is stored the way its ``publish`` asks (:meth:`migrate`):
        ``publish`` maps source names to the configured setting, which then
        replaces the stored one of their articles. Full-text files that no
        page names any more (their page was deleted) are removed.
        """
        return self._reindex(self.state, publish)

    def _sweep_fulltext(self, kept: set[Path]) -> int:
        """Remove the full-text files that no page names (deleted by hand)."""
        root = self.fulltext_dir / "articles"
        removed = _unlink_all(
            Path(dirpath) / name
            for dirpath, _dirs, filenames in os.walk(root)
            for name in filenames
            if name.endswith(".md") and Path(dirpath) / name not in kept
        )
        if removed:
            log.info("removed %d full-text file(s) whose page was deleted", removed)
        return removed

    def sweep_staging(self) -> int:
        """Remove temporary files left by a killed run; call with the lock held."""
        removed = _unlink_all(self.staging_dir.glob(f"{TMP_PREFIX}*"))
        if removed:
            log.info("removed %d temporary file(s) left by an interrupted run", removed)
        return removed

    def close(self) -> None:
        if self._state is not None:
            self._state.close()
            self._state = None

    def relative(self, path: Path) -> str:
        return path.relative_to(self.content_dir).as_posix()

    # -- reading --
    def iter_paths(self) -> Iterator[Path]:
        if not self.articles_dir.exists():
            return
        for dirpath, dirnames, filenames in os.walk(self.articles_dir):
            dirnames.sort(reverse=True)
            for name in sorted(filenames, reverse=True):
                if name.endswith(".md") and not name.startswith(TMP_PREFIX):
                    yield Path(dirpath) / name

    def iter_articles(self) -> Iterator[StoredArticle]:
        """Every stored article, newest folder first; unreadable ones are skipped with a warning."""
        for path in self.iter_paths():
            try:
                yield StoredArticle(path, self.read(path))
            except StoreError as exc:
                log.warning("%s: skipped: %s", path, exc)

    def fulltext_path(self, path: Path) -> Path:
        """Where the article at ``path`` keeps its full text when it is excerpt-only."""
        return self.fulltext_dir / path.relative_to(self.content_dir)

    def _fulltext_name(self, fulltext: Path) -> str:
        """The ``full_text:`` value naming ``fulltext``: relative to content/'s parent."""
        return fulltext.relative_to(self.content_dir.parent).as_posix()

    def _resolve_fulltext(self, path: Path, named: str) -> Path:
        """The full-text file a page names; StoreError when it points elsewhere."""
        target = self.content_dir.parent / named
        root = self.fulltext_dir.resolve()
        try:
            inside = target.resolve().is_relative_to(root)
        except (OSError, RuntimeError, ValueError):
            inside = False
        if not inside or not named.endswith(".md") or Path(named).is_absolute():
            raise StoreError(f"{path}: full_text: {named!r} is not a file in {self.fulltext_dir}")
        return target

    def _load(self, path: Path) -> tuple[Article, bool]:
        """(the whole article, whether its page is stored the way its ``publish`` asks)."""
        article, named = _read_page(path)
        fulltext = self._resolve_fulltext(path, named) if named is not None \
            else self.fulltext_path(path)
        if named is None and (article.publish is not Publish.EXCERPT or not fulltext.exists()):
            # The body is in the page: a full article, or an excerpt-only one
            # stored before bodies were kept apart.
            return article, article.publish is not Publish.EXCERPT
        # The page names its full text, or an interrupted write stored the
        # full text but not yet the page: the file holds the body.
        try:
            body = fulltext.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise StoreError(f"{path}: its full text {fulltext} is missing (is "
                             f"{self.fulltext_dir.name}/ committed with the articles?)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"{fulltext}: cannot be read: {exc}") from None
        article = replace(article, body=body.strip("\n"))
        settled = named is not None and article.publish is Publish.EXCERPT \
            and fulltext == self.fulltext_path(path)
        return article, settled

    def read(self, path: Path) -> Article:
        """The stored article with its whole body (an excerpt-only one's from its file)."""
        return self._load(path)[0]

    def migrate(self, path: Path, publish: Mapping[str, Publish] | None = None) -> Article:
        """Read an article and store it again if it is not stored as its ``publish`` asks.

        An excerpt-only page still holding its body gets it moved to its
        full-text file; a full one gets its body back. ``publish`` (source
        names to the configured setting) changes the setting of the articles
        of a source that was switched. Returns the (whole) article.
        """
        article, settled = self._load(path)
        return self._settle(path, article, settled, publish)

    def _settle(self, path: Path, article: Article, settled: bool,
                publish: Mapping[str, Publish] | None) -> Article:
        wanted = publish.get(article.source) if publish and article.source else None
        if wanted is not None and wanted is not article.publish:
            log.info("%s: publish: %s (the source's setting)", path, wanted.value)
            article, settled = replace(article, publish=wanted), False
        if not settled:
            self.write(path, article)
        return article

    def find(self, *urls: str) -> Path | None:
        """The file of an article stored under any of these URLs.

        The path is returned even when the user has deleted the file: a story
        deleted by hand stays deleted and is not fetched again.
        """
        for url in urls:
            if url:
                rel = self.state.lookup(url)
                if rel is not None:
                    return self.content_dir / rel
        return None

    # -- writing --
    def path_for(self, article: Article) -> Path:
        day = article.date
        folder = self.articles_dir / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}"
        stem = slugify(article.title, article.canonical_url)
        candidate = folder / f"{stem}.md"
        n = 2
        while candidate.exists():
            try:  # the page alone names the story (an excerpt-only one's text is apart)
                if read_article(candidate).canonical_url == article.canonical_url:
                    return candidate
            except StoreError:
                pass
            candidate = folder / f"{stem}-{n}.md"
            n += 1
        return candidate

    def write(self, path: Path, article: Article) -> None:
        """Write an article's file(s); an excerpt-only one's full text first.

        The full text goes to its file before the page drops it, so a run
        killed in between leaves the text in the page, in the file, or both
        (:meth:`read` then takes the file's); never in neither. A full article
        gets its body back in its page, and only then loses the file.
        """
        excerpt = article.publish is Publish.EXCERPT
        fulltext = self.fulltext_path(path)
        target = fulltext
        try:
            if excerpt:
                atomic_write(fulltext, article.body.strip("\n") + "\n", staging=self.staging_dir)
            target = path
            atomic_write(path, dump_article(article, self._fulltext_name(fulltext) if excerpt
                                            else None), staging=self.staging_dir)
        except OSError as exc:
            raise StoreError(f"{target}: cannot be written: {exc.strerror or exc}") from None
        if not excerpt:  # a file left behind is outside content/: harmless
            with contextlib.suppress(OSError):
                fulltext.unlink()

    def place(self, article: Article, keys: tuple[str, ...] = (), *,
              fingerprint: int | None = None, refresh: bool = False) -> Placement:
        """Decide where an incoming article goes; the one dedup path of every run.

        A story already stored under one of its URL keys, or whose body is
        within the near-duplicate threshold of a stored one, gets this
        source merged into the stored copy (with ``refresh``, its new body
        replaces the stored one, keeping every source and the manual tags).
        A story deleted by hand stays deleted. Anything else gets a new file.
        """
        path = self.find(*keys, article.canonical_url, article.url)
        if path is None and fingerprint is not None:
            match = closest(fingerprint, self.state.similar(fingerprint))
            if match is not None and (self.content_dir / match.path).exists():
                log.info("%s: near-duplicate of %s", article.url, match.canonical_url)
                path = self.content_dir / match.path
        aliases = tuple(dict.fromkeys((article.url, article.canonical_url, *keys)))
        if path is not None and not path.exists():
            log.info("%s: deleted by hand; not storing it again", article.canonical_url)
            return Placement(path, None)
        if path is not None and not refresh:
            self.merge_into(path, article.source, aliases, publish=article.publish)
            return Placement(path, None)
        if path is not None:  # --refresh: the new body, every source kept
            stored = self.read(path)
            sources = tuple(dict.fromkeys((*stored.sources, *article.sources)))
            manual = tuple(t for t in stored.manual_tags if t not in article.tags)
            fresh = replace(article, sources=sources, manual_tags=stored.manual_tags,
                            tags=(*article.tags, *manual), fingerprint=fingerprint)
            return Placement(path, fresh, stored.canonical_url, refreshed=True)
        if not article.sources:
            article = replace(article, sources=(article.source,))
        article = replace(article, fingerprint=fingerprint)
        return Placement(self.path_for(article), article, article.canonical_url)

    def commit(self, placement: Placement, keys: tuple[str, ...] = (),
               fingerprint: int | None = None) -> None:
        """Record a written placement in the state database (after the file is on disk)."""
        article = placement.write
        assert article is not None, "nothing was written"
        self.state.record(placement.canonical, self.relative(placement.path),
                          tuple(dict.fromkeys((article.url, *keys))), fingerprint)

    def save(self, article: Article, keys: tuple[str, ...] = (), *,
             fingerprint: int | None = None) -> Placement:
        """Store one article: :meth:`place`, write, :meth:`commit`.

        The pipeline runs the same three steps, with the write on a thread of
        its own; this is that path in one call, for ``digest add`` of a single
        article and for tests.
        """
        placement = self.place(article, keys, fingerprint=fingerprint)
        if placement.write is not None:
            self.write(placement.path, placement.write)
            self.commit(placement, keys, fingerprint)
        return placement

    def merge_into(self, path: Path, source: str, aliases: tuple[str, ...], *,
                   publish: Publish | None = None) -> None:
        """Record that ``source`` also carried the story stored at ``path``.

        ``publish``, the source's setting, replaces the stored one when the
        story is that source's own (it stored it first): a source switched to
        ``excerpt`` or back has its stories stored again to match.
        """
        if not path.exists():
            return
        try:
            stored = self.read(path)
        except StoreError as exc:  # edited by hand into something unreadable: leave it be
            log.warning("%s; %s not added to its sources", exc, source)
            return
        merged = merge_sources(stored, source)
        if publish is not None and stored.source == source and merged.publish is not publish:
            merged = replace(merged, publish=publish)
        if merged != stored:
            self.write(path, merged)
        new = self.state.record(stored.canonical_url, self.relative(path), aliases)
        # What a rebuild would not find again: URLs beyond the story's own spellings.
        own = {*url_keys(stored.canonical_url), *url_keys(stored.url)}
        self.ledger.merged([url for url in new if url not in own], stored.canonical_url)


def merge_sources(article: Article, source: str) -> Article:
    sources = article.sources or (article.source,)
    if source and source not in sources:
        return replace(article, sources=(*sources, source))
    return article


def _fingerprint(body: str) -> int | None:
    """The fingerprint of a stored body, for files written before they kept one."""
    from digest.extract.markdown import markdown_to_text

    return simhash(markdown_to_text(body))


_URL_LINE = re.compile(r"^(canonical_url|url):[ \t]*['\"]?(https?://[^'\"\s]+)", re.M)


def _loose_urls(path: Path) -> list[str]:
    """The canonical URL and URL of an article file whose front matter does not load."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:65536]
    except OSError:
        return []
    found = dict(_URL_LINE.findall(head))
    return [u for u in (found.get("canonical_url"), found.get("url")) if u]


def _unlink_all(paths: Iterable[Path]) -> int:
    """Remove these files, those that can be; how many went."""
    removed = 0
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed
