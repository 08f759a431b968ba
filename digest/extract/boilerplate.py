"""Boilerplate pruning around trafilatura's main-content extraction.

trafilatura finds the article block well, but keeps what sits *inside* that
block without being the article: hover cards, related-link lists, share
rows, and the trailing run of author-contact, subscription, disclaimer and
call-for-submissions paragraphs. Two passes fix that, both generic:

* ``prepare_tree`` runs on the page before extraction: it removes what a
  reader never sees (hidden and off-screen elements, hover cards)
  (:mod:`digest.extract.captions` sets figure captions aside meanwhile).
* ``prune_body`` runs on trafilatura's XML body: it drops link lists, the
  title repeated as a heading, and boilerplate at the head and tail.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

__all__ = [
    "drop_other_articles",
    "is_trailer_text",
    "prepare_tree",
    "prune_body",
]

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|(?:left|top)\s*:\s*-\d{3,}px", re.I
)
# Inline pop-ups that appear on hover: present in the markup, not in the text.
_HOVER_CLASS = re.compile(r"tooltip|popover|hovercard|hover-card|rollover|popup", re.I)
_EMAIL_DEBRIS = re.compile(r"\[\s*email\s*(?:&#160;|\xa0|\s)*protected\s*\]", re.I)

# Sentences that mark a paragraph as the site speaking, not the article:
# contact lines, calls to subscribe or follow, disclaimers, rights notices.
# As for site notes, the lead-in anchored at the start is a pattern of its
# own, and the word boundary is tested once for all the phrases: a quarter
# of the cost of the one pattern they made.
_TRAILER_START = re.compile(r"(?:related|more|read|see|also read|watch|listen)\s*:", re.I)
_TRAILER = re.compile(
    r"\b(?:follow (?:us|him|her|me|them)\b|subscribe\b|newsletters?\b|sign up\b"
    r"|all rights reserved\b|copyright\b|disclaimer\b"
    r"|views? (?:expressed )?(?:do not|don't|does not|doesn't) necessarily reflect"
    r"|send us your\b|contact us\b|email (?:us|him|her|them)\b|have a tip\b"
    r"|click here\b|read more\b|share this\b|see also\b"
    r"|may be reached at\b|can be reached at\b|write to us\b)"
    r"|©|\[\s*email|@\w+\.\w{2,}",
    re.I,
)
_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b|\b(?:19|20)\d{2}年")
_HEAD_JUNK = re.compile(
    r"^(?:share(?:\s*[-–|:].*)?|print|e-?mail|comments?|\d+\s*comments?|tags?\s*:.*|advertisement"
    r"|(?:updated|published|posted)\s*:?.*\d{4}.*)$",
    re.I,
)


def _text(el: Any) -> str:
    """The visible text of an element, a line break counting as a space."""
    parts: list[str] = []
    _collect(el, parts)
    return " ".join("".join(parts).split())


def _collect(el: Any, parts: list[str]) -> None:
    if el.tag == "lb":
        parts.append(" ")
    parts.append(el.text or "")
    for child in el:
        _collect(child, parts)
        parts.append(child.tail or "")


def _drop(el: Any) -> None:
    """Remove an element, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


_MAYBE_HIDDEN = etree.XPath("//*[@hidden or @aria-hidden or @style]")
_NOTE_REFS = etree.XPath("//sup[a[starts-with(@href, '#')]]")
_NOTE_NUMBER = re.compile(r"^\[?\d{1,3}\]?$")
_TEXT_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "td", "dd", "blockquote")


