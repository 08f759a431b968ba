"""Turning untrusted strings into inert Markdown, and dates into readable text.

Titles, summaries, authors and source names come from feeds and pages. In the
generated Markdown they are HTML-escaped (so no tag or entity of theirs is
live) and every character Python-Markdown treats as syntax is backslash-escaped
(so ``[x](javascript:...)`` or ``{: onclick=...}`` stays text).
"""

from __future__ import annotations

import functools
import hashlib
import html
import posixpath
import re
import unicodedata
from datetime import date, datetime

__all__ = [
    "href",
    "inert",
    "long_date",
    "md_escape",
    "page_url",
    "rel_link",
    "short_summary",
    "slug_for",
    "time_html",
]

# Python-Markdown's escapable characters, plus '|' which its tables extension adds.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
# Characters that make hostile text look like markup to a naive reader or grep
# ("javascript:", "onerror="); as character references they still read the same.
# (Chained str.replace: str.translate with a table of strings is several times
# slower, and the listings escape some 40,000 strings at 10,000 articles.)


def _references(text: str) -> str:
    return text.replace('"', "&quot;").replace(":", "&#58;").replace("=", "&#61;")


_SPACE = re.compile(r"\s+")
_SLUG_WORD = re.compile(r"[a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def md_escape(value: str) -> str:
    """One line of plain text that renders as exactly that text, never as markup."""
    text = _SPACE.sub(" ", _CONTROL.sub("", value)).strip()
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # Entities last, so the '&' and '#' they introduce are never backslash-escaped.
    return _references(html.escape(text, quote=False))


def inert(value: str) -> str:
    """Plain text for HTML or XML character data and attributes (no Markdown)."""
    return _references(html.escape(_CONTROL.sub("", value), quote=True))


def _fit(text: str, limit: int) -> int:
    """How many characters of text fill ``limit`` columns, a wide (CJK) character
    taking two: 220 Chinese characters would fill four lines, not two."""
    if text.isascii():
        return limit
    width = 0
    for i, ch in enumerate(text):
        if unicodedata.combining(ch) or ch == "\u200d":
            continue  # an accent or a joiner takes no column of its own
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if width > limit:
            return i
    return len(text)


def short_summary(value: str, limit: int = 220) -> str:
    """About two lines of a summary, cut at a word boundary."""
    text = _SPACE.sub(" ", _CONTROL.sub("", value)).strip()
    limit = _fit(text, limit)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:  # texts without spaces (Chinese) are cut at the limit
        cut = cut[:space]
    return cut.rstrip(" ,.;:-，。、；：") + "…"


def rel_link(from_page: str, target: str) -> str:
    """A relative link from one docs_dir page to another, as MkDocs resolves them."""
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


@functools.lru_cache(maxsize=1 << 16)  # every listed article is linked from ~5 pages
def page_url(src: str, directory_urls: bool = True) -> str:
    """The URL, relative to the site root, MkDocs gives the page built from ``src``."""
    stem = src[: -len(".md")] if src.endswith(".md") else src
    if not directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def href(from_page: str, target: str, directory_urls: bool = True) -> str:
    """A relative URL from one page's HTML to another's, for links in raw HTML.

    MkDocs rewrites ``.md`` links only in Markdown; the listing pages write their
    entries as HTML (several times cheaper to build), so they link to final URLs.
    Computed by segments (posixpath.relpath was a fifth of the generator's time).
    """
    here = page_url(from_page, directory_urls).split("/")[:-1]  # the folder's segments
    there = page_url(target, directory_urls).split("/")
    common = 0
    for a, b in zip(here, there[:-1], strict=False):
        if a != b:
            break
        common += 1
    out = "../" * (len(here) - common) + "/".join(there[common:])
    return out or "./"


def long_date(when: date) -> str:
    return f"{when:%A} {when.day} {when:%B %Y}"


def time_html(when: datetime, *, with_date: bool = True) -> str:
    """A <time> element; a small script shows it in the reader's own time zone."""
    shown = f"{when.day} {when:%b %Y, %H:%M}" if with_date else f"{when:%H:%M}"
    return f'<time datetime="{when.isoformat()}">{html.escape(shown)}</time>'


def slug_for(name: str) -> str:
    """A URL-safe slug for a tag or source name.

    The article page template computes the same slug in Jinja (lowercase ASCII
    letters and digits joined by '-') to link its source and tags, so the rule
    stays that simple; names without such characters get a hash instead.
    """
    slug = "-".join(_SLUG_WORD.findall(name.lower()))
    if slug:
        return slug
    return "x-" + hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
