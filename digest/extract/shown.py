"""What a page shows its reader around the headline: byline and date.

The HTML is turned into lines of text the way a reader copying the page
would get them (one line per block), and the lines around the headline are
read by the same layout reader as plain-text dumps
(:mod:`digest.extract.header`). :func:`decide_date` then weighs the date
shown against the dates declared for machines.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from digest.extract.bylines import byline_parts
from digest.extract.dates import VisibleDate, parse_datetime, plausible
from digest.extract.header import read_header

__all__ = [
    "decide_date",
    "iter_visible_lines",
    "markup_author",
    "shown_header",
    "visible_lines",
]

log = logging.getLogger(__name__)

_BLOCKS = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "nav",
        "main",
        "figure",
        "figcaption",
        "blockquote",
        "pre",
        "table",
        "tr",
        "td",
        "th",
        "address",
        "form",
        "fieldset",
        "details",
        "summary",
        "br",
        "hr",
    ]
)
_UNSEEN = frozenset(
    ["script", "style", "noscript", "template", "svg", "head", "select", "option", "button"]
)


_OPEN, _CLOSE, _TAIL = 0, 1, 2
_OPENING = itertools.repeat(_OPEN)


def iter_visible_lines(root: Any) -> Iterator[str]:
    """The page's text as a reader copying it would get it: one line per block."""
    buf: list[str] = []
    # (element, _OPEN), (block, _CLOSE) or (tail text, _TAIL): a tail is read
    # after the element's children, a block's end breaks the line.
    stack: list[tuple[Any, int]] = [(root, _OPEN)]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        el, kind = pop()
        if kind == _TAIL:
            buf.append(el)
            continue
        if kind == _CLOSE:
            if text := " ".join("".join(buf).split()):
                yield text
            buf.clear()
            if el.tail:
                buf.append(el.tail)
            continue
        tag = el.tag
        if (
            not isinstance(tag, str)
            or not tag
            or tag in _UNSEEN
            or el.get("hidden") is not None
            or el.get("aria-hidden") == "true"
            or "display:none" in (el.get("style") or "")
        ):
            if el is not root and el.tail:
                buf.append(el.tail)
            continue
        if tag in _BLOCKS:
            if text := " ".join("".join(buf).split()):
                yield text
            buf.clear()
            push((el, _CLOSE))
        elif el.tail:
            push((el.tail, _TAIL))
        if el.text:
            buf.append(el.text)
        if len(el):
            extend(zip(reversed(el), _OPENING, strict=False))
    if text := " ".join("".join(buf).split()):
        yield text


def visible_lines(root: Any, *, limit: int = 6000) -> list[str]:
    """The first ``limit`` lines of :func:`iter_visible_lines`."""
    return list(itertools.islice(iter_visible_lines(root), limit))


_PROSE_END = re.compile(r"[.!?。！？…][\"”’)]*$")


def _prose(line: str) -> bool:
    words = len(line.split())
    return words >= 25 or (words >= 8 and bool(_PROSE_END.search(line)))


def shown_header(tree: Any, title: str | None) -> tuple[str | None, VisibleDate | None]:
    """(author, date) shown around the headline, read as lines of text."""
    body = next(iter(tree.iter("body")), None)
    if body is None or not title:
        return None, None
    folded = " ".join(title.casefold().split())
    lines: list[str] = []
    at = None
    # Lines are read only down to a little past the headline.
    for line in iter_visible_lines(body):
        lines.append(line)
        if at is None and " ".join(line.casefold().split()) == folded:
            at = len(lines) - 1
        if (at is not None and len(lines) > at + 60) or len(lines) > 6000:
            break
    if at is None:
        return None, None
    first = next((i for i in range(at + 1, min(len(lines), at + 60)) if _prose(lines[i])), None)
    if first is None:
        return None, None
    # Markup names the author better than a bare name next to a date does.
    header = read_header(lines, first, search=max(45, first - at + 8), bare_names=False)
    return header.author, header.date


def _names_author(el: Any) -> bool:
    """rel/itemprop "author", a class naming the author or byline, an /author/ link."""
    cls = el.get("class") or ""
    return (
        el.get("rel") == "author"
        or el.get("itemprop") == "author"
        or "author" in cls
        or "byline" in cls
        or "Author" in cls
        or "Byline" in cls
        or "/author/" in (el.get("href") or "")
    )


def _author_markup(tree: Any) -> Iterator[Any]:
    """The elements inside the page's body that name an author, in document order, lazily.

    The first few usually name the author: walking the body until then costs
    a fraction of an XPath query over every element of the page.
    """
    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    for body in root.iter("body"):
        if any(anc.tag == "body" for anc in body.iterancestors()):
            continue  # a body inside a body (broken markup) is walked with its outer one
        for el in body.iterdescendants(etree.Element):
            if _names_author(el):
                yield el


def markup_author(tree: Any) -> str | None:
    """The author the page's markup names (rel/itemprop/class "author", an /author/ link)."""
    for el in itertools.islice(_author_markup(tree), 30):
        named = el.xpath(".//*[@itemprop='name']")
        text = " ".join("".join((named[0] if named else el).itertext()).split())
        if not text or len(text) > 80:
            continue
        who, _site = byline_parts(text if re.match(r"(?i)\W*by\b", text) else f"By {text}")
        if who and len(who.split()) <= 6:
            return who
    return None


def decide_date(shown: VisibleDate | None, declared: list[str | None]) -> str | None:
    """The publication date to keep, as ISO 8601 text (parsed later with the locale).

    The date the page shows beats the one it declares when they disagree (a
    template's zero date, a first-draft date); when they agree the declared
    one is kept for its time and offset. Implausible dates never win.
    """
    parsed = [d for d in (parse_datetime(raw) for raw in declared if raw) if d is not None]
    machine = parsed[0] if parsed else None
    if shown is None or not plausible(shown.when):
        return machine.isoformat() if machine else None
    if machine is None:
        return shown.when.isoformat()
    local = machine.astimezone(shown.when.tzinfo) if shown.when.tzinfo else machine
    if abs((local.date() - shown.when.date()).days) <= (0 if shown.when.tzinfo else 1):
        return machine.isoformat()
    if shown.updated and local.replace(tzinfo=None) < shown.when.replace(tzinfo=None):
        return machine.isoformat()  # the page shows its update; it was published before
    log.debug(
        "date conflict: the page shows %s, declares %s; keeping %s",
        shown.when.isoformat(),
        machine.isoformat(),
        shown.when.isoformat(),
    )
    return shown.when.isoformat()
