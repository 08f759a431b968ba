"""HTML page (or plain-text page dump) → ``Extracted``: clean body and metadata.

The method, for HTML:

1. decode the bytes, checking every declared charset against them
   (:mod:`digest.extract.charset`);
2. bound the work: scripts, styles and comments are cut out of huge pages
   and what is left is capped, so a 20 MB page costs about what a 2 MB one
   does;
3. read the metadata before anything is removed (:mod:`digest.extract.meta`);
4. remove what readers never see, protect sentences from deletions inside
   them, set captions aside (:func:`digest.extract.boilerplate.prepare_tree`);
5. let trafilatura find the article: its precise reading, checked against
   its balanced one when short (:func:`_article_body`); put back headings it
   dropped inside the article (:mod:`digest.extract.restore`), then remove
   whole blocks of boilerplate it keeps (:func:`digest.extract.boilerplate.prune_body`);
6. write Markdown with our writer (:mod:`digest.extract.mdwriter`).

Plain-text dumps go to :mod:`digest.extract.textdump`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

import lxml.html
from lxml import etree

from digest.errors import ExtractError
from digest.escape import safe_url, xml_safe
from digest.extract.boilerplate import drop_other_articles, prepare_tree, prune_body
from digest.extract.captions import attach_captions, take_captions
from digest.extract.charset import decode_page, repair_mojibake
from digest.extract.markdown import html_to_markdown, markdown_to_text
from digest.extract.meta import (
    guess_language,
    locale_offset,
    parse_byline,
    parse_datetime,
    read_meta,
)
from digest.extract.restore import (
    mark_inline_code,
    page_blocks,
    restore_blocks,
    restore_headings,
    restore_spaces,
)
from digest.extract.textdump import extract_text_page
from digest.model import Extracted

__all__ = ["decoded_page", "extract_decoded", "extract_fragment", "extract_page", "is_html"]

log = logging.getLogger(__name__)

# Real article pages are far below this once scripts and styles are gone;
# the cap keeps parse and extraction time bounded on hostile input.
_MAX_HTML_CHARS = 3_000_000
_HEAVY_PARTS = re.compile(
    r"<script\b[^>]*>.*?</script\s*>|<style\b[^>]*>.*?</style\s*>|<!--.*?-->|<svg\b[^>]*>.*?</svg\s*>",
    re.I | re.S,
)
_HTML_START = re.compile(
    r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|\?xml|head|body)\b", re.I | re.S
)
_TAG = re.compile(
    r"<(?:p|div|a|br|span|li|ul|ol|table|h[1-6]|img|script|style|article|section|title|meta)\b[^>]*>",
    re.I,
)


def is_html(text: str, content_type: str | None = None) -> bool:
    """Whether text is an HTML page (else a plain-text page dump).

    The header is only a hint: saved pages arrive without one and servers
    label text dumps text/html, so the text itself decides.
    """
    head = text[:65536]
    if _HTML_START.match(head):
        return True
    tags = len(_TAG.findall(head))
    if content_type and "html" in content_type.lower():
        return tags >= 1
    return tags >= 3


def _bounded(text: str) -> str:
    if len(text) <= _MAX_HTML_CHARS:
        return text
    text = _HEAVY_PARTS.sub(" ", text)
    if len(text) > _MAX_HTML_CHARS:
        log.warning("page of %d characters cut to %d", len(text), _MAX_HTML_CHARS)
        text = text[:_MAX_HTML_CHARS]
    return text


# lxml.html's own lookup is a Python method called for every element proxy
# (a million calls on 200 pages, most of them in trafilatura's XPath
# passes); this one is resolved in C. It gives every element the plain
# HtmlElement class, without the form-field classes nothing here uses.
_LOOKUP = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def _parse(text: str) -> Any:
    # Encoding declarations in a str confuse lxml; the text is decoded already.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    parser.set_element_class_lookup(_LOOKUP)
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"unreadable HTML: {exc}") from exc
    if tree is None:
        raise ExtractError("unreadable HTML: no document")
    return tree


_BY_TEXT = etree.XPath(
    "//body//text()[starts-with(normalize-space(.), 'By ')"
    " or starts-with(normalize-space(.), 'by ')]"
)


def _byline(tree: Any) -> str | None:
    """The visible byline line near the headline ("By X | Site | Updated: ...")."""
    for node in _BY_TEXT(tree)[:20]:
        el = node.getparent()
        for _ in range(2):  # the line may be split over inline elements
            text = " ".join("".join(el.itertext()).split())
            if 6 < len(text) < 200 and re.search(r"\d{4}|\|", text):
                return text
            if el.getparent() is None:
                break
            el = el.getparent()
    return None


_CAPTION_IN_MD = re.compile(r"^!\[[^\]]*\]\(([^)]*)\)  \n\*(.+)\*$", re.M)


def _fallback_date(tree: Any) -> datetime | None:
    """htmldate's guess from URLs and visible text, for pages with no declared date.

    Only the date is trusted (no offset is known), so it is kept naive.
    """
    from htmldate import find_date

    try:
        found = find_date(tree, extensive_search=False, original_date=True)
    except Exception:  # htmldate is best effort; a missing date is not an error
        log.debug("htmldate failed", exc_info=True)
        return None
    return parse_datetime(found, None)


def _first_heading(markdown: str) -> str | None:
    match = re.search(r"^#{1,3} (.+)$", markdown, re.M)
    return match.group(1).strip() if match else None


_SENTENCE_MARK = re.compile(r"[.!?,;:。！？，]")


def _prose_words(body: Any) -> int:
    """Words of sentences outside links: what a reading holds beyond navigation."""
    total = 0
    for block in body.iter("p", "item", "quote", "cell"):
        text = "".join(block.itertext())
        linked = sum(len(t.split()) for ref in block.iter("ref") for t in ref.itertext())
        words = len(text.split()) - linked
        if words >= 8 and _SENTENCE_MARK.search(text):
            total += words
    return total


def _article_body(tree: Any, raw: str | None = None) -> Any:
    """trafilatura's article body, its precise reading checked against its balanced one.

    The precise reading (``favor_precision``) drops more share rows, related
    links and boxes, but on list articles and guides it also drops the items,
    or finds nothing. When it is short, the balanced reading is taken if it
    holds clearly more text: a page with paragraphs of prose is an article.
    """
    from trafilatura import bare_extraction

    def read(precise: bool, page: Any = tree, recall: bool = False) -> Any:
        doc = bare_extraction(
            page,
            fast=precise,  # its fallbacks recover text: what the balanced check is for
            favor_precision=precise,
            favor_recall=recall,
            include_comments=False,
            include_images=True,
            include_links=True,
            include_tables=True,
            include_formatting=True,
            with_metadata=False,
            deduplicate=False,
            output_format="xml",  # skips a plain-text rendering nobody reads
        )
        return getattr(doc, "body", None)

    precise = read(True)
    have = _prose_words(precise) if precise is not None else 0
    if have >= _ENOUGH_WORDS:
        return precise
    balanced = read(False)
    if balanced is not None:
        more = _prose_words(balanced)
        if more >= _PROSE_WORDS and more * _SHORT_SHARE > have:
            precise, have = balanced, more
    if have < _FEW_WORDS:
        # Little prose: the article may sit where the balanced reading does not
        # look (inside a <header> of broken markup, in boxes it discards).
        wide = read(False, recall=True)
        if wide is not None:
            more = _prose_words(wide)
            if more >= _PROSE_WORDS and more * _SHORT_SHARE > have:
                precise, have = wide, more
    if have < _FEW_WORDS and raw is not None:
        # Little prose left, and much text was hidden: the body may be marked
        # hidden until a script shows it. Read the page as it came.
        whole = read(False, _parse(raw))
        if whole is not None:
            more = _prose_words(whole)
            if more >= _PROSE_WORDS and more * _SHORT_SHARE > have:
                return whole
    return precise


# A precise reading this long is an article; a shorter one that holds less
# than this share of the balanced reading's words lost part of the page.
_ENOUGH_WORDS = 1000
_SHORT_SHARE = 0.6
# Fewer words outside links than a short paragraph is navigation, not prose.
_PROSE_WORDS = 40
# Fewer words of prose than this, and the recall reading and the page as it
# came are read too.
_FEW_WORDS = 150


def _extract_html(text: str, url: str | None) -> Extracted:
    from trafilatura.htmlprocessing import convert_to_html

    bounded = _bounded(text)
    tree = _parse(bounded)
    meta = read_meta(tree)
    byline = _byline(tree)
    by_author, by_site, by_stamp = parse_byline(byline) if byline else (None, None, None)
    captions = take_captions(tree)
    hidden_words = prepare_tree(tree)
    drop_other_articles(tree)
    body_xml = _article_body(tree, bounded if hidden_words > _FEW_WORDS else None)
    if body_xml is None:
        raise ExtractError("no article body found (navigation, listing or empty page)")
    title = meta.title
    base = url or meta.canonical_url
    blocks = page_blocks(tree)
    restore_blocks(tree, body_xml, blocks)
    restore_headings(tree, body_xml, title, blocks)
    restore_spaces(tree, body_xml)
    mark_inline_code(body_xml)
    body = convert_to_html(prune_body(body_xml, title))
    attach_captions(body, captions)
    markdown = html_to_markdown(body, base_url=base)
    plain = markdown_to_text(markdown)
    if not plain:
        raise ExtractError("no article text found (navigation, listing or empty page)")
    site_name = meta.site_name or by_site
    canonical = safe_url(meta.canonical_url, url)
    offset = locale_offset(canonical or url, site_name)
    published = parse_datetime(meta.published, offset) or parse_datetime(by_stamp, offset)
    if published is None:
        published = _fallback_date(tree)
    lead = _CAPTION_IN_MD.search(markdown)
    image = safe_url(meta.image, base) or (lead.group(1) if lead else None)
    return Extracted(
        title=title or _first_heading(markdown),
        markdown=markdown,
        text=plain,
        author=meta.author or by_author,
        published=published,
        canonical_url=canonical,
        url=url,
        site_name=site_name,
        language=meta.language or guess_language(plain),
        image=image,
        image_caption=markdown_to_text(lead.group(2)) if lead else None,
        section=meta.section,
        description=meta.description,
    )


def decoded_page(data: bytes | str, content_type: str | None = None) -> str:
    """The page as text; ExtractError for empty or binary input."""
    if isinstance(data, bytes):
        if not data or data.isspace():  # as not data.strip(), without a copy
            raise ExtractError("empty page")
        text = decode_page(data, content_type)
    else:
        text = repair_mojibake(data)
    if not text or text.isspace():
        raise ExtractError("empty page")
    if "\x00" in text[:8192]:
        raise ExtractError("binary data, not a text or HTML page")
    return text


def extract_page(
    data: bytes | str, *, url: str | None = None, content_type: str | None = None
) -> Extracted:
    """Extract the article of one page, HTML or plain-text dump.

    Raises ExtractError for empty, binary or article-less input.
    """
    return extract_decoded(decoded_page(data, content_type), url=url, content_type=content_type)


def extract_decoded(text: str, *, url: str | None = None,
                    content_type: str | None = None) -> Extracted:
    """:func:`extract_page` for a page :func:`decoded_page` has decoded."""
    if is_html(text, content_type):
        return _extract_html(text, url)
    result = extract_text_page(text, url=url)
    return replace(result, url=url) if url and result.url is None else result


def extract_fragment(html: str, *, base_url: str | None = None) -> tuple[str, str]:
    """A feed entry's HTML content → (markdown, text), sanitised like pages."""
    if not html or not html.strip():
        return "", ""
    try:
        root = lxml.html.fragment_fromstring(xml_safe(repair_mojibake(html)),
                                             create_parent="div")
    except (etree.ParserError, ValueError, AssertionError):
        # AssertionError: lxml's "too many bodies" when a fragment yields no
        # <body> (found by fuzzing); it means no content, not a crash.
        return "", ""
    prepare_tree(root)
    markdown = html_to_markdown(root, base_url=base_url)
    return markdown, markdown_to_text(markdown)
