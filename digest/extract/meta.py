"""Page metadata: JSON-LD first, then OpenGraph, then meta tags, then the byline.

That order is the order of trust: structured data is written for machines,
OpenGraph for link previews, plain meta tags are often stale templates, and
the visible byline is free text. Meta keywords are never read: they are
SEO material, not a description of the article.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "PageMeta",
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
    text = " ".join(value.split())
    return text or None


def _names(value: Any) -> str | None:
    """Author names from JSON-LD (a string, an object, or a list of either)."""
    items = value if isinstance(value, list) else [value]
    names = [n for n in (_clean(i) for i in items) if n and not n.startswith("http")]
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


def is_stuffed_title(title: str) -> bool:
    """True for a <title> that is a keyword list rather than a headline."""
    if re.search(r"[.!?。！？]\s*$", title):
        return False  # a sentence that happens to list things
    # Numbers are dates and counts, not keywords.
    parts = [p for p in _STUFF_SEP.split(title) if p and not re.fullmatch(r"[\d\s:.]+", p)]
    return len(parts) >= 4 and max(len(p) for p in parts) < 40


def _breadcrumb(tree: Any) -> list[str]:
    nodes = tree.xpath(
        '//*[contains(translate(@class, "BREADCRUMB", "breadcrumb"), "breadcrumb")'
        ' or contains(translate(@id, "BREADCRUMB", "breadcrumb"), "breadcrumb")'
        ' or @aria-label="breadcrumb" or @aria-label="Breadcrumb"]'
    )
    for node in nodes[:1]:
        links = [" ".join("".join(a.itertext()).split()) for a in node.iter("a", "li", "span")]
        names = [n for n in dict.fromkeys(links) if n and len(n) < 60 and n not in "/>»|"]
        if not names:
            text = " ".join("".join(node.itertext()).split())
            names = [p.strip() for p in re.split(r"[/>»|]", text) if p.strip()]
        return names
    return []


def _section(crumbs: list[str], title: str | None) -> str | None:
    """ "Home / Opinion / Story title" → "Opinion"; the home link says nothing."""
    parts = [c for c in crumbs if c.lower() not in ("home", "homepage", "首页", "accueil")]
    if parts and title and parts[-1].lower() == title.lower():
        parts = parts[:-1]
    return " / ".join(parts) or None


def read_meta(tree: Any) -> PageMeta:
    """Read every metadata field the page declares, most trusted source first."""
    ld, crumbs = _json_ld(tree)
    meta = _meta(tree)
    h1 = next(
        (t for t in (" ".join("".join(h.itertext()).split()) for h in tree.iter("h1")) if t), None
    )
    head_title = next((" ".join((t.text or "").split()) for t in tree.iter("title")), None)
    titles = [
        _clean(ld.get("headline")),
        meta.get("og:title"),
        meta.get("twitter:title"),
        h1,
        head_title,
    ]
    title = next((t for t in titles if t and not is_stuffed_title(t)), None)
    canonical = next(
        (link.get("href") for link in tree.xpath('//link[@rel="canonical"][@href]')), None
    ) or meta.get("og:url")
    publisher = ld.get("publisher")
    site_name = _clean(publisher) if isinstance(publisher, (dict, list)) else None
    site_name = site_name or meta.get("og:site_name") or meta.get("application-name")
    author = _names(ld.get("author")) or meta.get("author") or meta.get("dc.creator")
    if author is None:
        candidate = meta.get("article:author")
        author = candidate if candidate and not candidate.startswith("http") else None
    published = (
        _clean(ld.get("datePublished"))
        or meta.get("article:published_time")
        or meta.get("og:published_time")
        or meta.get("datepublished")
        or meta.get("pubdate")
        or meta.get("publishdate")
        or meta.get("parsely-pub-date")
        or meta.get("sailthru.date")
        or meta.get("dc.date")
        or meta.get("date")
        or next((t.get("datetime") for t in tree.xpath("//time[@datetime]")), None)
    )
    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    language = _clean(ld.get("inLanguage")) or root.get("lang") or meta.get("content-language")
    if not language and meta.get("og:locale"):
        language = meta["og:locale"].replace("_", "-")
    image = _clean(ld.get("image")) or meta.get("og:image") or meta.get("twitter:image")
    section = _section(crumbs or _breadcrumb(tree), title)
    if section is None:
        section = _clean(ld.get("articleSection")) or meta.get("article:section")
    description = (
        meta.get("og:description") or meta.get("description") or _clean(ld.get("description"))
    )
    return PageMeta(
        title=title,
        author=author,
        published=published,
        canonical_url=canonical,
        site_name=site_name,
        language=language.split("-")[0].lower() if language else None,
        image=image,
        section=section,
        description=description,
    )


# A byline line: "By Guo Yi | China Daily | Updated: 2025-01-21 06:17".
_BYLINE = re.compile(r"^\s*by\s+(?P<who>[^|·•\n]{2,80}?)\s*(?:[|·•]|$)", re.I)
_STAMP = re.compile(
    r"(?:(?P<label>updated|published|posted|date)\s*:?\s*)?"
    r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?",
    re.I,
)


def parse_byline(line: str) -> tuple[str | None, str | None, str | None]:
    """(author, site, timestamp) from a visible byline; None where absent."""
    author = site = None
    match = _BYLINE.match(line)
    if match:
        author = match.group("who").strip()
    parts = [p.strip() for p in re.split(r"\s*[|·•]\s*", line) if p.strip()]
    stamp = _STAMP.search(line)
    for part in parts[1:]:
        if not _STAMP.search(part) and not part.lower().startswith(("by ", "updated", "published")):
            site = part
            break
    return author, site, stamp.group(0) if stamp else None


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


_ZONES = {
    "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7,
    "mdt": -6, "pst": -8, "pdt": -7, "bst": 1, "cet": 1, "cest": 2, "jst": 9, "kst": 9,
    "hkt": 8, "sgt": 8,
}  # fmt: skip


def parse_datetime(raw: str | None, fallback_tz: timezone | None = None) -> datetime | None:
    """Parse an ISO 8601 or byline timestamp; attach fallback_tz if it has no offset."""
    if not raw:
        return None
    value = raw.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        match = _STAMP.search(value)
        if match:
            try:
                parsed = datetime(
                    int(match["y"]), int(match["m"]), int(match["d"]),
                    int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0),
                )  # fmt: skip
            except ValueError:
                return None
            zone = re.search(r"\b([A-Za-z]{1,4})\s*$", value)
            if zone and zone.group(1).lower() in _ZONES:
                parsed = parsed.replace(
                    tzinfo=timezone(timedelta(hours=_ZONES[zone.group(1).lower()]))
                )
    if parsed is None:
        return None
    if parsed.tzinfo is None and fallback_tz is not None:
        parsed = parsed.replace(tzinfo=fallback_tz)
    return parsed


_EN_WORDS = frozenset(
    ("the", "of", "and", "to", "in", "is", "that", "for", "it"),
) | frozenset(("with", "as", "was", "on", "are", "by", "this", "be", "from"))


def guess_language(text: str) -> str | None:
    """A cautious language guess for pages that do not declare one.

    Scripts settle Chinese, Japanese and Korean; for Latin text only English
    is claimed, and only when its commonest words make up much of the text.
    """
    sample = text[:5000]
    han = len(re.findall(r"[\u4e00-\u9fff]", sample))
    kana = len(re.findall(r"[\u3040-\u30ff]", sample))
    hangul = len(re.findall(r"[\uac00-\ud7af]", sample))
    words = re.findall(r"[a-z]+", sample.lower())
    if hangul > 50 and hangul > han:
        return "ko"
    if kana > 20:
        return "ja"
    if han > 50 and han > len(words):
        return "zh"
    if len(words) >= 30 and sum(w in _EN_WORDS for w in words) / len(words) > 0.12:
        return "en"
    return None