def prepare_tree(tree: Any) -> int:
    """Clean a parsed page in place before trafilatura reads it.

    Returns how many words went with hidden elements: a page that hides its
    body until a script shows it is read again as it came.
    """
    hidden = []
    for el in _MAYBE_HIDDEN(tree):
        if el.get("hidden") is not None or el.get("aria-hidden") == "true":
            if el.tag not in ("html", "body"):
                hidden.append(el)
        elif _HIDDEN_STYLE.search(el.get("style", "")):
            hidden.append(el)
    hidden_words = 0
    for el in hidden:
        if el.getparent() is not None:
            hidden_words += len(_text(el).split())
        _drop(el)
    # Deepest first, so a hover card goes but the link that opens it stays.
    for el in reversed(_inside_text(tree)):
        if el.getparent() is not None and (
                el.find(".//img") is not None or len(el.findall(".//a")) >= 2
                or el.find(".//br") is not None):  # lines of its own: a card
            _drop(el)
    # A note's number links to the notes, which stay on the publisher's page.
    for sup in _NOTE_REFS(tree):
        if _NOTE_NUMBER.match(" ".join("".join(sup.itertext()).split())):
            _drop(sup)
    # Obfuscated e-mail links are only debris once scripts are gone.
    for el in tree.xpath("//a[contains(@href, 'email-protection')] | //*[@data-cfemail]"):
        el.text = "[email protected]"
        for child in list(el):
            el.remove(child)
    return hidden_words


_INLINE_TAGS = ("a", "span", "em", "strong", "b", "i", "u", "code", "small", "sup", "sub", "mark",
           "abbr", "time", "cite", "q", "font", "kbd", "var", "s", "del", "ins")
_INLINE = frozenset(_INLINE_TAGS)


def _inside_text(tree: Any) -> list[Any]:
    """Protect sentences, and return the hover cards found inside text.

    Inline elements inside text lose their class, id and style: the extractor
    deletes elements by such names (a "link" or "bottom" class, a bordered
    span), and inside a sentence that deletes words ("reported that <span
    class=link>the NFL will fine him</span> for" lost its clause). Cleaning
    works on whole blocks, never inside a sentence.
    """
    hover = []
    for block in tree.iter(*_TEXT_BLOCKS):
        for el in block.iterdescendants():
            attrib = el.attrib
            if not attrib:
                continue
            cls = attrib.get("class")
            if cls and _HOVER_CLASS.search(cls) and block.tag in ("p", "li"):
                hover.append(el)
            if el.tag in _INLINE:
                for name in ("class", "id", "style"):
                    attrib.pop(name, None)
    return hover


def drop_other_articles(tree: Any) -> None:
    """Remove teaser <article>s when one <article> clearly holds the story.

    Pages mark each post with <article>: the story and, after it, related
    posts or the next story of an endless scroll. The story is the one
    <article> holding the page's only <h1> with enough text of its own;
    every <article> that neither contains it nor sits inside it goes.
    """
    headings = tree.xpath("//body//h1")
    if len(headings) != 1:
        return
    owners = [el for el in headings[0].iterancestors("article")]
    if not owners:
        return
    main = owners[-1]  # the outermost, so nested articles inside it stay
    if len(_text(main)) < 500:
        return
    inside = set(main.iter("article")) | set(main.iterancestors("article"))
    for el in list(tree.iter("article")):
        if el not in inside and el.getparent() is not None:
            _drop(el)


def _link_text_share(el: Any) -> float:
    total = len(_text(el))
    if not total:
        return 0.0
    linked = sum(len(_text(ref)) for ref in el.iter("ref"))
    return linked / total


def _is_link_list(el: Any) -> bool:
    """A list whose every item is a link: related stories, tags, navigation."""
    items = el.findall("item")
    return len(items) >= 2 and all(_link_text_share(item) > 0.8 for item in items)


# A lead-in that introduces a link to another story, not the article's prose.
_RELATED = re.compile(
    r"^(?:related(?: stories| articles| coverage| content)?|see also|read (?:more|also)|also read"
    r"|more(?: on this| stories)?|recommended|further reading|you (?:may|might) also like"
    r"|don't miss|editor'?s? picks?)\s*:",
    re.I,
)


def _is_related_teaser(text: str) -> bool:
    return len(text) < 160 and bool(_RELATED.match(text))


_LABEL = re.compile(r"^\s*\w+(?: \w+)?\s*:\s*$")


