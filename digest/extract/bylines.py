"""Bylines: who wrote a story and for whom, read from a line of text.

"By Guo Yi | China Daily | Updated: 2025-01-21 06:17", "Written by Jane Doe",
"Posted by Peter Bell on August 21, 2019", "Jane Doe · March 12, 2025",
"By Guo Yi, China Daily": a byline names an author, sometimes a publisher
and a date. :func:`name_shaped` tells a line that could be a name (a few
capitalised words, no sentence, no job title, no call to action) from the
menu items and headings around it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from digest.extract.dates import VisibleDate, find_date

__all__ = [
    "CALL_TO_ACTION",
    "PUBLISHER",
    "REVIEWED",
    "affiliation",
    "byline_author",
    "byline_parts",
    "clean_name",
    "is_dateline",
    "name_shaped",
]

# Buttons and menu links: "Order Now", "Request Demo", "Log In" are no names or headlines.
CALL_TO_ACTION = re.compile(
    r"^(?:download|get|learn|subscribe|sign|join|book|request|try|start|explore|view|see|shop|buy"
    r"|contact|read|watch|listen|follow|click|discover|find|schedule|call|register|apply|claim"
    r"|order|log|shop|donate|upgrade|go)\b",
    re.I,
)

# Words of publishers' names: "China Daily", "Tech Gazette", "The Go Blog".
PUBLISHER = re.compile(
    r"\b(?:daily|news|times|post|journal|herald|tribune|gazette|media|press|magazine|blog"
    r"|network|group|inc|ltd|llc|agency|bureau|weekly|wire|radio|tv|television|channel|online"
    r"|digital|insider|today|chronicle|observer|guardian|telegraph|standard|express|mail|review"
    r"|monitor|courier|reporter|newsroom|desk)\b",
    re.I,
)


# "By Jane Doe", "Written by: Jane Doe", "Posted by Jane Doe on …", "Por …".
_BY = re.compile(
    r"^\W{0,3}(?:(?:written|posted|published|words|reported|story|text|article|created|edited"
    r"|compiled)\s+)?(?:by|por|par|von|di|door|av)\b[:\s]*(?P<who>.+)$",
    re.I,
)
_AUTHOR_LABEL = re.compile(
    r"^\W{0,3}(?:author|authors|autor|auteur|autore|writer)s?\s*:\s*"
    r"(?P<who>.+)$",
    re.I,
)
REVIEWED = re.compile(
    r"\b(?:reviewed|fact[- ]checked|edited|illustrat\w*|photo\w*|image|credit"
    r"|video|graphics?|additional reporting)\b",
    re.I,
)
# Where a name stops in a byline: separators, a date label, "on <date>".
_NAME_END = re.compile(
    r"\s*(?:[|•·●・/]|\s[-–—]\s|\bon\s+(?:the\s+)?\d|\bon\s+[A-Z][a-z]+day\b|\bon\s+[A-Z][a-z]{2}"
    r"|\b(?:updated|published|posted|last\s+updated|modified)\b|\bin\s+[A-Z]|\d{1,2}\s*min"
    r"|\(|\bfor\s+[A-Z])",
    re.I,
)
_NAME_WORD = re.compile(
    r"^(?:[A-ZÀ-ÖØ-Þ][\w'’.\-]*|[A-Z]\.|and|&|de|del|della|da|das|dos|do|van|von|der|den|ter"
    r"|le|la|bin|al|el|ibn|y|e|d'\w+)$"
)
_NOT_NAMES = frozenset(
    re.split(
        r"\s+",
        "home menu search share print email comments comment subscribe follow login sign news"
        " read more related advertisement sponsored table contents updated published posted"
        " staff editor reviews review blog article articles category categories tags topics",
    )
)


# Job titles: "Audrey Huang, Print Managing Editor" names a role, not a site.
_ROLE = re.compile(
    r"\b(?:editor|writer|reporter|correspondent|contributor|columnist|director|manager|ceo|cto"
    r"|founder|president|officer|producer|analyst|specialist|intern|professor|author|head of"
    r"|vp|chief)s?\b",
    re.I,
)
_CREDENTIAL = re.compile(r"^(?:[A-Z][A-Za-z]?\.?){1,3}[A-Z]\.?$|^(?:Ph\.?D|M\.?D|Jr|Sr|III?)\.?$")
# Separators between the parts of a one-line byline.
_PARTS = re.compile(r"\s*[|•·●・]\s*|\s+[-–—]\s+")


def name_shaped(text: str) -> bool:
    """Looks like a person's or a desk's name: a few capitalised words, no sentence."""
    text = text.strip()
    if not 3 <= len(text) <= 60 or re.search(r"\d|[!?:;\"“”@]|https?\b|www\.", text):
        return False
    words = text.replace(",", " ").split()
    if not 1 <= len(words) <= 8 or not words[0][:1].isupper():
        return False
    if sum(w.lower().strip(".") in _NOT_NAMES for w in words) > len(words) // 3:
        return False
    if len(words) >= 2 and _ROLE.search(text) and "," not in text:
        return False  # "Junior Affiliate Content Writer"
    if CALL_TO_ACTION.match(text):
        return False  # "Order Now", "Request Demo"
    capital = sum(w[:1].isupper() for w in words)
    return all(_NAME_WORD.match(w) for w in words) and capital * 3 >= len(words) * 2


def clean_name(who: str) -> str | None:
    who = _NAME_END.split(who, maxsplit=1)[0]
    who = re.sub(r"^(?:the\s+)?(?:by|and)\s+", "", who.strip(" ,;:-–—"), flags=re.I)
    who = who.strip(" ,;:-–—")
    return who if who and name_shaped(who) else None


def affiliation(name: str) -> tuple[str, str | None]:
    """ "Guo Yi, China Daily" → ("Guo Yi", "China Daily"); a role is dropped, degrees
    and lists of names ("A, B and C") are kept whole."""
    pieces = [p.strip() for p in name.split(",")]
    if len(pieces) != 2 or re.search(r"\band\b|&", name):
        return name, None
    tail = pieces[1]
    if all(_CREDENTIAL.match(w) for w in tail.split()):
        return name, None  # "Jane Doe, MD"
    if _ROLE.search(tail):
        return pieces[0], None
    return (pieces[0], tail) if len(tail.split()) >= 2 else (name, None)


_DATE_LEAD = re.compile(r"\b(?:by|on|posted|published|updated)\s*$", re.I)
_LABEL = re.compile(r"(?i)^(?:by\b|updated|published|posted|last updated|modified)")


@lru_cache(maxsize=4096)
def byline_parts(text: str) -> tuple[str | None, str | None]:
    """(author, site) a byline line names: "By Jane Doe | The Gazette | date"."""
    match = _BY.match(text) or _AUTHOR_LABEL.match(text)
    if match and not REVIEWED.match(text.strip()):
        rest = match["who"]
    else:
        # "Jane Doe · March 12, 2025", "Jane Doe | Dec 12, 2025", "Jane DoeNovember 20, 2007"
        date = find_date(text)
        if date is None or date.start == 0:
            return None, None
        rest = _DATE_LEAD.sub("", text[: date.start])
    name = clean_name(rest)
    if name is None:
        return None, None
    name, site = affiliation(name)
    for part in _PARTS.split(rest)[1:]:
        part = part.strip(" ,;:")
        if site or not part or find_date(part) or _LABEL.match(part) or _ROLE.search(part):
            continue
        if name_shaped(part):
            site = part
    return name, site


def byline_author(text: str) -> str | None:
    """The author a byline line names ("By Jane Doe | Site | date"), or None."""
    return byline_parts(text)[0]


@lru_cache(maxsize=4096)
def is_dateline(text: str) -> VisibleDate | None:
    """The date of a line that is mostly a date (and its label, reading time, byline)."""
    if len(text) > 120:
        return None
    found = find_date(text)
    if found is None:
        return None
    rest = text[: found.start] + " " + text[found.end :]
    rest = re.sub(
        r"(?i)\b(?:updated|published|posted|last|modified|on|at|by|date|the|and|\d+\s*min\w*"
        r"(?:\s+read)?|read|[ap]\.?m\.?|[a-z]{2,4}t|utc|gmt|\d{1,2}:\d{2})\b|[\W\d_]+",
        " ",
        rest,
    )
    words = rest.split()
    return found if len(words) <= 6 else None
