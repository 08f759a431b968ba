"""Content fingerprints (64-bit SimHash) for finding syndicated copies of a story.

The same wire story reaches a digest under different URLs with different
boilerplate around it; URL dedup cannot see that, a fingerprint of the body
can. SimHash over shingles maps near-identical texts to fingerprints a few
bits apart (Manku et al., 2007: 3 bits of 64 for web near-duplicates).

CJK text has no spaces between words, so Han/kana/hangul runs are shingled as
character bigrams; other text as word trigrams.

Fingerprints are stored as *signed* 64-bit integers because that is what
SQLite's INTEGER holds.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = ["FingerprintIndex", "Match", "hamming", "shingles", "simhash"]

BITS = 64
THRESHOLD = 3  # bits that may differ between two copies of one story
MIN_SHINGLES = 40  # shorter bodies say too little to be called copies of each other
_MASK = (1 << BITS) - 1
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
_BANDS = 4  # THRESHOLD < _BANDS, so two matches share at least one whole band
_BAND_BITS = BITS // _BANDS


def shingles(text: str) -> Iterator[str]:
    """Word trigrams for spaced scripts, character bigrams inside CJK runs."""
    text = unicodedata.normalize("NFKC", text).casefold()
    words: list[str] = []
    for token in _TOKEN.findall(text):
        if _IS_CJK.match(token):
            if len(token) == 1:
                yield token
            for i in range(len(token) - 1):
                yield token[i:i + 2]
        else:
            words.append(token)
    for i in range(max(len(words) - 2, 0)):
        yield " ".join(words[i:i + 3])
    if 0 < len(words) < 3:
        yield " ".join(words)


def _signed(value: int) -> int:
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def simhash(text: str, *, min_shingles: int = MIN_SHINGLES) -> int | None:
    """The SimHash of a body, or None when it is too short to fingerprint."""
    digests = [hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles(text)]
    n = len(digests)
    if n < min_shingles:
        return None
    # Count set bits per position byte-column-wise: Counter over a bytes slice
    # runs in C, which keeps this ~50x faster than a per-shingle, per-bit loop.
    buf = b"".join(digests)
    value = 0
    for column in range(8):
        counts = Counter(buf[column::8])
        for bit in range(8):
            ones = sum(c for byte, c in counts.items() if byte >> bit & 1)
            if 2 * ones > n:
                value |= 1 << ((7 - column) * 8 + bit)
    return _signed(value)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two (signed or unsigned) fingerprints."""
    return ((a & _MASK) ^ (b & _MASK)).bit_count()


@dataclass(frozen=True)
class Match:
    canonical_url: str
    path: str  # relative to content_dir, as the state database holds it
    distance: int


@dataclass
class FingerprintIndex:
    """Near-duplicate lookup over many fingerprints without comparing against all.

    Each fingerprint is filed under its four 16-bit bands; with at most 3
    differing bits two near-duplicates share a band, so only that bucket is
    compared (pigeonhole), which keeps a lookup cheap for 50,000 articles.
    """

    threshold: int = THRESHOLD
    _buckets: dict[tuple[int, int], list[tuple[int, str, str]]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, int]]) -> FingerprintIndex:
        """Build from StateDB.fingerprints() rows (canonical_url, path, fingerprint)."""
        index = cls()
        for url, path, fp in rows:
            index.add(fp, url, path)
        return index

    @staticmethod
    def _bands(fp: int) -> Iterator[tuple[int, int]]:
        value = fp & _MASK
        for band in range(_BANDS):
            yield band, (value >> (band * _BAND_BITS)) & ((1 << _BAND_BITS) - 1)

    def add(self, fp: int, canonical_url: str, path: str) -> None:
        for key in self._bands(fp):
            self._buckets.setdefault(key, []).append((fp, canonical_url, path))

    def find(self, fp: int) -> Match | None:
        """The closest stored fingerprint within the threshold, if any."""
        best: Match | None = None
        for key in self._bands(fp):
            for other, url, path in self._buckets.get(key, ()):
                distance = hamming(fp, other)
                if distance <= self.threshold and (best is None or distance < best.distance):
                    best = Match(url, path, distance)
        return best
