"""An article's header read from its layout: headline, byline, date.

Pages put the same few things above an article's first paragraph, in a
handful of arrangements: a headline, perhaps a standfirst, then a byline
and a date (on one line or two, a bare name or "By …", "Written by …",
"Posted by … on …"), perhaps share buttons, a reading time or a table of
contents. What is *not* the header is as telling: menus are runs of one- or
two-word lines, share rows are chrome words, a date alone is not a title.

The functions here work on lines of visible text, so the same reading serves
plain-text dumps (:mod:`digest.extract.textdump`) and HTML pages, whose
header :mod:`digest.extract.shown` turns into lines first; single byline
lines are read by :mod:`digest.extract.bylines`. Nothing here depends on
where on the page a line is, only on what lies around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from digest.extract.bylines import (
    CALL_TO_ACTION,
    PUBLISHER,
    REVIEWED,
    affiliation,
    byline_author,
    byline_parts,
    clean_name,
    is_dateline,
    name_shaped,
)
from digest.extract.dates import VisibleDate

__all__ = ["Header", "headline_score", "places", "read_header"]

@dataclass(frozen=True)
class Header:
    """What a page shows above its article; ``end`` is the first line after it."""

    headline: str | None = None
    author: str | None = None
    date: VisibleDate | None = None
    date_text: str | None = None
    site: str | None = None  # the publisher a byline names ("By Jane Doe | The Gazette")
    end: int = 0


_CONTENTS = re.compile(
    r"^\W*(?:table of contents?|contents|in this (?:article|guide|post)|jump to(?: section)?"
    r"|on this page|skip to section|sections?|summary|inhalt|sommaire|índice|indice)\b",
    re.I,
)
_SENTENCE = re.compile(r"[.;]$")
_CHROME_LINE = re.compile(
    r"^(?:share|tweet|e-?mail|print|save|copy link|comments?|\d+ comments?|follow|subscribe"
    r"|table of contents?|contents|in this article|listen|advertisement|skip to|menu|search"
    r"|home|sign in|log ?in|read more|\d+\s*min(?:ute)?s?(?: read)?|photo|image|credit)\b",
    re.I,
)
_BREADCRUMB = re.compile(r"\s[>»›/]\s")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


# Lines that label, credit or sell rather than name a story.
_NOT_HEADLINE = re.compile(
    r"(?:^|\s)(?:reviewed|fact[- ]checked|edited|updated|published|posted|written)(?:\s+(?:by|on))?"
    r"\W*$|^(?:reading time|read time|listen|credit|image|icon|photo|video|source|no categor)"
    r"|//|\b(?:getty images|shutterstock|istock|ap photo|reuters)\b"
    r"|\b(?:editor|writer|reporter|contributor|correspondent|columnist|producer|author)s?$",
    re.I,
)
_UPDATED_WORD = re.compile(r"updated|modified", re.I)
_TIME_ONLY = re.compile(r"^\W*\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[a-z]{2,4})?\W*$", re.I)


# Words of share rows, buttons and counters: a line made of them is chrome.
_CHROME_WORDS = frozenset(
    re.split(
        r"\s+",
        "facebook twitter x linkedin whatsapp email e mail copy link url copied share print reddit"
        " pinterest telegram messenger wechat weibo flipboard pocket tumblr sms close open panel"
        " menu toggle navigation button back this article story post page comments comment save"
        " bookmark follow us on via k m",
    )
)


def _chrome_row(words: list[str]) -> bool:
    plain = [w.lower() for w in words if not w.isdigit()]
    return not plain or sum(w in _CHROME_WORDS for w in plain) * 3 >= len(plain) * 2


@lru_cache(maxsize=4096)
def headline_score(text: str) -> float:
    """How much a line reads like a headline; 0 for lines that cannot be one."""
    words = _WORD.findall(text)
    if not 2 <= len(words) <= 30 or len(text) > 220:
        return 0.0
    if sum(len(w) >= 2 and not w[0].isdigit() for w in words) < 2 or _chrome_row(words):
        return 0.0  # "84.1K", "Copy Link URLCopied!", "Close share panel"
    if _CHROME_LINE.match(text) or _BREADCRUMB.search(text) or is_dateline(text):
        return 0.0
    if _NOT_HEADLINE.search(text) or _TIME_ONLY.match(text):
        return 0.0
    if byline_author(text) or text.endswith((":", ",")) or not re.match(r"\W*[\w“\"'‘¿¡]", text):
        return 0.0
    score = 1.0
    if _SENTENCE.search(text):
        score -= 0.5  # a standfirst or a caption ends like a sentence
    if len(words) >= 4:
        score += 0.5
    if len(words) >= 6:
        score += 0.2
    if len(words) > 22:
        score -= 0.5
    if len(words) <= 6 and CALL_TO_ACTION.match(text):
        score -= 0.7
    long_words = [w for w in words[1:] if len(w) >= 4 and not w.isdigit()]
    if long_words and sum(w[0].isupper() for w in long_words) * 3 >= len(long_words) * 2:
        score += 0.3  # Title Case
    if not words[0][:1].isupper() and not words[0][:1].isdigit():
        score -= 0.5
    return max(score, 0.0)


_BARE_BY = re.compile(
    r"^\W{0,3}(?:(?:(?:written|posted|words|reported|story)\s+)?by|authors?|writer)\W*$", re.I
)
_DATE_LABEL = re.compile(
    r"^\W{0,3}(?:(?:last\s+)?(?:updated|published|posted|modified)(?:\s+(?:on|at))?|date)\W*$", re.I
)


def _fold(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


@dataclass(frozen=True)
class _Mark:
    """A byline or date line: what it says (all None for a label line)."""

    date: VisibleDate | None = None
    author: str | None = None
    site: str | None = None


def _stacked_names(texts: list[str], i: int, lo: int, hi: int, taken: set[int]) -> list[int]:
    """The name lines of a date line's byline: the one right above it (else right
    below), and above that the author when the nearer line names a publisher
    ("Guo Yi" / "China Daily" / "Updated 2025-01-21")."""
    for j in (i - 1, i + 1):
        if not (lo <= j < hi) or j in taken or not name_shaped(texts[j]):
            continue
        if j > 0 and REVIEWED.search(texts[j - 1]):
            continue
        k = j - 1
        if (
            j == i - 1
            and PUBLISHER.search(texts[j])
            and k >= lo
            and k not in taken
            and name_shaped(texts[k])
            and not PUBLISHER.search(texts[k])
        ):
            return [k, j]
        return [j]
    return []


def _marks(texts: list[str], lo: int, hi: int, bare_names: bool = True) -> dict[int, _Mark]:
    """The byline and date lines in texts[lo:hi], by index (with ``bare_names``,
    a name-shaped line next to a date counts as its byline)."""
    found: dict[int, _Mark] = {}
    for i in range(lo, hi):
        if i in found:
            continue  # the name or date under a label line
        text = texts[i]
        when = is_dateline(text)
        who, site = byline_parts(text)
        if who is not None and when is None and REVIEWED.search(text):
            who = site = None
        if when is not None or who is not None:
            found[i] = _Mark(when, who, site)
        elif _BARE_BY.match(text) and i + 1 < hi and name_shaped(texts[i + 1]):
            found[i] = _Mark()  # "By" on its own line, the name below it
            name, site = affiliation(clean_name(texts[i + 1]) or texts[i + 1])
            found[i + 1] = _Mark(is_dateline(texts[i + 1]), name, site)
        elif _DATE_LABEL.match(text) and i + 1 < hi and (when := is_dateline(texts[i + 1])):
            label = _UPDATED_WORD.search(text) is not None
            found[i] = _Mark()  # "Updated on" above the date
            found[i + 1] = _Mark(replace(when, updated=label))
    # Bare names next to a date are a byline; a time next to it is part of it.
    for i, mark in list(found.items()):
        if mark.date is None:
            continue
        for j in (i - 1, i + 1):
            if lo <= j < hi and j not in found and _TIME_ONLY.match(texts[j]):
                found[j] = _Mark()
        names = _stacked_names(texts, i, lo, hi, set(found)) if bare_names else []
        for k, j in enumerate(names):
            name, site = affiliation(clean_name(texts[j]) or texts[j])
            found[j] = _Mark(author=name, site=site) if k == 0 else _Mark(site=texts[j])
    return found


def _clusters(marks: list[int]) -> list[list[int]]:
    """Mark lines grouped when at most three lines apart, nearest the article first."""
    groups: list[list[int]] = []
    for i in sorted(marks):
        if groups and i - groups[-1][-1] <= 3:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups[::-1]


def places(texts: list[str]) -> dict[str, list[int]]:
    """Where each line's words occur on the page (for :func:`read_header`)."""
    where: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        where.setdefault(_fold(text), []).append(i)
    return where


