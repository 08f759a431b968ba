"""The archive: ``content/articles/YYYY/MM/DD/<slug>.md`` plus the state database.

The Markdown files are the source of truth. The SQLite state database beside
the content (URLs seen, content fingerprints, HTTP validators) is a cache of
them and is rebuilt from ``content/`` when it is missing or corrupt. Every
write is atomic: a temporary file in the same folder, fsync, then rename, so
a killed run leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sqlite3
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from digest.archive.fingerprint import BAND_BITS, BANDS, band_values
from digest.archive.frontmatter import dump_article, load_article
from digest.errors import StoreError
from digest.model import Article

__all__ = [
    "Archive",
    "SaveResult",
    "StateDB",
    "StoredArticle",
    "atomic_open",
    "atomic_write",
    "read_article",
    "slugify",
]

log = logging.getLogger(__name__)

TMP_PREFIX = ".digest-tmp-"
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


@contextlib.contextmanager
def atomic_open(path: Path, *, staging: Path | None = None) -> Iterator[TextIO]:
    """A text file that appears at ``path`` only once it is complete.

    Readers see the old content or the new, never a mix. With ``staging`` (a
    folder on the same filesystem) the temporary file is made there, so a
    process killed mid-write leaves debris in the staging folder, never beside
    the articles; across filesystems it falls back to the target's folder.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
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
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(path: Path, text: str, *, staging: Path | None = None) -> None:
    """Write a whole text atomically (see atomic_open)."""
    with atomic_open(path, staging=staging) as handle:
        handle.write(text)


def read_article(path: Path) -> Article:
    """One article file; StoreError names the file and what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: cannot be read: {exc}") from None
    try:
        return load_article(text)
    except StoreError as exc:
        raise StoreError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class StoredArticle:
    path: Path
    article: Article


@dataclass(frozen=True)
class SaveResult:
    path: Path
    created: bool  # False when an existing article was updated (e.g. a source merged)


# The SQL twin of fingerprint.band_values: one expression per band, the same
# text in the index and in the query (SQLite uses an index on an expression
# only for that expression). ">>" is arithmetic on a signed fingerprint, which
# leaves the masked bits as they are in the unsigned value.
_BAND_SQL = tuple(f"((fingerprint >> {band * BAND_BITS}) & {(1 << BAND_BITS) - 1})"
                  for band in range(BANDS))


class StateDB:
    """SQLite cache of what the archive holds and of HTTP validators.

    Everything dedup needs per article is here, not in memory: URL lookups
    use the primary keys, near-duplicate lookups the fingerprint band
    indexes, so the memory of a run grows neither with the archive nor with
    the feeds it reads.

    The schema only ever gains tables and indexes, each created ``IF NOT
    EXISTS``: a database written by an older version is brought up to date
    when it is opened (the band indexes are built then, once).
    """

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS articles (
        canonical_url TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        fingerprint INTEGER
    );
    CREATE TABLE IF NOT EXISTS urls (
        url TEXT PRIMARY KEY,
        canonical_url TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS http_cache (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT
    );
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
    """ + "".join(
        f"    CREATE INDEX IF NOT EXISTS articles_band{band} ON articles({expr})\n"
        "        WHERE fingerprint IS NOT NULL;\n" for band, expr in enumerate(_BAND_SQL))

    # Rows sharing a band with a fingerprint, band by band and oldest first,
    # so that among equally close copies the choice is the same every run.
    _SIMILAR = "SELECT canonical_url, path, fingerprint FROM (" + " UNION ALL ".join(
        f"SELECT {band} AS band, rowid AS seq, canonical_url, path, fingerprint FROM articles "
        f"WHERE fingerprint IS NOT NULL AND {expr} = ?"
        for band, expr in enumerate(_BAND_SQL)) + ") ORDER BY band, seq"

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fresh = not path.exists() or path.stat().st_size == 0
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(self.SCHEMA)
        self.conn.execute("PRAGMA quick_check").fetchone()

    def close(self) -> None:
        self.conn.close()

    # articles and URLs
    def lookup(self, url: str) -> str | None:
        """The stored article path for a URL (canonical or alias), if any."""
        row = self.conn.execute(
            "SELECT a.path FROM articles a WHERE a.canonical_url = ? UNION ALL "
            "SELECT a.path FROM urls u JOIN articles a ON a.canonical_url = u.canonical_url "
            "WHERE u.url = ? LIMIT 1", (url, url)).fetchone()
        return None if row is None else str(row[0])

    def record(self, canonical_url: str, path: str, aliases: tuple[str, ...] = (),
               fingerprint: int | None = None) -> None:
        """Record an article's file and URLs; a stored fingerprint is kept unless replaced.

        Merging a source into a stored story records it without a
        fingerprint; that must not make its body invisible to later copies.
        The row keeps its place (rowid), so lookups keep their order.
        """
        with self.conn:
            self.conn.execute(
                "INSERT INTO articles(canonical_url, path, fingerprint) VALUES (?,?,?) "
                "ON CONFLICT(canonical_url) DO UPDATE SET path = excluded.path, "
                "fingerprint = coalesce(excluded.fingerprint, articles.fingerprint)",
                (canonical_url, path, fingerprint))
            self.conn.executemany(
                "INSERT OR REPLACE INTO urls(url, canonical_url) VALUES (?, ?)",
                [(a, canonical_url) for a in aliases if a and a != canonical_url])

    def forget(self, canonical_url: str) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM articles WHERE canonical_url = ?", (canonical_url,))
            self.conn.execute("DELETE FROM urls WHERE canonical_url = ?", (canonical_url,))

    def similar(self, fingerprint: int) -> list[tuple[str, str, int]]:
        """Stored (canonical_url, path, fingerprint) rows sharing a band with ``fingerprint``.

        The candidates for :func:`digest.archive.fingerprint.closest`, found through
        the band indexes (a few rows, however big the archive), band by band
        and oldest first.
        """
        return self.conn.execute(self._SIMILAR, band_values(fingerprint)).fetchall()

    def clear_articles(self) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM articles")
            self.conn.execute("DELETE FROM urls")

    # HTTP validators
    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.conn.execute(
            "SELECT etag, last_modified FROM http_cache WHERE url = ?", (url,)).fetchone()
        return (None, None) if row is None else (row[0], row[1])

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO http_cache(url, etag, last_modified) VALUES (?,?,?)",
                (url, etag, last_modified))


