"""Put back into trafilatura's body what it dropped inside the article.

trafilatura reads the page block by block and, with ``favor_precision``,
drops a heading that is all link (a linked product name in a buying guide)
or that looks like a teaser title. When the blocks on both sides of such a
heading are in the body, the heading belongs to the article: it is put back
where it stood, with its link. Inline ``<code>`` that trafilatura kept inside
a sentence is marked inline, so that it is written as a code span and not as
a block splitting the sentence.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

__all__ = ["mark_inline_code", "restore_headings"]

_SPACE = re.compile(r"\s+")
_PAGE_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "dd", "blockquote", "pre")
_BODY_BLOCKS = ("p", "item", "head", "cell", "quote", "code")
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_MAX_HEADING = 200


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def _own_text(el: Any) -> str:
    return _norm(etree.tostring(el, method="text", encoding=str, with_tail=False))


def restore_headings(page: Any, body: Any, title: str | None) -> None:
    """Insert the page's headings that the body lost between two blocks it kept."""
    kept: dict[str, Any] = {}
    for el in body.iter(*_BODY_BLOCKS):
        text = _own_text(el)
        if text:
            kept.setdefault(text, el)
    if len(kept) < 2:
        return
    norm_title = _norm(title or "")
    lost = {h for h in page.iter(*_HEADINGS)
            if (t := _own_text(h)) and t not in kept and len(t) <= _MAX_HEADING and t != norm_title}
    if not lost:
        return
    pending: list[Any] = []  # headings lost since the last kept block
    seen_kept = False
    for el in page.iter(*_PAGE_BLOCKS):
        if el in lost:
            if seen_kept:
                pending.append(el)
            continue
        text = _own_text(el)
        if not text or (el.tag in _HEADINGS and text not in kept):
            continue
        anchor = kept.get(text)
        if anchor is None:
            pending = []  # something else was dropped in between: not the article's run
            continue
        if pending and anchor.tag != "head":
            for heading in pending:
                anchor.addprevious(_as_head(heading))
        pending = []
        seen_kept = True


def _as_head(heading: Any) -> Any:
    head = etree.Element("head", rend=heading.tag)
    links = [a for a in heading.iter("a") if a.get("href")]
    text = " ".join("".join(heading.itertext()).split())
    if len(links) == 1 and " ".join("".join(links[0].itertext()).split()) == text:
        ref = etree.SubElement(head, "ref", target=links[0].get("href"))
        ref.text = text
    else:
        head.text = text
    return head


_INLINE_PARENTS = frozenset({"p", "item", "cell", "head", "hi", "ref", "del"})


def mark_inline_code(body: Any) -> None:
    """Code inside a sentence becomes ``tt``, which the writer renders as a code span."""
    for code in list(body.iter("code")):
        parent = code.getparent()
        if parent is None:
            continue
        if parent.tag in _INLINE_PARENTS or (code.tail and code.tail.strip()):
            code.tag = "tt"
