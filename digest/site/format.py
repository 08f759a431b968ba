"""Links between generated pages, dates and summaries as readers see them.

Escaping untrusted text is :mod:`digest.escape`'s job, not this module's.
"""

from __future__ import annotations

import functools
import hashlib
import html
import posixpath
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime

from digest.escape import strip_controls

__all__ = [
    "filed_date",
    "href",
    "index_language",
    "lang_tag",
    "long_date",
    "page_url",
    "rel_link",
    "short_summary",
    "slug_for",
    "source_slugs",
    "time_html",
]

_SPACE = re.compile(r"\s+")
_SLUG_WORD = re.compile(r"[a-z0-9]+")
_NOT_PLAIN = re.compile(r"[^\w\s]|[A-Z]")


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
    text = _SPACE.sub(" ", strip_controls(value)).strip()
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


def filed_date(when: datetime, *, with_date: bool = True) -> str:
    """The date and time as the story is filed (its own offset), e.g. "21 Jan 2025, 06:17".

    Never converted to the reader's zone: a story filed under 21 January would
    read "20 Jan" west of it, beside the day page that lists it under the 21st.
    partials/digest.html's ``filed`` macro writes the same text on article pages.
    """
    return f"{when.day} {when:%b %Y, %H:%M}" if with_date else f"{when:%H:%M}"


def time_html(when: datetime, *, with_date: bool = True) -> str:
    """A <time> element showing the time as filed, with the full timestamp in ``datetime``."""
    shown = html.escape(filed_date(when, with_date=with_date))
    return f'<time datetime="{when.isoformat()}">{shown}</time>'


_LANG = re.compile(r"[A-Za-z]{2,3}")


_LANG_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def lang_tag(language: str | None) -> str | None:
    """A well-formed BCP 47 tag for a ``lang`` attribute, or None."""
    value = (language or "").strip().replace("_", "-")
    return value if _LANG_TAG.fullmatch(value) else None


def index_language(language: str | None, default: str = "en") -> str:
    """The primary subtag ("zh" of "zh-Hans-CN"), lower case: one search index per language.

    Pagefind keeps one index per page language and picks its stemmer or
    segmenter by it; regional variants share one index.
    """
    for value in (language, default):
        head = (value or "").strip().replace("_", "-").split("-")[0]
        if _LANG.fullmatch(head):
            return head.lower()
    return "en"


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


def source_slugs(names: Iterable[str]) -> dict[str, str]:
    """Each source name's slug, unique: "China Daily" and "China, Daily!" must not
    share a page.

    Of the names that share a slug, the plainest (fewest characters besides
    letters, digits and spaces, then alphabetical) keeps it; each other one gets
    a hash of its own name appended, which stays the same from build to build.
    """
    groups: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        groups.setdefault(slug_for(name), []).append(name)
    taken = set(groups)
    out: dict[str, str] = {}
    for slug, members in groups.items():
        members.sort(key=lambda n: (len(_NOT_PLAIN.findall(n)), n))
        out[members[0]] = slug
        for name in members[1:]:
            digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()
            unique = f"{slug}-{digest[:6]}"
            if unique in taken:  # a source literally named like another's hashed slug
                unique = f"{slug}-{digest[:12]}"
            taken.add(unique)
            out[name] = unique
    return out