class Archive:
    """The article files under ``content_dir/articles`` and their state database."""

    def __init__(self, content_dir: Path, state_path: Path) -> None:
        self.content_dir = content_dir
        self.articles_dir = content_dir / "articles"
        self.state_path = state_path
        # Temporary files of article writes; see atomic_write.
        self.staging_dir = state_path.parent / "staging"
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
        if db.fresh and self.articles_dir.exists():
            self._reindex(db)
        return db

    def _reindex(self, db: StateDB) -> int:
        db.clear_articles()
        count = 0
        for stored in self.iter_articles():
            a = stored.article
            db.record(a.canonical_url, self.relative(stored.path), (a.url,))
            count += 1
        log.info("indexed %d stored articles", count)
        return count

    def reindex(self) -> int:
        """Rebuild the article part of the state database from content/."""
        return self._reindex(self.state)

    def sweep_staging(self) -> int:
        """Remove temporary files left by a killed run; call with the lock held."""
        removed = 0
        if self.staging_dir.is_dir():
            for leftover in self.staging_dir.glob(f"{TMP_PREFIX}*"):
                with contextlib.suppress(OSError):
                    leftover.unlink()
                    removed += 1
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

    def read(self, path: Path) -> Article:
        return read_article(path)

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
            try:
                if self.read(candidate).canonical_url == article.canonical_url:
                    return candidate
            except StoreError:
                pass
            candidate = folder / f"{stem}-{n}.md"
            n += 1
        return candidate

    def write(self, path: Path, article: Article) -> None:
        try:
            atomic_write(path, dump_article(article), staging=self.staging_dir)
        except OSError as exc:
            raise StoreError(f"{path}: cannot be written: {exc.strerror or exc}") from None

    def save(self, article: Article, *, aliases: tuple[str, ...] = (),
             fingerprint: int | None = None) -> SaveResult:
        """Store a new article, or merge its source into the stored copy of the same story."""
        existing = self.find(article.canonical_url, article.url, *aliases)
        if existing is not None and not existing.exists():
            log.info("%s: deleted by hand; not storing it again", existing)
            return SaveResult(existing, created=False)
        if existing is not None:
            stored = self.read(existing)
            merged = merge_sources(stored, article.source)
            if merged != stored:
                self.write(existing, merged)
            self.state.record(stored.canonical_url, self.relative(existing),
                              (article.url, article.canonical_url, *aliases))
            return SaveResult(existing, created=False)
        path = self.path_for(article)
        if not article.sources:
            article = replace(article, sources=(article.source,))
        self.write(path, article)
        self.state.record(article.canonical_url, self.relative(path),
                          (article.url, *aliases), fingerprint)
        return SaveResult(path, created=True)

    def merge_into(self, path: Path, source: str, aliases: tuple[str, ...]) -> None:
        """Record that ``source`` also carried the story stored at ``path``."""
        if not path.exists():
            return
        stored = self.read(path)
        merged = merge_sources(stored, source)
        if merged != stored:
            self.write(path, merged)
        self.state.record(stored.canonical_url, self.relative(path), aliases)


def merge_sources(article: Article, source: str) -> Article:
    sources = article.sources or (article.source,)
    if source and source not in sources:
        return replace(article, sources=(*sources, source))
    return article
