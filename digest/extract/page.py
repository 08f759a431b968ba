"""One page → ``Extracted``: the entry point of ``digest add``, ``fetch`` and ``extract``.

:func:`digest.extract.html.is_html` tells HTML from a plain-text dump by the
tags in the text. A dump that quotes markup (a security story showing the
``<script>`` it is about, a tutorial showing ``<p>Hello</p>``) has tags
enough to pass for HTML, and read as HTML it yields nothing or a sliver:
the quoted tags are parsed, the lines run together into one paragraph. A
page with the shape of a dump (text on its first line, most lines free of
tags) is read as a dump, and as HTML only when that finds no article. A
real page (a document, or a fragment that starts with a tag) is read as
HTML.
"""

from __future__ import annotations

import re
from dataclasses import replace

from digest.errors import ExtractError
from digest.extract import html as html_reader
from digest.extract.textdump import extract_text_page
from digest.model import Extracted

__all__ = ["extract_page"]

_TAG_START = re.compile(r"<[A-Za-z!/?]")
_DOCUMENT = re.compile(r"<(?:!doctype\b|html\b|head\b|body\b)", re.I)
_HEAD_CHARS = 65536
# What bytes.lstrip() strips, then a tag: the bytes are a page.
_PAGE_START = re.compile(rb"[ \t\n\r\x0b\x0c]*<")
_TAGGED_SHARE = 4  # a dump has fewer than one line in this many with a tag


def _dump_quoting_markup(text: str, content_type: str | None) -> bool:
    """Whether a page taken for HTML has the shape of a text dump.

    A document's tags (``<html>``, ``<body>``) anywhere near the top make it
    a page, whatever comes first (a byte-order mark, a server's warning).
    """
    head = text[:_HEAD_CHARS]
    if (
        head.lstrip("\ufeff \t\r\n")[:1] == "<"
        or _DOCUMENT.search(head)
        or not html_reader.is_html(text, content_type)
    ):
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    tagged = sum(1 for line in lines if _TAG_START.search(line))
    return tagged * _TAGGED_SHARE < len(lines)


def extract_page(
    data: bytes | str, *, url: str | None = None, content_type: str | None = None
) -> Extracted:
    """Extract the article of one page, HTML or plain-text dump.

    Raises ExtractError for empty, binary or article-less input.
    """
    text = html_reader.decoded_page(data, content_type)  # once, for both readers
    if not (isinstance(data, bytes) and _PAGE_START.match(data)) and _dump_quoting_markup(
            text, content_type):
        try:
            return _as_dump(text, url)
        except ExtractError:
            pass  # then as HTML: a fragment after a line of text, maybe
    return html_reader.extract_decoded(text, url=url, content_type=content_type)


def _as_dump(text: str, url: str | None) -> Extracted:
    result = extract_text_page(text, url=url)
    return replace(result, url=url) if url and result.url is None else result
