"""The article's title from the candidates a page offers.

A page names its story several times: the visible headline (``<h1>``), the
link-preview title (``og:title``, ``twitter:title``), the structured
``headline`` and the tab's ``<title>``. The visible headline is what a
reader sees and quotes; the others are written for machines and often carry
the site's name ("… | MoreBikes", "… - IGN") or an SEO rewording. So: a
headline that another candidate confirms wins; a single plausible headline
wins alone; otherwise the preview title, then the structured one, then
``<title>``, each with the site's name taken off.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from digest.extract.header import headline_score

__all__ = ["choose_title", "clean_text", "strip_site_name"]

_SEPARATORS = re.compile(r"\s+[|–—•·:/-]{1,2}\s+|\s*[|｜]\s*|\s+::\s+")
_WORD = re.compile(r"[^\W_]+")


def clean_text(value: str | None) -> str | None:
    """Entities decoded (twice-encoded ones too) and whitespace collapsed."""
    if not value:
        return None
    text = value
    for _ in range(2):
        if "&" not in text:
            break
        text = html.unescape(text)
    text = " ".join(text.split())
    return text or None


def _fold(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _site_words(site_name: str | None, url: str | None) -> set[str]:
    """Ways the site's own name appears in a title: its name, its domain label."""
    names = set()
    if site_name:
        names.add(_fold(site_name))
    host = (urlsplit(url).hostname or "") if url else ""
    labels = [p for p in host.split(".") if p not in ("www", "m", "amp")]
    if len(labels) >= 2:
        names.add(_fold(labels[-2]))
        names.add(_fold(".".join(labels[-2:])))
    return {n for n in names if n}


def _is_site(part: str, sites: set[str]) -> bool:
    folded = _fold(part)
    squashed = folded.replace(" ", "")
    return bool(folded) and any(
        folded == s or squashed == s.replace(" ", "") or (len(s) >= 4 and s in folded)
        for s in sites
    )


def strip_site_name(title: str, sites: set[str], others: list[str]) -> str:
    """Take the site's name off either end of a title ("Story | Site", "Site - Story").

    A part goes when it is the site's name (or domain), or when what is left
    is exactly another candidate (the headline confirms the cut).
    """
    cuts = list(_SEPARATORS.finditer(title))
    if not cuts:
        return title
    confirmed = {_fold(o) for o in others if o}
    last, first = cuts[-1], cuts[0]
    options = [
        (title[last.end() :], title[: last.start()]),
        (title[: first.start()], title[first.end() :]),
    ]
    for dropped, rest in options:
        if len(_WORD.findall(rest)) < 2:
            continue
        if _is_site(dropped, sites) or _fold(rest) in confirmed:
            return rest
    return title


def _agrees(a: str, b: str) -> bool:
    """Same words, or one a large part of the other (an SEO tail added or cut)."""
    fa, fb = _fold(a), _fold(b)
    if not fa or not fb:
        return False
    if fa == fb:
        return True
    short, long = (fa, fb) if len(fa) <= len(fb) else (fb, fa)
    return len(short.split()) >= 3 and short in long and len(short) * 2 >= len(long)


def choose_title(
    headlines: list[str],
    previews: list[str | None],
    head_title: str | None,
    *,
    site_name: str | None = None,
    url: str | None = None,
) -> str | None:
    """The title of the page: ``headlines`` are its visible ``<h1>`` texts in
    page order, ``previews`` og:title, JSON-LD headline and twitter:title."""
    sites = _site_words(site_name, url)
    shown = [
        h
        for h in (clean_text(h) for h in headlines)
        if h and headline_score(h) > 0 and not _is_site(h, sites)
    ]
    raw = [clean_text(p) for p in [*previews, head_title]]
    stripped = [strip_site_name(p, sites, shown) for p in raw if p]
    for h in shown:
        if any(_agrees(h, p) for p in stripped):
            return h
    if len(shown) == 1 and headline_score(shown[0]) >= 1.0:
        return shown[0]
    return next(iter(stripped), None)
