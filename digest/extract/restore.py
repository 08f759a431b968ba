"""Put back into trafilatura's body what it dropped inside the article.

trafilatura reads the page block by block and, with ``favor_precision``,
drops a heading that is all link (a linked product name in a buying guide)
or that looks like a teaser title. When the blocks on both sides of such a
heading are in the body, the heading belongs to the article: it is put back
where it stood, with its link. Paragraphs of prose it dropped between two
kept blocks (an accordion's answer, a boxed key point) go back the same way.
Inline ``<code>`` that trafilatura kept inside
a sentence is marked inline, so that it is written as a code span and not as
a block splitting the sentence.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from digest.extract.boilerplate import is_trailer_text

__all__ = [
    "mark_inline_code", "page_blocks", "restore_blocks", "restore_headings", "restore_spaces",
]

_SPACE = re.compile(r"\s+")
_PAGE_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "dd", "blockquote", "pre")
_BODY_BLOCKS = ("p", "item", "head", "cell", "quote", "code")
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_MAX_HEADING = 200


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _own_text(el: Any) -> str:
    return _norm(etree.tostring(el, method="text", encoding=str, with_tail=False))


def page_blocks(page: Any) -> list[tuple[Any, str]]:
    """The page's text blocks and their text, read once for both restorers."""
    return [(el, _own_text(el)) for el in page.iter(*_PAGE_BLOCKS)]


def restore_headings(page: Any, body: Any, title: str | None,
                     blocks: list[tuple[Any, str]] | None = None) -> None:
    """Insert the page's headings that the body lost between two blocks it kept."""
    kept: dict[str, Any] = {}
    for el in body.iter(*_BODY_BLOCKS):
        text = _own_text(el)
        if text:
            kept.setdefault(text, el)
    if len(kept) < 2:
        return
    norm_title = _norm(title or "")
    if blocks is None:
        blocks = page_blocks(page)
    lost = {h for h, t in blocks if h.tag in _HEADINGS
            and t and t not in kept and len(t) <= _MAX_HEADING and t != norm_title}
    if not lost:
        return
    pending: list[Any] = []  # headings lost since the last kept block
    seen_kept = False
    for el, text in blocks:
        if el in lost:
            if seen_kept:
                pending.append(el)
            continue
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


_SENTENCE_END = re.compile(r"[.!?:;。！？][\"”’)\]]*$")
_CHROME = frozenset({"nav", "footer", "aside", "form", "button", "select", "label", "dialog"})
_CHROME_CLASS = re.compile(
    r"comment|related|share|social|sidebar|newsletter|subscribe|footer|cookie|consent|popup"
    r"|modal|promo|advert|\bads?\b|banner|breadcrumb|menu|author-bio|byline|widget|signup"
    r"|recommend|teaser|card",
    re.I,
)
_MIN_WORDS = 8
# Affiliate notes sit in boxes near the headline, as the site's voice.
_DISCLOSURE = re.compile(r"\bcommissions?\b|\baffiliate\b|\bwhy trust us\b", re.I)
_WORDS = re.compile(r"\w+")
_NO_TEXT = frozenset({"script", "style", "noscript", "template", "button", "svg"})


def _is_lost_prose(el: Any, text: str) -> bool:
    """A paragraph of sentences, mostly unlinked, outside the page's chrome."""
    if len(text.split()) < _MIN_WORDS or not _SENTENCE_END.search(text):
        return False
    if is_trailer_text(text) or _DISCLOSURE.search(text) or _has_block(el):
        return False
    linked = sum(len("".join(a.itertext())) for a in el.iter("a"))
    if linked > 0.3 * len(text):
        return False
    for anc in el.iterancestors():
        if anc.tag in _CHROME:
            return False
        names = (anc.get("class") or "") + " " + (anc.get("id") or "")
        if names.strip() and _CHROME_CLASS.search(names):
            return False
    return True


def _shingles(text: str) -> list[tuple[str, ...]]:
    # Word triples as the tuples zip makes: no string is built for each one,
    # and a tuple's hash reuses its words' hashes.
    words = _WORDS.findall(text)
    if len(words) < 3:
        return [tuple(words)]
    return list(zip(words, words[1:], words[2:], strict=False))


