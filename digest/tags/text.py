"""Words, paragraphs and the lead of a text, found fast (the matcher's tokeniser).

Words are Latin, Greek and Cyrillic runs; CJK text has no spaces between
words and is matched as substrings elsewhere. The byte tables below do in C
what a regex would do a character at a time.
"""

from __future__ import annotations

import re
from itertools import accumulate

__all__ = ["CJK", "CJK_RUN", "NOT_CJK_LEAD", "WORD", "lead_end", "paragraph_spans",
           "paragraph_starts", "words"]

# Latin, Greek and Cyrillic words; CJK characters are left out on purpose
# (they have no spaces between words and are matched as substrings instead).
WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+")


def _separator(byte: int) -> bool:
    """Whether a UTF-8 byte is (or leads a character that is) outside WORD."""
    if byte < 0x80:
        return not chr(byte).isalnum()
    # Lead bytes of 2-byte characters outside U+00C0-U+04FF, and of all longer
    # ones; C9 and CD lead both word and non-word characters (see words).
    return byte == 0xC2 or 0xCA <= byte <= 0xCC or 0xD4 <= byte <= 0xDF or byte >= 0xE0


# Byte tables for words: separators become spaces (and, in _LOWER, A-Z a-z).
_KEEP = bytes(32 if _separator(i) else i for i in range(256))
_LOWER = bytes(32 if _separator(i) else i + 32 if 65 <= i <= 90 else i for i in range(256))
# One byte a character once the continuation bytes (80-BF) are deleted: "a"
# for a character of a word, a space for a separator (see paragraph_starts).
_SHAPE = bytes(32 if _separator(i) else 97 for i in range(256))
_TAILS = bytes(range(0x80, 0xC0))
# Every byte but the lead bytes of the CJK ranges: texts without one skip CJK.
NOT_CJK_LEAD = bytes(i for i in range(256) if not (0xE3 <= i <= 0xED or i == 0xEF))
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
CJK_RUN = re.compile(CJK.pattern + "+")
# Paragraphs are separated by blank lines (holding at most spaces or tabs);
# blank lines before the first and after the last do not make paragraphs.
_BLANK = " \t\r\f\v\n"
_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n[ \t\r\f\v\n]*(?=[^ \t\r\f\v\n])")
_LEAD_MIN, _LEAD_MAX = 100, 300  # the lead: the first paragraph, within these bounds


def words(text: str, *, lower: bool) -> list[str]:
    """The words WORD finds in text, lower-cased if asked, without running the regex.

    Translating the UTF-8 bytes (separators to spaces) and splitting on spaces
    costs a fraction of ``WORD.findall``: the bytes of a separator's tail are
    dropped by the "ignore" decoding, as its lead byte became a space. The
    lower-case and the original words of a text line up one to one, as
    lower-casing never makes or removes a space.
    """
    data = text.encode("utf-8", "surrogatepass")
    if data.isascii():
        return data.translate(_LOWER if lower else _KEEP).decode("ascii").split()
    if b"\xc9" in data or b"\xcd" in data:  # rare letters that share a lead byte with
        found = WORD.findall(text)  # non-letters: let the regex decide
        return "\x00".join(found).lower().split("\x00") if lower and found else found
    spaced = data.translate(_LOWER if lower else _KEEP).decode("utf-8", "ignore")
    return (spaced.lower() if lower and not spaced.isascii() else spaced).split()


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph of text."""
    spans, at = [], 0
    for m in _PARAGRAPH.finditer(text):
        if at or text[: m.start()].strip(_BLANK):  # not blank lines that open the text
            spans.append((at, m.start()))
            at = m.end()
    spans.append((at, len(text)))
    return spans


def paragraph_starts(text: str) -> tuple[list[int], list[int]]:
    """Where each paragraph of text starts: the index of its first word (in the
    words words finds) and its character offset.

    The words are counted, not split off: with continuation bytes deleted, the
    UTF-8 bytes of text are one byte a character, which _SHAPE turns into "a"
    inside words and a space between them, so a word starts at each " a".
    """
    spans = paragraph_spans(text)
    data = text.encode("utf-8", "surrogatepass")
    if not data.isascii() and (b"\xc9" in data or b"\xcd" in data):  # see words
        counts = [len(words(text[a:b], lower=False)) for a, b in spans]
    else:
        shape = data.translate(_SHAPE, _TAILS)
        counts = [shape.count(b" a", a - 1 if a else 0, b) + (not a and shape[:1] == b"a")
                  for a, b in spans]
    starts = list(accumulate(counts, initial=0))
    starts.pop()
    return starts, [a for a, _ in spans]


def lead_end(text: str) -> int:
    if len(text) <= _LEAD_MIN:
        return len(text)
    end = text.find("\n", _LEAD_MIN)
    if 0 <= end <= _LEAD_MAX:
        return end
    space = text.rfind(" ", _LEAD_MIN, _LEAD_MAX)  # never cut a word in two
    return space if space > 0 else min(len(text), _LEAD_MAX)