def _is_labelled_links(p: Any) -> bool:
    """ "Related: <a>Story</a>": an unlinked label, then only links."""
    lead = p.text or ""
    first = p[0] if len(p) else None
    while first is not None and first.tag == "hi" and first.find("ref") is None:
        lead += "".join(first.itertext()) + (first.tail or "")
        first = first.getnext()
    if not _LABEL.match(lead) or first is None:
        return False
    rest = len(_text(p)) - len(" ".join(lead.split()))
    linked = sum(len(_text(ref)) for ref in p.iter("ref"))
    return rest > 0 and linked >= 0.8 * rest


_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_DAY_OR_TIME = re.compile(r"\b\d{1,2}:\d{2}\b|(?<![\d:])\b\d{1,2}\b(?![:\d])")
_TAG_LABEL = re.compile(
    r"^(?:tags?|tagged(?: with| in)?|topics?|categories|category|filed under|keywords)\b", re.I
)


def _is_date_line(text: str) -> bool:
    """A dateline in any language: a year, a day or time, and few words."""
    return (
        len(text) < 80
        and len(text.split()) <= 10
        and bool(_YEAR.search(text))
        and bool(_DAY_OR_TIME.search(_YEAR.sub(" ", text)))
    )


def _is_head_junk(text: str) -> bool:
    return not text or bool(_HEAD_JUNK.match(text) or _DATE.search(text))


def _is_tag_row(el: Any) -> bool:
    """ "Tags: a, b, c" with the tags linked."""
    return bool(_TAG_LABEL.match(_text(el))) and _link_text_share(el) > 0.5


def _is_trailer(el: Any) -> bool:
    return is_trailer_text(_text(el))


def is_trailer_text(text: str) -> bool:
    """Whether a paragraph is the site speaking: contact, subscribe, rights."""
    if not text:
        return True
    if _EMAIL_DEBRIS.search(text):
        return True
    return len(text) < 400 and bool(_TRAILER_START.match(text) or _TRAILER.search(text))


_BLOCK_TAGS = ("p", "head", "list", "quote", "table", "graphic", "code")


def _blocks(body: Any) -> list[Any]:
    """The outermost block elements of a body, in order, however nested."""
    found = []
    for el in body.iter(*_BLOCK_TAGS):
        parent = el.getparent()
        while parent is not None and parent is not body and parent.tag not in _BLOCK_TAGS:
            parent = parent.getparent()
        if parent is body or parent is None:
            found.append(el)
    return found


# The site speaking anywhere in the body, whole paragraphs only: feed
# footers, subscription boxes, share and follow prompts, comment prompts.
# Two patterns, one tried at the start only: alternatives anchored with ^ in
# one search were still tried at every position, three times the cost.
_SITE_NOTE_START = re.compile(
    r"(?:did you )?(?:like|enjoy(?:ed)?|love) (?:this|the) (?:story|article|post)\?"
    r"|follow [\w .'&-]{1,40} on (?:instagram|facebook|twitter|x|tiktok|youtube|linkedin|threads)"
    r"|leave a (?:comment|reply)\b"
    r"|share (?:this|it)(?: (?:story|article|post))?(?: with [\w ]+)?[.!]?$",
    re.I,
)
_SITE_NOTE_ANYWHERE = re.compile(
    r"\b(?:appeared first on\b|error processing your subscription\b"
    r"|sign up for (?:our|the|a) (?:[\w'-]+ ){0,3}newsletter"
    r"|log ?in to (?:leave|post|add) a comment"
    # form builders' default messages, left in the page for a script to show
    r"|your submission has been received\b|something went wrong while submitting\b"
    r"|receive notifications about new posts\b)",
    re.I,
)


def _is_site_note(text: str) -> bool:
    return bool(_SITE_NOTE_START.match(text) or _SITE_NOTE_ANYWHERE.search(text))


