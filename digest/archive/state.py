"""The state database: a SQLite cache of what the archive holds, and HTTP validators.

Everything it holds about articles can be rebuilt from ``content/`` (the
files, their front matter, and the ledger; see :mod:`digest.archive.ledger`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from digest.archive.fingerprint import BAND_BITS, BANDS, band_values

__all__ = ["StateDB"]


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
               fingerprint: int | None = None) -> list[str]:
        """Record an article's file and URLs; a stored fingerprint is kept unless replaced.

        Merging a source into a stored story records it without a
        fingerprint; that must not make its body invisible to later copies.
        The row keeps its place (rowid), so lookups keep their order.
        Returns the aliases that were not yet known as this story's.
        """
        wanted = [a for a in dict.fromkeys(aliases) if a and a != canonical_url]
        known = {row[0] for row in self.conn.execute(
            f"SELECT url FROM urls WHERE canonical_url = ? AND url IN "
            f"({','.join('?' * len(wanted))})", (canonical_url, *wanted))} if wanted else set()
        with self.conn:
            self.conn.execute(
                "INSERT INTO articles(canonical_url, path, fingerprint) VALUES (?,?,?) "
                "ON CONFLICT(canonical_url) DO UPDATE SET path = excluded.path, "
                "fingerprint = coalesce(excluded.fingerprint, articles.fingerprint)",
                (canonical_url, path, fingerprint))
            self.conn.executemany(
                "INSERT OR REPLACE INTO urls(url, canonical_url) VALUES (?, ?)",
                [(a, canonical_url) for a in wanted])
        return [a for a in wanted if a not in known]

    def rows(self) -> list[tuple[str, str]]:
        """Every recorded (canonical_url, path)."""
        return self.conn.execute("SELECT canonical_url, path FROM articles").fetchall()

    def aliases(self, canonical_url: str) -> list[str]:
        return [row[0] for row in self.conn.execute(
            "SELECT url FROM urls WHERE canonical_url = ? ORDER BY rowid", (canonical_url,))]

    def move(self, canonical_url: str, path: str) -> None:
        with self.conn:
            self.conn.execute("UPDATE articles SET path = ? WHERE canonical_url = ?",
                              (path, canonical_url))

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
