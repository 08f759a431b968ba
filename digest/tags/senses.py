"""Words with another sense, told by their neighbours: a tag's ``unless_near``.

"label" is a platform's warning label, or a record label; "platforms" are an
app's, or a station's. Where one of the words a tag lists under
``unless_near`` stands within a few words of a one-word match, the match is
in the other sense and does not count: it hides nothing and scores nothing,
like an ignored phrase. Phrases of several words carry their own sense and
are never checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from digest.tags.rules import Sense, sense_covers

__all__ = ["NEAR", "CompiledSense", "compile_senses", "other_sense"]

NEAR = 5  # words looked at on each side of a match


@dataclass(frozen=True, slots=True)
class CompiledSense:
    """One ``unless_near`` entry: the word (a prefix if star) and, lower-cased, the
    words near which it has another sense: whole words, prefixes (a tuple, so
    one C call tries them all) and phrases of several words (words, last a prefix?)."""

    key: str
    star: bool
    words: frozenset[str]
    prefixes: tuple[str, ...]
    phrases: tuple[tuple[tuple[str, ...], bool], ...]

    def names(self, word: str) -> bool:
        return word.startswith(self.key) if self.star else word == self.key


def compile_senses(senses: Iterable[Sense], phrase: str) -> tuple[CompiledSense, ...]:
    """The sense checks that apply to matches of a one-word phrase of the tag."""
    out = []
    for s in senses:
        if not sense_covers(s.word, phrase.strip().lower()):
            continue
        split = [(tuple(n.lower().rstrip("*").replace("-", " ").split()), n.endswith("*"))
                 for n in s.near]
        out.append(CompiledSense(
            s.word.rstrip("*"), s.word.endswith("*"),
            frozenset(w[0] for w, star in split if len(w) == 1 and not star),
            tuple(w[0] for w, star in split if len(w) == 1 and star),
            tuple((w, star) for w, star in split if len(w) > 1)))
    return tuple(out)


def other_sense(words: list[str], i: int, senses: tuple[CompiledSense, ...]) -> str | None:
    """The words near words[i] that give it another sense, or None where it has
    the tag's sense (words as written; compared lower-cased)."""
    word = words[i].lower()
    near: list[str] | None = None
    for sense in senses:
        if not sense.names(word):
            continue
        if near is None:
            # The match itself stands between as an empty word, so no phrase spans it.
            near = [w.lower() for w in words[max(0, i - NEAR):i]] + [""] + [
                w.lower() for w in words[i + 1:i + 1 + NEAR]]
        for w in near:
            if w in sense.words or (sense.prefixes and w.startswith(sense.prefixes)):
                return w
        for phrase, star in sense.phrases:
            n = len(phrase)
            for j in range(len(near) - n + 1):
                last = near[j + n - 1]
                if (last.startswith(phrase[-1]) if star else last == phrase[-1]) and (
                        near[j:j + n - 1] == list(phrase[:-1])):
                    return " ".join(near[j:j + n])
    return None