# Headings of a site's box: the heading and the short blocks under it go.
_BOX_HEADING = re.compile(
    r"^(?:\d+ )?(?:comments?|responses?|replies|discussion|leave a (?:comment|reply)"
    r"|related(?: posts| articles| stories| content| reading| coverage)?"
    r"|you (?:may|might) also (?:like|enjoy)|more (?:from|stories|news|like this|to read)\b.*"
    r"|read (?:more|next)|recommended(?: for you| reading)?|popular (?:posts|stories)"
    r"|most (?:read|popular|viewed)|trending(?: now| stories)?|(?:our |the )?newsletters?"
    r"|sign up\b.*|subscribe\b.*|share (?:this|the) (?:article|story|post))[.:!]?$",
    re.I,
)


def _drop_site_boxes(body: Any) -> None:
    blocks = _blocks(body)
    i = 0
    while i < len(blocks):
        el = blocks[i]
        text = _text(el)
        if el.tag == "head" and _BOX_HEADING.match(text):
            _drop(el)
            i += 1
            while i < len(blocks) and blocks[i].tag != "head" and (
                    len(_text(blocks[i])) < 200 or (blocks[i].tag == "list"
                    and _link_text_share(blocks[i]) > 0.5)):
                _drop(blocks[i])
                i += 1
            continue
        if el.tag in ("p", "head", "quote") and len(text) < 300 and _is_site_note(text):
            _drop(el)
        i += 1


def _drop_empty_sections(body: Any) -> None:
    """A heading with nothing under it (its box went) before the next heading or the end."""
    blocks = _blocks(body)
    for n, el in enumerate(blocks):
        if el.tag != "head":
            continue
        nxt = blocks[n + 1] if n + 1 < len(blocks) else None
        if nxt is None or (nxt.tag == "head" and _level(nxt) <= _level(el)):
            _drop(el)


def _level(head: Any) -> int:
    rend = head.get("rend") or "h3"
    return int(rend[1]) if len(rend) == 2 and rend[1].isdigit() else 3


def _title_and_little(low: str, title: str) -> bool:
    """The title with a few words around it (a site name, a date), not a sentence using it."""
    return len(low.split()) <= len(title.split()) + 6


def prune_body(body: Any, title: str | None) -> Any:
    """Remove boilerplate from trafilatura's XML body in place."""
    for lst in list(body.iter("list")):
        if _is_link_list(lst):
            prev = lst.getprevious()
            # "Related:" / "More on this" lead-ins go with their list.
            if prev is not None and prev.tag in ("p", "head") and len(_text(prev)) < 80:
                _drop(prev)
            _drop(lst)
    for p in list(body.iter("p")):
        if _is_labelled_links(p) or _is_related_teaser(_text(p)):
            _drop(p)  # "Related: <a>Story</a>"
    _drop_site_boxes(body)
    blocks = _blocks(body)
    norm_title = " ".join((title or "").lower().split())
    # Head: the title repeated, bylines, share rows, dates before the text.
    for el in blocks[:6]:
        if el.tag == "graphic":
            continue
        text = _text(el)
        if len(text) > 200:
            break
        low = text.lower()
        if (
            _is_head_junk(text)
            or (norm_title and (low in norm_title or (norm_title in low and _title_and_little(
                low, norm_title))))
            or (el.tag == "p" and _is_date_line(text))
            or (low.startswith("by ") and len(text) < 150)
        ):
            loose = " ".join((el.tail or "").split())
            if _is_head_junk(loose) or _is_date_line(loose):
                el.tail = None  # a dateline written loose after the headline
            _drop(el)
            continue
        if el.tag == "p" and len(text) > 120:
            break
    # Tail: the run of site-speaking paragraphs after the article ends.
    for el in reversed(_blocks(body)):
        if el.tag in ("p", "head", "quote", "list") and (_is_trailer(el) or _is_tag_row(el)):
            _drop(el)
        elif el.tag == "graphic":
            continue
        elif not _text(el):
            _drop(el)
        else:
            break
    _drop_empty_sections(body)
    return body