def restore_blocks(page: Any, body: Any, blocks: list[tuple[Any, str]] | None = None) -> None:
    """Put back paragraphs of prose the body lost between two blocks it kept.

    trafilatura drops a paragraph it scores as boilerplate (one in a box of
    its own, an accordion's answer, a paragraph wrapped in a styled div)
    even inside the article's run of text. A run of such paragraphs that
    lies between two kept blocks, with nothing else dropped in between, is
    the article's: it is put back whole, before the block that follows it.
    Blocks are matched by their text, else by their word triples, as the
    body may hold a block with a button or a hidden word taken out.
    """
    kept: dict[str, Any] = {}
    where: dict[tuple[str, ...], Any] = {}
    # Read last to first, so the first block with a text or a triple wins
    # and each block's triples are stored by C-level dict updates.
    for el, text in reversed([(el, _own_text(el)) for el in body.iter(*_BODY_BLOCKS)]):
        kept[text] = el
        where.update(dict.fromkeys(_shingles(text), el))
    if len(where) < 2:
        return
    pending: list[Any] = []
    last: Any = None  # the last kept paragraph of the page
    for el, text in blocks if blocks is not None else page_blocks(page):
        if not text:
            continue
        anchor = kept.get(text)
        if anchor is None:
            grams = _shingles(text)
            found = [w for w in map(where.get, grams) if w is not None]
            if len(found) >= 0.5 * len(grams):
                anchor = found[0]
            elif len(found) > 0.2 * len(grams):
                pending = []  # partly kept: not a lost block
                continue
        if anchor is not None:
            if pending:
                _insert_before(anchor, pending)
            pending = []
            if el.tag != "h1":
                last = el  # the title does not open the article's run
        elif el.tag in _HEADINGS or el.tag in ("td", "pre", "h1"):
            continue  # headings go back with restore_headings, cells stay in tables
        elif last is not None and _is_lost_prose(el, text):
            pending.append(el)
        elif not _has_block(el):  # a container: its blocks are judged one by one
            pending = []


def _has_block(el: Any) -> bool:
    return next(el.iterdescendants(*_PAGE_BLOCKS), None) is not None


def _insert_before(anchor: Any, lost: list[Any]) -> None:
    if anchor.tag not in ("p", "item", "head", "quote"):
        return
    in_list = anchor.tag == "item"
    if any(in_list != (el.tag == "li") for el in lost):
        return  # a paragraph into a list, or an item outside one: leave the run out
    for el in lost:
        new = etree.Element("item" if in_list else "p")
        _copy_inline(el, new)
        anchor.addprevious(new)


def _copy_inline(src: Any, dst: Any) -> None:
    """Text and links of a page block, as body markup."""
    dst.text = ""
    last: Any = None

    def add_text(text: str | None) -> None:
        nonlocal last
        if not text:
            return
        if last is None:
            dst.text = (dst.text or "") + text
        else:
            last.tail = (last.tail or "") + text

    def walk(node: Any) -> None:
        nonlocal last
        add_text(node.text)
        for child in node:
            if not isinstance(child.tag, str) or child.tag in _NO_TEXT:
                add_text(child.tail)
                continue
            if child.tag == "a" and child.get("href"):
                ref = etree.SubElement(dst, "ref", target=child.get("href"))
                ref.text = "".join(child.itertext())
                last = ref
            elif child.tag == "br":
                last = etree.SubElement(dst, "lb")
            else:
                walk(child)
            add_text(child.tail)

    walk(src)


_LAST_WORD = re.compile(r"(\w+)$")
_FIRST_WORD = re.compile(r"^(\w+)")


def restore_spaces(page: Any, body: Any) -> None:
    """Put back the space the reading lost between inline markup and the next word.

    trafilatura sometimes cuts the space after an emphasis or a link
    ("<em>can</em> get" read as "can" + "get"), and the words run together.
    Where the page has the two words apart, and never together, the space
    goes back; a word emphasised in part ("<em>khaneh</em>s") stays whole.
    """
    page_text: str | None = None
    for el in body.iter("hi", "ref"):
        tail = el.tail
        if not tail or not tail[0].isalnum():
            continue
        last = _LAST_WORD.search("".join(el.itertext()))
        first = _FIRST_WORD.match(tail)
        if last is None or first is None:
            continue
        if page_text is None:
            page_text = _spaced_text(page)
        apart = f"{last.group(1)} {first.group(1)}"
        if apart in page_text and f"{last.group(1)}{first.group(1)}" not in page_text:
            el.tail = " " + tail


def _spaced_text(page: Any) -> str:
    """The page's words, a line break parting the words on its two sides as a reader sees them.

    The break is written into the page (a newline before each ``<br>``'s tail):
    nothing reads the page's markup after this, and a newline there is what
    the break meant.
    """
    for br in page.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return " ".join(etree.tostring(page, method="text", encoding=str).split())
