"""Dates as pages show and declare them: parsed, kept plausible, zone kept.

A page states its date in two ways: for machines (JSON-LD, meta tags,
``<time datetime>``: ISO 8601, usually with a time and an offset) and for
readers (a byline's "Updated: 2025-01-21 06:17", "Published 2:16 AM EST
Nov 20, 2019", "December 18, 2025 ・ 3 min read"). :func:`parse_datetime`
reads the first kind, :func:`find_date` finds the second inside a line of
text. Both keep the time and the offset when one is given, and attach the
site's home offset (:func:`locale_offset`) only when none is.

:func:`plausible` is the one check every date passes before it is used: a
template's zero date (``0001-01-01``), a placeholder from 1970 or a date
after the fetch would file the article under the wrong day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from digest.model import plausible_date

__all__ = [
    "VisibleDate",
    "find_date",
    "locale_offset",
    "parse_datetime",
    "plausible",
]

_MONTHS = {
    # English, French, Spanish, Portuguese, Italian, German, Dutch: the month
    # names of the pages we read; a name maps to its month number.
    **dict.fromkeys(("january", "jan", "janvier", "janv", "enero", "ene", "janeiro", "gennaio",
                     "gen", "januar", "jänner", "januari"), 1),
    **dict.fromkeys(("february", "feb", "février", "fevrier", "févr", "febrero", "fevereiro",
                     "fev", "febbraio", "februar", "februari"), 2),
    **dict.fromkeys(("march", "mar", "mars", "marzo", "março", "marco", "märz", "maart",
                     "mrt"), 3),
    **dict.fromkeys(("april", "apr", "avril", "avr", "abril", "abr", "aprile"), 4),
    **dict.fromkeys(("may", "mai", "mayo", "maio", "maggio", "mag", "mei"), 5),
    **dict.fromkeys(("june", "jun", "juin", "junio", "junho", "giugno", "giu", "juni"), 6),
    **dict.fromkeys(("july", "jul", "juillet", "juil", "julio", "julho", "luglio", "lug",
                     "juli"), 7),
    **dict.fromkeys(("august", "aug", "août", "aout", "agosto", "ago", "augustus"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septembre", "septiembre", "setembro", "set",
                     "settembre"), 9),
    **dict.fromkeys(("october", "oct", "octobre", "octubre", "outubro", "out", "ottobre", "ott",
                     "oktober", "okt"), 10),
    **dict.fromkeys(("november", "nov", "novembre", "noviembre", "novembro", "noviembre"), 11),
    **dict.fromkeys(("december", "dec", "décembre", "decembre", "déc", "diciembre", "dic",
                     "dezembro", "dez", "dicembre", "dezember"), 12),
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))

# Offsets of the zone abbreviations pages print after a time.
_ZONES = {
    "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7,
    "mdt": -6, "pst": -8, "pdt": -7, "et": None, "pt": None, "ct": None, "bst": 1,
    "cet": 1, "cest": 2, "eet": 2, "eest": 3, "ist": 5.5, "jst": 9, "kst": 9, "hkt": 8,
    "sgt": 8, "aest": 10, "aedt": 11,
}  # fmt: skip

_TIME = (
    r"(?P<H>\d{1,2})[:h.](?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?"
    r"(?:\s*\(?(?P<zone>(?:utc|gmt)?\s*[+-]\s*\d{1,2}(?::?\d{2})?|[a-z]{1,4})\b\)?)?"
)
_D = r"(?P<d>\d{1,2})(?:st|nd|rd|th|er|º|\.)?"
_Y = r"(?P<y>(?:19|20)\d\d)(?!\d)"
_NUM_Y = r"(?<![\d.])"
_SHAPES = [
    # 2025-01-21 06:17, 2025/4/29, 2025.12.17, 2025年1月21日
    re.compile(
        _NUM_Y + r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*"
        r"(?P<d>\d{1,2})(?!\d)日?"
    ),
    # Nov 20, 2019 · Saturday, December 20, 2025 · Dec. 17, 2025 · May 2nd 2025
    re.compile(rf"(?<![^\W\d_])(?P<mon>{_MONTH})\.?\s+{_D},?\s+(?:de\s+)?{_Y}", re.I),
    # 25 March 2025 · 8 Oct 2022 · 20 de novembro de 2019 · Sat, 20 Dec, 2025
    re.compile(rf"(?<!\d){_D}\s*(?:de\s+)?(?P<mon>{_MONTH})\.?,?\s+(?:de\s+)?{_Y}", re.I),
    # 19/12/2025, 03/01/2017 (month first unless it cannot be), 09.10.2024 (day first)
    re.compile(_NUM_Y + r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)" + _Y),
]
_YEAR = re.compile(r"(?:19|20)\d\d")
_TIME_AFTER = re.compile(r"^\W{0,3}(?:at\s+|à\s+|um\s+|às\s+|a las\s+|T)?\s*" + _TIME, re.I)
_TIME_BEFORE = re.compile(_TIME + r"\W{0,3}$", re.I)
_UPDATED = re.compile(
    r"\b(?:updated|modified|last\s+updated|revised|aktualisiert|atualizado"
    r"|actualizado|mis à jour|aggiornato)\b",
    re.I,
)
_PUBLISHED = re.compile(
    r"\b(?:published|posted|publicado|publié|pubblicato|veröffentlicht)\b", re.I
)


@dataclass(frozen=True)
class VisibleDate:
    """A date found in text: naive unless the text gave a zone."""

    when: datetime
    has_time: bool
    updated: bool  # labelled "Updated"/"Last modified": the page's later date
    start: int  # where in the line it was found
    end: int


def _zone(name: str | None) -> timezone | None:
    if not name:
        return None
    name = name.lower().replace(" ", "")
    match = re.fullmatch(r"(?:utc|gmt)?([+-])(\d{1,2}):?(\d{2})?", name)
    if match:
        sign = -1 if match[1] == "-" else 1
        return timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3] or 0)))
    hours = _ZONES.get(name)
    return timezone(timedelta(hours=hours)) if hours is not None else None


def _time(match: re.Match[str] | None) -> tuple[int, int, int, timezone | None] | None:
    if match is None:
        return None
    hour, minute = int(match["H"]), int(match["M"])
    ampm = (match["ampm"] or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    zone = match["zone"]
    if zone and zone.lower() not in _ZONES and not re.match(r"utc|gmt|[+-]", zone.lower()):
        zone = None  # a word after the time ("at 3:00 am by"), not a zone
    return hour, minute, int(match["S"] or 0), _zone(zone)


def find_date(text: str) -> VisibleDate | None:
    """The first calendar date a line of text shows, with its time when next to it."""
    if not _YEAR.search(text):
        return None  # every shape has a year: most lines are gone with one look
    found: list[tuple[int, int, int, int, int]] = []  # (start, end, y, m, d)
    for shape in _SHAPES:
        for match in shape.finditer(text):
            groups = match.groupdict()
            year = int(groups["y"])
            if "mon" in groups and groups.get("mon"):
                month, day = _MONTHS[groups["mon"].lower().rstrip(".")], int(groups["d"])
            elif groups.get("a"):
                a, b = int(groups["a"]), int(groups["b"])
                # 09.10.2024 is day first wherever dots are used; a slash
                # date is month first unless its first number cannot be one.
                day_first = groups["sep"] == "." or a > 12
                month, day = (b, a) if day_first else (a, b)
            else:
                month, day = int(groups["m"]), int(groups["d"])
            found.append((match.start(), match.end(), year, month, day))
    for start, end, year, month, day in sorted(found):
        try:
            datetime(year, month, day)
        except ValueError:
            continue
        clock = _time(_TIME_AFTER.match(text[end:])) or _time(_TIME_BEFORE.search(text[:start]))
        hour, minute, second, zone = clock or (0, 0, 0, None)
        when = datetime(year, month, day, hour, minute, second, tzinfo=zone)
        before = text[max(0, start - 30) : start]
        updated = bool(_UPDATED.search(before)) and not _PUBLISHED.search(before)
        return VisibleDate(when, clock is not None, updated, start, end)
    return None


def parse_datetime(raw: str | None, fallback_tz: timezone | None = None) -> datetime | None:
    """Parse a declared (ISO 8601, RFC 822) or shown date; attach fallback_tz if it has no offset.

    Implausible dates (see :func:`plausible`) are refused here, so that no
    caller can file an article under the year 1 or a day not yet come.
    """
    if not raw:
        return None
    value = raw.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            seen = find_date(value)
            parsed = seen.when if seen else None
    if parsed is None:
        return None
    if parsed.tzinfo is None and fallback_tz is not None:
        parsed = parsed.replace(tzinfo=fallback_tz)
    return parsed if plausible(parsed) else None


def plausible(when: datetime, now: datetime | None = None) -> bool:
    """Within the window of dates digest believes (:func:`digest.model.plausible_date`)."""
    return plausible_date(when, now or datetime.now(UTC)) is not None


# Fixed offsets for places with a single time zone and no daylight saving,
# used only when a timestamp has none: the page's own country (its domain)
# or its publisher's home is the best evidence of which clock it shows.
_TLD_OFFSETS = {
    "cn": 8, "hk": 8, "mo": 8, "tw": 8, "sg": 8, "my": 8, "ph": 8,
    "jp": 9, "kr": 9, "in": 5.5, "th": 7, "vn": 7, "id": 7,
}  # fmt: skip
_PUBLISHER_OFFSETS = {
    "china daily": 8, "xinhua": 8, "global times": 8, "people's daily": 8, "cgtn": 8,
    "south china morning post": 8, "the straits times": 8, "japan times": 9,
    "nhk": 9, "yonhap": 9, "the korea herald": 9, "the hindu": 5.5,
}  # fmt: skip


def locale_offset(url: str | None, site_name: str | None) -> timezone | None:
    """The fixed UTC offset of the site's home, when it has exactly one."""
    hours: float | None = None
    if site_name:
        hours = _PUBLISHER_OFFSETS.get(site_name.strip().lower())
    if hours is None and url:
        host = (urlsplit(url).hostname or "").rstrip(".")
        hours = _TLD_OFFSETS.get(host.rsplit(".", 1)[-1]) if host else None
    return timezone(timedelta(hours=hours)) if hours is not None else None