def read_header(
    texts: list[str],
    body_start: int,
    *,
    search: int = 45,
    where: dict[str, list[int]] | None = None,
    bare_names: bool = True,
) -> Header:
    """The header of the article whose first paragraph is ``texts[body_start]``.

    Every line in the ``search`` lines above the paragraph is a candidate
    headline, judged by its own shape (:func:`headline_score`) and by its
    surroundings: a byline or date right below (or above) it, the same
    words shown again close by (a breadcrumb, a repeated heading) raise it;
    being one item of a menu or a table of contents, being repeated far
    away (navigation printed twice) or lying far above the paragraph lower
    it. The byline and date are those next to the headline, else the
    group of them nearest the paragraph.
    """
    lo = max(0, body_start - search)
    marks = _marks(texts, lo, body_start, bare_names)
    where = where if where is not None else places(texts)
    shapes = {j: headline_score(texts[j]) for j in range(lo, body_start) if j not in marks}
    # Entries of a table of contents are headings, but of sections.
    for j in range(lo, body_start):
        if _CONTENTS.match(texts[j]):
            k = j + 1
            while k < body_start and (shapes.get(k, 0) > 0 or k in marks) and k - j <= 40:
                shapes[k] = 0.0
                k += 1

    def short(k: int) -> bool:
        return 0 <= k < len(texts) and k not in marks and len(_WORD.findall(texts[k])) <= 3

    def score(j: int) -> float:
        value = shapes.get(j, 0.0)
        if value <= 0:
            return 0.0
        places = where.get(_fold(texts[j]), [j])
        if any(0 < abs(k - j) <= 6 for k in places):
            value += 0.3  # shown twice close by: breadcrumb and heading
        value -= 0.4 * min(2, sum(abs(k - j) > 6 for k in places))  # a menu printed twice
        words = len(_WORD.findall(texts[j]))
        if words <= 4 and short(j - 1) and short(j + 1):
            value -= 0.7  # an item of a menu
        if shapes.get(j - 1, 0) >= 1 and shapes.get(j + 1, 0) >= 1:
            value -= 0.4  # an entry of a table of contents
        if shapes.get(j - 1, 0) < 1 and (shapes.get(j + 1, 0) >= 1 or j + 1 in marks):
            value += 0.3  # the top of the header block: the standfirst comes below
        if any(k in marks for k in (j + 1, j + 2)):
            value += 0.6
        elif any(k in marks for k in (j - 1, j - 2)):
            value += 0.4
        return value - 0.02 * (body_start - 1 - j)

    ranked = sorted(((score(j), j) for j in shapes), reverse=True)
    headline = ranked[0][1] if ranked and ranked[0][0] >= 0.8 else None
    # The byline group next to the headline, else the nearest to the text.
    groups = _clusters(list(marks))
    group: list[int] = []
    if headline is not None:
        group = next((g for g in groups if g[0] - 3 <= headline <= g[-1] + 3), [])
    if not group and groups and groups[0][-1] >= body_start - 8:
        group = groups[0]
    dates = [(i, d) for i in group if (d := marks[i].date) is not None]
    published = [d for _, d in dates if not d.updated]
    when = next(iter(published or [d for _, d in dates]), None)
    names = [who for i in group if (who := marks[i].author)]
    sites = [site for i in group if (site := marks[i].site)]
    end = max([*group, headline if headline is not None else -1, body_start - 1]) + 1
    return Header(
        headline=texts[headline] if headline is not None else None,
        author=names[0] if names else None,
        date=when,
        date_text=next((texts[i] for i, d in dates if d is when), None),
        site=sites[0] if sites else None,
        end=end,
    )
