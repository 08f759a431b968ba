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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["BANDS", "BAND_BITS", "Match", "band_values", "closest", "hamming",
           "shingles", "simhash"]

BITS = 64
THRESHOLD = 3  # bits that may differ between two copies of one story
MIN_SHINGLES = 40  # shorter bodies say too little to be called copies of each other
_MASK = (1 << BITS) - 1
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
_WORD = re.compile(r"\w+")
BANDS = 4  # THRESHOLD < BANDS, so two matches share at least one whole band
BAND_BITS = BITS // BANDS


def shingles(text: str) -> Iterator[str]:
    """Word trigrams for spaced scripts, character bigrams inside CJK runs."""
    yield from _shingles(text)


def _shingles(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    if _IS_CJK.search(text) is None:  # then _TOKEN's words are \w runs
        words: list[str] = _WORD.findall(text)
        out: list[str] = []
    else:
        words, out = [], []
        for token in _TOKEN.findall(text):
            if _IS_CJK.match(token):
                if len(token) == 1:
                    out.append(token)
                out.extend(token[i:i + 2] for i in range(len(token) - 1))
            else:
                words.append(token)
    if len(words) >= 3:
        out.extend([f"{a} {b} {c}"
                    for a, b, c in zip(words, words[1:], words[2:], strict=False)])
    elif words:
        out.append(" ".join(words))
    return out


def _signed(value: int) -> int:
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def simhash(text: str, *, min_shingles: int = MIN_SHINGLES) -> int | None:
    """The SimHash of a body, or None when it is too short to fingerprint.

    Each shingle's hash is the 8-byte BLAKE2b digest, read big-endian; a bit
    of the result is set when it is set in more than half of the shingles.
    """
    parts = _shingles(text)
    n = len(parts)
    if n < min_shingles:
        return None
    blake2b = hashlib.blake2b
    buf = b"".join([blake2b(s.encode("utf-8"), digest_size=8).digest() for s in parts])
    # Count set bits per position without a per-shingle loop: column c (byte
    # c of every digest) read as one big integer, masked to one bit of every
    # byte, has that bit's count as its popcount.
    masks = [int.from_bytes(bytes((1 << bit,)) * n, "little") for bit in range(8)]
    value = 0
    for column in range(8):
        bits = int.from_bytes(buf[column::8], "little")
        for bit, mask in enumerate(masks):
            if 2 * (bits & mask).bit_count() > n:
                value |= 1 << ((7 - column) * 8 + bit)
    return _signed(value)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two (signed or unsigned) fingerprints."""
    return ((a & _MASK) ^ (b & _MASK)).bit_count()


def band_values(fp: int) -> tuple[int, ...]:
    """The fingerprint's ``BANDS`` bands, lowest bits first, each ``BAND_BITS`` wide.

    With at most ``THRESHOLD`` (< ``BANDS``) differing bits, two near-duplicates
    have at least one band in common (pigeonhole), so a lookup only compares
    the fingerprints that share a band. The state database indexes the same
    bands (:class:`digest.archive.state.StateDB`); a signed fingerprint gives the same
    bands as its unsigned value.
    """
    value = fp & _MASK
    width = (1 << BAND_BITS) - 1
    return tuple((value >> (band * BAND_BITS)) & width for band in range(BANDS))


@dataclass(frozen=True)
class Match:
    canonical_url: str
    path: str  # relative to content_dir, as the state database holds it
    distance: int


def closest(fp: int, candidates: Iterable[tuple[str, str, int]],
            threshold: int = THRESHOLD) -> Match | None:
    """The nearest of ``(canonical_url, path, fingerprint)`` candidates within the threshold.

    Of equally near candidates the first one wins.
    """
    best: Match | None = None
    for url, path, other in candidates:
        distance = hamming(fp, other)
        if distance <= threshold and (best is None or distance < best.distance):
            best = Match(url, path, distance)
    return best
