"""The compiled form of a taxonomy: finds every tag's phrases in one pass per text.

Matching is token based rather than one big regex: CPython's ``re`` tries
every alternative at every character, which for a few hundred phrases costs
milliseconds per article, while splitting the text into words once and looking
each word up in a dict costs a fraction of that. Words are looked up as
written (each spelling once, lower-cased to find its phrases), so a phrase in
capitals needs no second pass, and together with the next word, so the
phrases of several words that cannot start there are never tried. Chinese
(and other CJK) phrases have no word boundaries: they are found at the places
where the first two characters of one occur, in texts holding CJK characters
only.

Each tag has channels: one for its score and one per required group. Within
a channel the longest phrase at a position wins and matches do not overlap,
which is how an ignored phrase ("feed-in tariff") hides a shorter one
("tariff") inside it. A group with ``within: paragraph`` also decides where
the tag's phrases count: only in the paragraphs holding one of its phrases
(the title belongs to the first paragraph).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import compress, repeat
from itertools import count as _positions
from typing import Any

from digest.tags import text as _text
from digest.tags.rules import TagDef
from digest.tags.senses import CompiledSense, compile_senses, other_sense

__all__ = ["PARTS", "SPREAD", "Matcher", "Scan"]

_REGIONS = ("title", "lead", "body")
Counter = dict["_Entry", int]  # phrase entry -> number of matches in one region
_Counts = tuple[Counter, Counter, Counter]
Hit = tuple[str, str, int, float]  # phrase, region, matches, points
_REPEAT = 0.5  # n matches of one phrase in one place count as n ** _REPEAT
_YOU = ("you", "You", "YOU", "your", "Your", "YOUR")
SPREAD = 16  # the text is cut into this many parts to see how far a topic runs through it
PARTS = ("title_top", "title_other", "lead_top", "lead_other", "body_top", "body_other",
         "distinct_top", "distinct_other", "negative")


_CACHE_MAX = 50_000  # words remembered (twice as many word pairs)


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
    tag: int = 0  # the channel's owner: tag index, and group index or -1 for the score
    group: int = -1
    points: tuple[float, float, float] = (0.0, 0.0, 0.0)  # weight x title/lead/body factor
    top: bool = False  # a phrase of the tag's highest weight: the topic itself, not context
    unless: tuple[CompiledSense, ...] = ()  # a one-word phrase's checks of its sense


@dataclass
class Scan:
    """Raw figures of one article against every tag (internal to this module)."""

    scores: list[float]
    group_counts: list[list[int]]
    hits: list[list[Hit]]
    group_hits: list[list[list[Hit]]]
    # Matches of a tag's phrases that gave no points: in paragraphs without
    # its paragraph-bound groups.
    outside: list[list[Hit]]
    # Per tag with paragraph-bound groups: (paragraphs where its phrases
    # count, paragraphs of the text); None for the other tags.
    paragraphs: list[tuple[int, int] | None]
    words: float = 0.0
    # Per tag, what the learned layer reads (see digest.tags.learned): the
    # points of top and of other phrases in the title, lead and body, the
    # number of distinct top and other phrases, the points of negative ones,
    # and which of SPREAD equal parts of the text hold a top phrase or any.
    parts: list[list[float]] = field(default_factory=list)
    spread: list[list[int]] = field(default_factory=list)
    # Words that address the reader (you, your): guides and shop pages say
    # them all the time, news reports hardly ever.
    you: int = 0
    # Per tag, with record: matches not counted because a word near them gives
    # them another sense (unless_near): phrase, region, matches, the words near.
    senses: list[list[tuple[str, str, int, str]]] = field(default_factory=list)


class Matcher:
    """A taxonomy compiled for fast scanning; built once and cached on the Taxonomy."""

    def __init__(self, tags: tuple[TagDef, ...]) -> None:
        self.tags = tags
        self.owner: list[tuple[int, int]] = []  # channel -> (tag index, group index or -1)
        self.mult: list[tuple[float, float, float]] = []  # channel -> title/lead/body factor
        # Tag index -> channels of its groups that hold only within a paragraph.
        self.local: dict[int, list[int]] = {}
        self.first: dict[str, list[_Entry]] = {}
        self.prefixes: list[tuple[str, _Entry]] = []
        self.literal: dict[str, list[_Entry]] = {}  # lower-case CJK phrases
        self.regexes: list[tuple[re.Pattern[str], _Entry]] = []
        self.cache: dict[str, tuple[_Entry, ...]] = {}  # word -> the phrases it starts
        # (word, next word) -> the entries of word that can match there (_pair).
        self.pairs: dict[tuple[str, str], tuple[_Entry, ...]] = {}
        # Tag index -> its highest phrase weight: phrases of that weight are its topic.
        self.top = [max((p.weight for p in t.phrases), default=0.0) for t in tags]
        for ti, tag in enumerate(tags):
            w = tag.where
            lists = [(-1, [(p.text, p.weight) for p in tag.phrases])]
            lists += [(gi, [(p, 1.0) for p in g.phrases]) for gi, g in enumerate(tag.require)]
            for gi, phrases in lists:
                channel = len(self.owner)
                self.owner.append((ti, gi))
                self.mult.append((w.title, w.lead, w.body))
                if gi >= 0 and tag.require[gi].within == "paragraph":
                    self.local.setdefault(ti, []).append(channel)
                for text, weight in phrases + [(x, 0.0) for x in tag.ignore]:
                    self._add(channel, text, weight)
        # Every channel (score or group) of a tag with paragraph-bound groups.
        self.local_channels = frozenset(c for c, (ti, _) in enumerate(self.owner)
                                        if ti in self.local)
        # CJK phrases: a character class finds where one may start, the first
        # two characters there rule most places out, and a small regex per first
        # character (ignoring case, longest phrase first) reports the phrase.
        heads: dict[str, list[str]] = {}
        # The first two characters of every phrase (the one of a one-character
        # phrase) in any case: where none starts, no phrase does.
        self.literal_pairs: set[str] = set()
        for lit in sorted(self.literal, key=len, reverse=True):
            first = _case_variants(lit[0])
            for c in first:
                heads.setdefault(c, []).append(lit)
            if len(lit) == 1:
                self.literal_pairs.update(first)
            else:
                self.literal_pairs.update(a + b for a in first for b in _case_variants(lit[1]))
        self.literal_start = (
            re.compile("[" + "".join(map(re.escape, sorted(heads))) + "]") if heads else None
        )
        self.literal_from = {
            c: re.compile("|".join(map(re.escape, lits)), re.IGNORECASE)
            for c, lits in heads.items()
        }
        # Each literal also stands for every shorter listed literal it starts with.
        self.literal_at = {
            lit: sorted((e for other in self.literal if lit.startswith(other)
                         for e in self.literal[other]), key=lambda e: (e.channel, -e.size))
            for lit in self.literal
        }

    def _add(self, channel: int, text: str, weight: float) -> None:
        text = text.strip()
        if text.startswith("re:"):
            entry = _Entry(channel, text, weight, **self._owned(channel, weight))
            self.regexes.append((re.compile(text[3:].strip(), re.IGNORECASE), entry))
            return
        star = text.endswith("*")
        core = text.rstrip("*").strip()
        words = _text.WORD.findall(core)
        if _text.CJK.search(core) or not words or sum(map(len, words)) < sum(
            c.isalnum() for c in core
        ):
            lit = core.lower()
            entry = _Entry(channel, text, weight, size=len(lit), **self._owned(channel, weight))
            self.literal.setdefault(lit, []).append(entry)
            return
        letters = [c for c in core if c.isalpha()]
        exact = bool(letters) and core == core.upper()
        low = [x.lower() for x in words]
        unless = (compile_senses(self.tags[self.owner[channel][0]].unless_near, text)
                  if len(words) == 1 and weight else ())
        entry = _Entry(channel, text, weight, low[1:], star,
                       list(words) if exact else None, len(words), unless=unless,
                       **self._owned(channel, weight))
        if star and len(words) == 1:
            self.prefixes.append((low[0], entry))
        else:
            self.first.setdefault(low[0], []).append(entry)

    def _owned(self, channel: int, weight: float) -> dict[str, Any]:
        tag, group = self.owner[channel]
        points = tuple(weight * factor for factor in self.mult[channel])
        top = group < 0 and weight > 0 and weight >= self.top[tag]
        return {"tag": tag, "group": group, "points": points, "top": top}

    def _entries(self, token: str) -> tuple[_Entry, ...]:
        """The entries of the phrases that start with token (a word as written)."""
        low = token.lower()
        found = list(self.first.get(low, ()))
        found += [e for prefix, e in self.prefixes if low.startswith(prefix)]
        # Per channel, longest phrase first; on a tie an ignored phrase wins,
        # then an exact word over a prefix (tariffs over tariff*).
        result = tuple(sorted(found, key=lambda e: (e.channel, -e.size, e.weight != 0, e.star)))
        # A news vocabulary's common words fit well within this; a run over
        # 100,000 articles full of unique tokens must not grow without bound
        # in every worker process.
        if len(self.cache) > _CACHE_MAX:
            self.cache.clear()
        self.cache[token] = result
        return result

    def _pair(self, token: str, after: str) -> tuple[_Entry, ...]:
        """The entries of token that can match where the next word is after (both
        as written): those whose first two words fit, case included (kept in order)."""
        entries = self.cache.get(token)
        if entries is None:  # a word not seen before
            entries = self._entries(token)
        low = after.lower()
        result = tuple(e for e in entries if _fits(e, token, after, low))
        if len(self.pairs) > 2 * _CACHE_MAX:
            self.pairs.clear()
        self.pairs[token, after] = result
        return result

    def scan(self, title: str, text: str, *, record: bool) -> Scan:
        n = len(self.tags)
        scan = Scan([0.0] * n, [[0] * len(t.require) for t in self.tags],
                    [[] for _ in range(n)], [[[] for _ in t.require] for t in self.tags],
                    [[] for _ in range(n)], [None] * n,
                    parts=[[0.0] * len(PARTS) for _ in range(n)], spread=[[0, 0] for _ in range(n)],
                    senses=[[] for _ in range(n)])
        # With record, the matches a word near them gave another sense:
        # (region, entry, the words near).
        sensed: list[tuple[int, _Entry, str]] | None = [] if record else None
        counts: _Counts = ({}, {}, {})  # per region: entry -> matches
        # The matches of tags with paragraph-bound groups wait in held as
        # (region, word index, entry, part of the text), -1 for the title, and
        # in held_cjk with a character offset, until it is known where those
        # groups occur.
        held: list[tuple[int, int, _Entry, int]] = []
        held_cjk: list[tuple[int, int, _Entry, int]] = []
        local = self.local_channels
        if title:
            in_title = counts[0]
            in_words = self._scan_words(_text.words(title, lower=False), sensed, lambda i: 0)
            for _, e in in_words + self._scan_other(title)[0]:
                if e.channel in local:
                    held.append((0, -1, e, -1))
                else:
                    in_title[e] = in_title.get(e, 0) + 1
        if text:
            # The text is split into words once; the lead is a word count.
            end = _text.lead_end(text)
            split = len(_text.words(text[:end], lower=False))
            words = _text.words(text, lower=False)
            other, cjk_words = self._scan_other(text)
            scan.words = len(words) + cjk_words
            scan.you = sum(map(words.count, _YOU))
            lead, body = counts[1], counts[2]
            spread = scan.spread
            found = self._scan_words(words, sensed, lambda i: 1 if i < split else 2)
            for matches, cut, wait, size in ((found, split, held, len(words)),
                                             (other, end, held_cjk, len(text))):
                for i, e in matches:
                    part = i * SPREAD // size
                    if e.channel in local:
                        wait.append((1 if i < cut else 2, i, e, part))
                        continue
                    if i < cut:
                        lead[e] = lead.get(e, 0) + 1
                    else:
                        body[e] = body.get(e, 0) + 1
                    if e.group < 0:
                        spread[e.tag][not e.top] |= 1 << part
        if local:
            self._place(scan, text, held, held_cjk, counts, record)
        if sensed:
            named: dict[tuple[_Entry, int, str], int] = {}
            for ri, e, near in sensed:
                named[e, ri, near] = named.get((e, ri, near), 0) + 1
            for (e, ri, near), n in named.items():
                scan.senses[e.tag].append((e.label, _REGIONS[ri], n, near))
        scores, group_counts, parts = scan.scores, scan.group_counts, scan.parts
        distinct: set[_Entry] = set()
        for ri, region in enumerate(counts):
            for e, count in region.items():
                if e.group < 0:
                    # Repeats of one phrase count less (n matches give sqrt(n)):
                    # a topic shows in varied words, not in one word said often.
                    points = e.points[ri] * (count if count < 2 else count**_REPEAT)
                    scores[e.tag] += points
                    if points < 0:
                        parts[e.tag][8] -= points
                    else:
                        parts[e.tag][2 * ri + (not e.top)] += points
                        if e not in distinct:
                            distinct.add(e)
                            parts[e.tag][6 + (not e.top)] += 1
                    if record:
                        scan.hits[e.tag].append((e.label, _REGIONS[ri], count, round(points, 2)))
                else:
                    group_counts[e.tag][e.group] += count
                    if record:
                        scan.group_hits[e.tag][e.group].append(
                            (e.label, _REGIONS[ri], count, float(count)))
        return scan

    def _place(
        self, scan: Scan, text: str, held: list[tuple[int, int, _Entry, int]],
        held_cjk: list[tuple[int, int, _Entry, int]], counts: _Counts, record: bool,
    ) -> None:
        """Count the held matches: a tag's phrases only in the paragraphs that hold
        a phrase of each of its paragraph-bound groups (the title goes with the
        first), its groups' phrases anywhere.

        Finding the paragraphs takes a second pass over the text, so without
        record the matches of a tag that could not fire even if all of them
        counted are simply all counted: the verdict is the same.
        """
        every = held + held_cjk
        todo = self.local.keys() if record else [
            ti for ti in self.local if self._may_fire(ti, every, scan.words)]
        allowed: dict[int, set[int]] = {}
        if not todo:
            placed = [(region, 0, e, part) for region, _, e, part in every]
        else:
            starts, spans = _text.paragraph_starts(text)
            placed = [(region, 0 if i < 0 else bisect_right(starts, i) - 1, e, part)
                      for region, i, e, part in held]
            placed += [(region, bisect_right(spans, at) - 1, e, part)
                       for region, at, e, part in held_cjk]
            seen: dict[int, set[int]] = {}  # group channel -> paragraphs where it matched
            for _, para, e, _ in placed:
                if e.group >= 0:
                    seen.setdefault(e.channel, set()).add(para)
            for ti in todo:
                allowed[ti] = set.intersection(*(seen.get(c, set()) for c in self.local[ti]))
                scan.paragraphs[ti] = (len(allowed[ti]), len(starts))
        lost: dict[tuple[_Entry, int], int] = {}
        for region, para, e, part in placed:
            if e.group < 0 and e.tag in allowed and para not in allowed[e.tag]:
                lost[e, region] = lost.get((e, region), 0) + 1
            else:
                counts[region][e] = counts[region].get(e, 0) + 1
                if e.group < 0 and part >= 0:
                    scan.spread[e.tag][not e.top] |= 1 << part
        if record:
            for (e, ri), n in lost.items():
                scan.outside[e.tag].append((e.label, _REGIONS[ri], n, 0.0))

    def _may_fire(self, ti: int, held: list[tuple[int, int, _Entry, int]],
                  words: float) -> bool:
        """Whether tag ti may fire: its groups are met and the points of its
        positive phrases, counted in every paragraph, reach the threshold.
        Counting them in fewer paragraphs never scores more."""
        tag = self.tags[ti]
        found = [0] * len(tag.require)
        hits: dict[tuple[_Entry, int], int] = {}
        for region, _, e, _ in held:
            if e.tag == ti:
                if e.group >= 0:
                    found[e.group] += 1
                elif e.weight > 0:
                    hits[e, region] = hits.get((e, region), 0) + 1
        if any(n < g.min for n, g in zip(found, tag.require, strict=True)):
            return False
        best: float = sum(e.points[ri] * n**_REPEAT for (e, ri), n in hits.items())
        return best > 0 and best >= tag.threshold.needed(words)

    def _scan_words(
        self, words: list[str], other: list[tuple[int, _Entry, str]] | None,
        region: Callable[[int], int],
    ) -> list[tuple[int, _Entry]]:
        """(position, entry) of every phrase match in words (as written).

        A match that a word near it gives another sense (unless_near) counts
        nothing, like an ignored phrase; with other, it is noted there as
        (region(position), entry, the words near).
        """
        pairs = self.pairs
        busy = [0] * len(self.owner)
        found: list[tuple[int, _Entry]] = []
        last = len(words) - 1
        # Only the positions of words that start a phrase take a Python-level
        # step; they are found in one pass that runs in C. A word not seen
        # before (True) is looked up when its position comes (see _pair).
        for i in compress(_positions(), map(self.cache.get, words, repeat(True))):
            done = -1
            key = (words[i], words[i + 1] if i < last else "")
            entries = pairs.get(key)
            if entries is None:  # new, or another thread has just cleared the caches
                entries = self._pair(*key)
            for e in entries:
                if e.channel == done or busy[e.channel] > i:
                    continue
                # The first two words fit already (see _pair): check the others.
                if e.size > 2 and not (_rest_matches(words, i, e.tail, e.star) and (
                        e.case is None or _case_matches(words, i, e.case, e.star))):
                    continue
                busy[e.channel] = i + e.size
                done = e.channel
                if e.unless:
                    near = other_sense(words, i, e.unless)
                    if near is not None:
                        if other is not None:
                            other.append((region(i), e, near))
                        continue
                if e.weight:  # an ignored phrase only hides what it holds
                    found.append((i, e))
        return found

    def _literal_matches(self, text: str) -> Iterator[tuple[int, str]]:
        """(start, phrase) for the longest CJK phrase at every position where one
        starts, overlapping ones included ("中美" inside "美中美")."""
        assert self.literal_start is not None
        pairs, regexes = self.literal_pairs, self.literal_from
        for m in self.literal_start.finditer(text):
            at = m.start()
            if text[at] in pairs or text[at : at + 2] in pairs:
                found = regexes[text[at]].match(text, at)
                if found:
                    yield at, found.group()

    def _scan_other(self, text: str) -> tuple[list[tuple[int, _Entry]], float]:
        """(offset, entry) of CJK and regex phrase matches, and the CJK share of the
        word count."""
        words = 0.0
        found: list[tuple[int, _Entry]] = []
        if (
            not text.isascii()
            and text.encode("utf-8", "surrogatepass").translate(None, _text.NOT_CJK_LEAD)
            and _text.CJK.search(text)
        ):
            words = sum(map(len, _text.CJK_RUN.findall(text))) / 2  # about two characters a word
            if self.literal_start is not None:
                busy = [0] * len(self.owner)
                for start, match in self._literal_matches(text):
                    done = -1
                    for e in self.literal_at.get(match.lower(), ()):
                        if e.channel == done or busy[e.channel] > start:
                            continue
                        busy[e.channel] = start + e.size
                        done = e.channel
                        if e.weight:
                            found.append((start, e))
        for pattern, e in self.regexes:
            if e.weight:
                found += [(m.start(), e) for m in pattern.finditer(text)]
        return found, words


def _case_variants(char: str) -> set[str]:
    """char and the characters that match it when case is ignored, as far as
    str's case mappings tell (K also stands for the Kelvin sign)."""
    found = {char}
    for _ in range(2):
        for c in list(found):
            found.update(v for v in (c.lower(), c.upper(), c.casefold(), c.swapcase())
                         if len(v) == 1)
    return found


def _fits(e: _Entry, word: str, after: str, low_after: str) -> bool:
    """Whether the first two words of e's phrase (or its one word) fit word and
    the word after it, as written and lower-cased."""
    if e.tail and not (low_after.startswith(e.tail[0]) if e.star and e.size == 2
                       else e.tail[0] == low_after):
        return False
    if e.case is None:
        return True
    got = [word, after][: min(e.size, 2)]
    if e.star and e.size <= 2:  # the last word is a prefix
        return got[:-1] == e.case[:-1] and got[-1].startswith(e.case[-1])
    return got == e.case[: len(got)]


def _rest_matches(words: list[str], start: int, tail: list[str], star: bool) -> bool:
    """The words after a phrase's first, lower-cased, are its tail (the last one
    a prefix if star)."""
    got = [w.lower() for w in words[start + 1 : start + 1 + len(tail)]]
    if len(got) < len(tail):
        return False
    if star:
        return got[:-1] == tail[:-1] and got[-1].startswith(tail[-1])
    return got == tail


def _case_matches(words: list[str], start: int, case: list[str], star: bool) -> bool:
    got = words[start : start + len(case)]
    if star and len(got) == len(case):
        return got[:-1] == case[:-1] and got[-1].startswith(case[-1])
    return got == case
