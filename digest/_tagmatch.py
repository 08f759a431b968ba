"""The compiled form of a taxonomy: finds every tag's phrases in one pass per text.

Matching is token based rather than one big regex: CPython's ``re`` tries
every alternative at every character, which for a few hundred phrases costs
milliseconds per article, while splitting the text into words once and looking
each word up in a dict costs a fraction of that. Chinese (and other CJK)
phrases have no word boundaries, so they are found with one literal-only
regex that runs only on texts holding CJK characters.

Each tag has channels: one for its score and one per required group. Within
a channel the longest phrase at a position wins and matches do not overlap,
which is how an ignored phrase ("feed-in tariff") hides a shorter one
("tariff") inside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import compress
from itertools import count as _positions
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digest.tagging import TagDef

__all__ = ["Matcher", "Scan"]

# Latin, Greek and Cyrillic words; CJK characters are left out on purpose
# (they have no spaces between words and are matched as substrings instead).
_WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+")


def _separator(byte: int) -> bool:
    """Whether a UTF-8 byte is (or leads a character that is) outside _WORD."""
    if byte < 0x80:
        return not chr(byte).isalnum()
    # Lead bytes of 2-byte characters outside U+00C0-U+04FF, and of all longer
    # ones; C9 and CD lead both word and non-word characters (see _words).
    return byte == 0xC2 or 0xCA <= byte <= 0xCC or 0xD4 <= byte <= 0xDF or byte >= 0xE0


# Byte tables for _words: separators become spaces (and, in _LOWER, A-Z a-z).
_KEEP = bytes(32 if _separator(i) else i for i in range(256))
_LOWER = bytes(32 if _separator(i) else i + 32 if 65 <= i <= 90 else i for i in range(256))
# Every byte but the lead bytes of the CJK ranges: texts without one skip _CJK.
_NOT_CJK_LEAD = bytes(i for i in range(256) if not (0xE3 <= i <= 0xED or i == 0xEF))
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_REGIONS = ("title", "lead", "body")
Counter = dict["_Entry", int]  # phrase entry -> number of matches in one region
_Counts = tuple[Counter, Counter, Counter]
_LEAD_MIN, _LEAD_MAX = 100, 300  # the lead: the first paragraph, within these bounds
_REPEAT = 0.5  # n matches of one phrase in one place count as n ** _REPEAT


# eq=False: entries are counted in dicts by identity, which hashes fastest.
@dataclass(frozen=True, slots=True, eq=False)
class _Entry:
    """One phrase compiled for one channel (a tag's score or one of its groups)."""

    channel: int
    label: str
    weight: float  # 0 for an ignored phrase: it consumes text and counts nothing
    tail: list[str] = field(default_factory=list)  # lower-case words after the first
    star: bool = False  # the last word is a prefix
    case: list[str] | None = None  # exact-case words, for acronyms like US or AI
    size: int = 1


@dataclass
class Scan:
    """Raw figures of one article against every tag (internal to this module)."""

    scores: list[float]
    group_counts: list[list[int]]
    hits: list[list[tuple[str, str, int, float]]]
    group_hits: list[list[list[tuple[str, str, int, float]]]]
    words: float = 0.0


class Matcher:
    """A taxonomy compiled for fast scanning; built once and cached on the Taxonomy."""

    def __init__(self, tags: tuple[TagDef, ...]) -> None:
        self.tags = tags
        self.owner: list[tuple[int, int]] = []  # channel -> (tag index, group index or -1)
        self.mult: list[tuple[float, float, float]] = []  # channel -> title/lead/body factor
        self.first: dict[str, list[_Entry]] = {}
        self.prefixes: list[tuple[str, _Entry]] = []
        self.literal: dict[str, list[_Entry]] = {}  # lower-case CJK phrases
        self.regexes: list[tuple[re.Pattern[str], _Entry]] = []
        self.cache: dict[str, tuple[_Entry, ...]] = {}
        self.active: set[str] = set()  # words that start at least one phrase
        # Words that start only phrases of several words -> those phrases'
        # anchors (each one's longest whole word): without one, none can match.
        self.anchored: dict[str, frozenset[str]] = {}
        self.anchors: dict[int, str] = {}  # id of a multi-word entry -> its anchor
        for ti, tag in enumerate(tags):
            w = tag.where
            lists = [(-1, [(p.text, p.weight) for p in tag.phrases])]
            lists += [(gi, [(p, 1.0) for p in g.phrases]) for gi, g in enumerate(tag.require)]
            for gi, phrases in lists:
                channel = len(self.owner)
                self.owner.append((ti, gi))
                self.mult.append((w.title, w.lead, w.body))
                for text, weight in phrases + [(x, 0.0) for x in tag.ignore]:
                    self._add(channel, text, weight)
        # Longest literal first, so the regex reports the longest phrase at each start.
        alternatives = sorted(self.literal, key=len, reverse=True)
        # A plain alternation of literals lets re skip ahead by first character;
        # overlapping phrases are found by _literal_matches.
        self.literal_re = (
            re.compile("|".join(map(re.escape, alternatives)), re.IGNORECASE)
            if alternatives else None
        )
        # Each literal also stands for every shorter listed literal it starts with.
        self.literal_at = {
            lit: sorted((e for other in alternatives if lit.startswith(other)
                         for e in self.literal[other]), key=lambda e: (e.channel, -e.size))
            for lit in alternatives
        }

    def _add(self, channel: int, text: str, weight: float) -> None:
        text = text.strip()
        if text.startswith("re:"):
            entry = _Entry(channel, text, weight)
            self.regexes.append((re.compile(text[3:].strip(), re.IGNORECASE), entry))
            return
        star = text.endswith("*")
        core = text.rstrip("*").strip()
        words = _WORD.findall(core)
        if _CJK.search(core) or not words or sum(map(len, words)) < sum(
            c.isalnum() for c in core
        ):
            lit = core.lower()
            entry = _Entry(channel, text, weight, size=len(lit))
            self.literal.setdefault(lit, []).append(entry)
            return
        letters = [c for c in core if c.isalpha()]
        exact = bool(letters) and core == core.upper()
        low = [x.lower() for x in words]
        entry = _Entry(channel, text, weight, low[1:], star,
                       list(words) if exact else None, len(words))
        if len(low) > 1:
            self.anchors[id(entry)] = max(low[:-1] if star else low, key=len)
        if star and len(words) == 1:
            self.prefixes.append((low[0], entry))
        else:
            self.first.setdefault(low[0], []).append(entry)

    def _entries(self, token: str) -> tuple[_Entry, ...]:
        found = list(self.first.get(token, ()))
        found += [e for prefix, e in self.prefixes if token.startswith(prefix)]
        # Per channel, longest phrase first; on a tie an ignored phrase wins,
        # then an exact word over a prefix (tariffs over tariff*).
        result = tuple(sorted(found, key=lambda e: (e.channel, -e.size, e.weight != 0, e.star)))
        if len(self.cache) > 200_000:  # vocabularies are bounded, but stay safe
            self.cache.clear()
            self.active.clear()
            self.anchored.clear()
        # active first: a thread that finds the token cached must find it active.
        if result:
            if all(e.size > 1 for e in result):
                self.anchored[token] = frozenset(self.anchors[id(e)] for e in result)
            self.active.add(token)
        self.cache[token] = result
        return result

    def scan(self, title: str, text: str, *, record: bool) -> Scan:
        n = len(self.tags)
        scan = Scan([0.0] * n, [[0] * len(t.require) for t in self.tags],
                    [[] for _ in range(n)], [[[] for _ in t.require] for t in self.tags])
        counts: _Counts = ({}, {}, {})  # per region: entry -> matches
        if title:
            words = _words(title, lower=True)
            self._scan_words(title, words, len(words), counts[0], counts[0])
            self._scan_other(title, len(title), counts[0], counts[0])
        if text:
            # The text is split into words once; the lead is a word count.
            end = _lead_end(text)
            words = _words(text, lower=True)
            scan.words = len(words)
            self._scan_words(text, words, len(_words(text[:end], lower=False)), counts[1],
                             counts[2])
            scan.words += self._scan_other(text, end, counts[1], counts[2])
        for ri, region in enumerate(counts):
            name = _REGIONS[ri]
            for e, count in region.items():
                ti, gi = self.owner[e.channel]
                if gi < 0:
                    # Repeats of one phrase count less (n matches give sqrt(n)):
                    # a topic shows in varied words, not in one word said often.
                    points = e.weight * self.mult[e.channel][ri] * (count if count < 2
                                                                    else count**_REPEAT)
                    scan.scores[ti] += points
                    if record and e.weight:
                        scan.hits[ti].append((e.label, name, count, round(points, 2)))
                elif e.weight:
                    scan.group_counts[ti][gi] += count
                    if record:
                        scan.group_hits[ti][gi].append((e.label, name, count, float(count)))
        return scan

    def _scan_words(
        self, source: str, low: list[str], split: int, first: Counter, second: Counter
    ) -> None:
        """Count phrase matches in source's lower-case words; positions before split go
        to first. The words in their original case are split off only when a phrase
        in capitals (US, AI) needs them."""
        orig: list[str] | None = None
        # Set operations run in C: only the few positions whose word starts a
        # phrase take a Python-level step.
        distinct = set(low)
        for token in distinct.difference(self.cache):
            self._entries(token)
        active = distinct & self.active
        anchored = self.anchored
        for token in active & anchored.keys():
            needs = anchored.get(token)
            if needs is not None and needs.isdisjoint(distinct):
                active.discard(token)  # e.g. "to" when "train" (of "to train") is absent
        cache = self.cache
        busy = [0] * len(self.owner)
        # The positions of those words, found in one pass that runs in C.
        for i in compress(_positions(), map(active.__contains__, low)):
            done = -1
            # get(): another thread may have cleared the cache since the check above.
            for e in cache.get(low[i]) or self._entries(low[i]):
                if e.channel == done or busy[e.channel] > i:
                    continue
                if e.tail:
                    if e.star:
                        if not _tail_matches(low, i + 1, e.tail):
                            continue
                    elif low[i + 1 : i + e.size] != e.tail:
                        continue
                if e.case is not None:
                    if orig is None:
                        orig = _words(source, lower=False)
                    if not _case_matches(orig, i, e.case, e.star):
                        continue
                busy[e.channel] = i + e.size
                done = e.channel
                counter = first if i < split else second
                counter[e] = counter.get(e, 0) + 1

    def _scan_other(self, text: str, split: int, first: Counter, second: Counter) -> float:
        """Count CJK and regex phrases; return the CJK share of the word count."""
        words = 0.0
        if (
            not text.isascii()
            and text.encode("utf-8", "surrogatepass").translate(None, _NOT_CJK_LEAD)
            and _CJK.search(text)
        ):
            words = len(_CJK.findall(text)) / 2  # about two characters to a word
            if self.literal_re is not None:
                busy = [0] * len(self.owner)
                for start, found in _literal_matches(self.literal_re, text):
                    done = -1
                    for e in self.literal_at.get(found.lower(), ()):
                        if e.channel == done or busy[e.channel] > start:
                            continue
                        busy[e.channel] = start + e.size
                        done = e.channel
                        counter = first if start < split else second
                        counter[e] = counter.get(e, 0) + 1
        for pattern, e in self.regexes:
            for m in pattern.finditer(text):
                counter = first if m.start() < split else second
                counter[e] = counter.get(e, 0) + 1
        return words


def _words(text: str, *, lower: bool) -> list[str]:
    """The words _WORD finds in text, lower-cased if asked, without running the regex.

    Translating the UTF-8 bytes (separators to spaces) and splitting on spaces
    costs a fraction of ``_WORD.findall``: the bytes of a separator's tail are
    dropped by the "ignore" decoding, as its lead byte became a space. The
    lower-case and the original words of a text line up one to one, as
    lower-casing never makes or removes a space.
    """
    data = text.encode("utf-8", "surrogatepass")
    if data.isascii():
        return data.translate(_LOWER if lower else _KEEP).decode("ascii").split()
    if b"\xc9" in data or b"\xcd" in data:  # rare letters that share a lead byte with
        found = _WORD.findall(text)  # non-letters: let the regex decide
        return "\x00".join(found).lower().split("\x00") if lower and found else found
    spaced = data.translate(_LOWER if lower else _KEEP).decode("utf-8", "ignore")
    return (spaced.lower() if lower and not spaced.isascii() else spaced).split()


def _literal_matches(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, str]]:
    """(start, phrase) for the longest phrase at every position where one starts."""
    for m in pattern.finditer(text):
        yield m.start(), m.group()
        # A phrase may also start inside this match ("中美" inside "美中美"):
        # try the few positions in it; the next finditer match starts after it.
        for pos in range(m.start() + 1, m.end()):
            inner = pattern.match(text, pos)
            if inner:
                yield pos, inner.group()


def _tail_matches(low: list[str], start: int, tail: list[str]) -> bool:
    """The words after a phrase's first match its tail, the last one as a prefix."""
    got = low[start : start + len(tail)]
    if len(got) < len(tail):
        return False
    return got[:-1] == tail[:-1] and got[-1].startswith(tail[-1])


def _case_matches(orig: list[str], start: int, case: list[str], star: bool) -> bool:
    got = orig[start : start + len(case)]
    if star and len(got) == len(case):
        return got[:-1] == case[:-1] and got[-1].startswith(case[-1])
    return got == case


def _lead_end(text: str) -> int:
    if len(text) <= _LEAD_MIN:
        return len(text)
    end = text.find("\n", _LEAD_MIN)
    if 0 <= end <= _LEAD_MAX:
        return end
    space = text.rfind(" ", _LEAD_MIN, _LEAD_MAX)  # never cut a word in two
    return space if space > 0 else min(len(text), _LEAD_MAX)
