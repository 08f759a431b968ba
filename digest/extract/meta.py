"""Page metadata: what the page declares, checked against what it shows.

Declared metadata comes from JSON-LD, then OpenGraph, then meta tags: that
is the order of trust among them (structured data is written for machines,
OpenGraph for link previews, plain meta tags are often stale templates).
What the page *shows* is read from its layout (:mod:`digest.extract.shown`):
the visible headline and the byline and date around it.

- Title: the visible headline when another candidate confirms it, else the
  preview titles with the site's name cut off (:mod:`digest.extract.titles`).
- Date: a shown date beats a declared one that disagrees (a template's zero
  date, a first draft's date), unless it is labelled as an update of an
  earlier declared date; an agreeing declared date is kept for its time and
  offset; implausible dates never win. Conflicts are logged.
- Author: a JSON-LD person, then the author the markup names (rel, itemprop,
  "author"/"byline" classes), then a visible "By …" line, then meta tags,
  then a JSON-LD organisation.

Meta keywords are never read: they are SEO material, not a description.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from digest.extract.bylines import byline_parts
from digest.extract.dates import find_date, locale_offset, parse_datetime
from digest.extract.language import guess_language
from digest.extract.shown import decide_date, markup_author, shown_header
from digest.extract.titles import choose_title, clean_text

__all__ = [
    "PageMeta",
    "guess_language",
    "is_stuffed_title",
    "locale_offset",
    "parse_byline",
    "parse_datetime",
    "read_meta",
]

log = logging.getLogger(__name__)

_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "techarticle",
    "scholarlyarticle",
    "report",
    "webpage",
    "liveblogposting",
}


@dataclass(frozen=True)
class PageMeta:
    """Metadata read from the page head and its structured data."""

    title: str | None = None
    author: str | None = None
    published: str | None = None  # raw, parsed later with the page's locale
    canonical_url: str | None = None
    site_name: str | None = None
    language: str | None = None
    image: str | None = None
    section: str | None = None
    description: str | None = None


def _clean(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id")
    if not isinstance(value, str):
        return None
    return clean_text(value)


def _names(value: Any, *, people: bool) -> str | None:
    """Author names from JSON-LD (a string, an object, or a list of either).

    ``people`` keeps persons (and bare strings); otherwise organisations.
    """
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        kind = item.get("@type", "") if isinstance(item, dict) else ""
        kind = " ".join(kind) if isinstance(kind, list) else str(kind)
        is_org = bool(re.search(r"organi[sz]ation|corporation|newsmedia|website", kind, re.I))
        name = _clean(item)
        if name and not name.startswith("http") and is_org != people:
            names.append(name)
    return ", ".join(dict.fromkeys(names)) or None


def _json_ld(tree: Any) -> tuple[dict[str, Any], list[str]]:
    """The article object and the breadcrumb names found in JSON-LD."""
    article: dict[str, Any] = {}
    crumbs: list[str] = []
    for script in tree.xpath('//script[contains(@type, "ld+json")]'):
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, RecursionError):
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if not isinstance(item, dict):
                continue
            stack.extend(g for g in item.get("@graph", []) if isinstance(g, dict))
            kinds = item.get("@type", "")
            kinds = {
                k.lower()
                for k in (kinds if isinstance(kinds, list) else [kinds])
                if isinstance(k, str)
            }
            if "breadcrumblist" in kinds and not crumbs:
                elements = item.get("itemListElement") or []
                for el in elements if isinstance(elements, list) else []:
                    if isinstance(el, dict):
                        name = _clean(el.get("name") or el.get("item"))
                        if name and not name.startswith("http"):
                            crumbs.append(name)
            elif kinds & _ARTICLE_TYPES and ("webpage" not in kinds or not article):
                article = item
    return article, crumbs


def _meta(tree: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
        content = el.get("content")
        if key and content and key not in found:
            found[key] = " ".join(content.split())
    return found


_STUFF_SEP = re.compile(r"\s*[-_|,，、/–—]\s*")
_CJK_PAIR = re.compile(r"(?=([\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]{2}))")


def is_stuffed_title(title: str) -> bool:
    """True for a keyword list ("久久亚洲国产…-久久亚洲…", "stock car 2018, stock car brasil…").

    A list of many short parts that repeat the same words is SEO stuffing; a
    headline may list a few things ("Instagram, IGTV, Reels, TikTok and More").
    """
    if re.search(r"[.!?。！？]\s*$", title):
        return False  # a sentence that happens to list things
    # Numbers are dates and counts, not keywords.
    parts = [p for p in _STUFF_SEP.split(title) if p and not re.fullmatch(r"[\d\s:.]+", p)]
    if len(parts) < 4 or max(len(p) for p in parts) >= 40:
        return False
    if len(parts) >= 6:
        return True
    shared: dict[str, int] = {}
    for part in parts:
        grams = set(re.findall(r"[^\W\d_]{3,}", part.lower())) | set(_CJK_PAIR.findall(part))
        for gram in grams:
            shared[gram] = shared.get(gram, 0) + 1
    return max(shared.values(), default=0) >= 3


def _document(tree: Any) -> Any:
    """The root element of the whole document, where an XPath ``//`` starts."""
    return tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree


def _is_breadcrumb(el: Any) -> bool:
    # As XPath's contains(translate(@class, "BREADCRUMB", "breadcrumb"), ...):
    # lower() maps no other character to one of these letters.
    return (
        "breadcrumb" in (el.get("class") or "").lower()
        or "breadcrumb" in (el.get("id") or "").lower()
        or el.get("aria-label") in ("breadcrumb", "Breadcrumb")
    )


def _breadcrumb(tree: Any) -> list[str]:
    # The first match in the document, as //*[...][1] finds it: a walk that
    # stops there costs a fraction of that XPath query over every element.
    node = next((el for el in _document(tree).iter(etree.Element) if _is_breadcrumb(el)), None)
    if node is None:
        return []
    links = [" ".join("".join(a.itertext()).split()) for a in node.iter("a", "li", "span")]
    names = [n for n in dict.fromkeys(links) if n and len(n) < 60 and n not in "/>»|"]
    if not names:
        text = " ".join("".join(node.itertext()).split())
        names = [p.strip() for p in re.split(r"[/>»|]", text) if p.strip()]
    return names


def _section(crumbs: list[str], title: str | None) -> str | None:
    """ "Home / Opinion / Story title" → "Opinion"; the home link says nothing."""
    parts = [c for c in crumbs if c.lower() not in ("home", "homepage", "首页", "accueil")]
    if parts and title and parts[-1].lower() == title.lower():
        parts = parts[:-1]
    return " / ".join(parts) or None


def _headlines(tree: Any) -> list[str]:
    out = []
    for h in tree.iter("h1"):
        text = " ".join("".join(h.itertext()).split())
        if text:
            out.append(text)
        if len(out) == 4:
            break
    return out


def read_meta(tree: Any) -> PageMeta:
    """Read every metadata field the page declares, checked against what it shows."""
    ld, crumbs = _json_ld(tree)
    meta = _meta(tree)
    head_title = next((" ".join((t.text or "").split()) for t in tree.iter("title")), None)
    canonical = next(
        (link.get("href") for link in tree.xpath('//link[@rel="canonical"][@href]')), None
    ) or meta.get("og:url")
    publisher = ld.get("publisher")
    site_name = _clean(publisher) if isinstance(publisher, (dict, list)) else None
    site_name = site_name or meta.get("og:site_name") or meta.get("application-name")
    previews = [meta.get("og:title"), _clean(ld.get("headline")), meta.get("twitter:title")]
    title = choose_title(
        _headlines(tree),
        [p for p in previews if p and not is_stuffed_title(p)],
        head_title if head_title and not is_stuffed_title(head_title) else None,
        site_name=site_name,
        url=canonical,
    )
    shown_author, shown_date = shown_header(tree, title)
    person = _names(ld.get("author"), people=True)
    author = (
        person
        or markup_author(tree)
        or shown_author
        or clean_text(meta.get("author"))
        or clean_text(meta.get("dc.creator"))
        or _names(ld.get("author"), people=False)
    )
    if author is None:
        candidate = meta.get("article:author")
        author = candidate if candidate and not candidate.startswith("http") else None
    published = decide_date(
        shown_date,
        [
            _clean(ld.get("datePublished")),
            meta.get("article:published_time"),
            meta.get("og:published_time"),
            meta.get("datepublished"),
            meta.get("pubdate"),
            meta.get("publishdate"),
            meta.get("parsely-pub-date"),
            meta.get("sailthru.date"),
            meta.get("dc.date"),
            meta.get("date"),
            next((t.get("datetime") for t in tree.xpath("//time[@datetime]")), None),
        ],
    )
    root = _document(tree)
    language = _clean(ld.get("inLanguage")) or root.get("lang") or meta.get("content-language")
    if not language and meta.get("og:locale"):
        language = meta["og:locale"].replace("_", "-")
    image = _clean(ld.get("image")) or meta.get("og:image") or meta.get("twitter:image")
    section = _section(crumbs or _breadcrumb(tree), title)
    if section is None:
        section = _clean(ld.get("articleSection")) or meta.get("article:section")
    description = clean_text(
        meta.get("og:description") or meta.get("description") or _clean(ld.get("description"))
    )
    return PageMeta(
        title=title,
        author=author,
        published=published,
        canonical_url=canonical,
        site_name=clean_text(site_name),
        language=re.split(r"[-_]", language)[0].lower() if language else None,
        image=image,
        section=section,
        description=description,
    )


def parse_byline(line: str) -> tuple[str | None, str | None, str | None]:
    """(author, site, timestamp) from a visible byline; None where absent.

    "By Guo Yi | China Daily | Updated: 2025-01-21 06:17" names all three.
    """
    author, site = byline_parts(line)
    found = find_date(line)
    return author, site, line[found.start :].strip() if found else None
