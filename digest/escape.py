"""The one place that decides what untrusted text and URLs may become.

Feeds and pages are untrusted. Every writer (the Markdown converter, the
archive's fields, the listing pages, the feeds, the export, the templates'
``inert`` macro, which ``tests/test_escape.py`` holds to :func:`html_text`) goes
through these functions, so that escaped text stays visible text and nothing a
source wrote becomes markup, whatever renders it.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import quote, urljoin, urlsplit

__all__ = [
    "clean_url",
    "html_text",
    "https_url",
    "json_text",
    "md_body",
    "md_text",
    "md_url",
    "one_line",
    "safe_url",
    "strip_controls",
    "url_problem",
    "web_url",
    "xml_safe",
]

# C0 controls but tab, newline and carriage return, DEL and the C1 controls:
# never text (C1 ones are mojibake, and feed readers map them to cp1252).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What XML 1.0 forbids: lxml parses HTML holding these but cannot set them
# back, and a feed holding one does not parse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPACE = re.compile(r"\s+")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto", "ftp"})
_WEB_SCHEMES = ("http://", "https://")


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def xml_safe(text: str) -> str:
    """Text without the characters an XML or HTML tree cannot hold."""
    return _NOT_XML.sub("", text)


def one_line(value: str | None) -> str | None:
    """A one-line field (title, author, summary): controls gone, whitespace collapsed.

    Nothing else changes: a title that talks about ``<div>`` keeps the word.
    """
    if value is None:
        return None
    return _SPACE.sub(" ", strip_controls(value)).strip() or None


# -- HTML and XML -------------------------------------------------------------


def html_text(value: str) -> str:
    """Text for HTML or XML character data and quoted attributes."""
    return html.escape(xml_safe(strip_controls(value)), quote=True)


def json_text(value: object) -> str:
    """JSON whose strings hold no ``<``, ``>`` or ``&``: inert even if a page embeds it."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    # These never occur in JSON outside strings, so replacing them is safe.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# -- Markdown -------------------------------------------------------------------

# Inline syntax of Python-Markdown: backslash escapes. Brackets and braces,
# and syntax that only some extensions add (attr_list "{:", pymdownx tilde
# "~~", caret "^^", mark "==", emoji ":x:", arithmatex "$" and "\\[", magiclink
# "@user" and "https:", tables "|", keys "++ctrl++"): character references,
# which every renderer reads back as the same character, with the extension
# or without (a backslash before "[" is arithmatex's math opener). "<" and
# "&" are HTML-escaped. At the start of a line, list and quote markers too.
_MD_INLINE = re.compile(r"([\\`*_#])")
_MD_EXTENSION = re.compile(r"[\[\]{}~^=:$@|+]")
_MD_LINE_START = re.compile(r"^(?:([>-])|(\d+)\.)")
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Brackets (links), braces (attr_list) and dollars (arithmatex's "$…$" math,
# which pairs dollars across a sentence: "$5-$10"): character references.
_BODY_REFERENCES = re.compile(r"[\[\]{}$]")


def md_text(value: str) -> str:
    """One line of plain text that renders as exactly that text in Markdown.

    For the lines digest generates (listings, headings, the export, text-dump
    paragraphs), under any Markdown extension: ``[x](javascript:…)`` and
    ``{: onclick=…}`` stay text, and a title that starts with "1." or "-" is not
    read as a list.
    """
    text = _SPACE.sub(" ", strip_controls(value)).strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_EXTENSION.sub(lambda m: f"&#{ord(m[0])};", text)
    return _MD_LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\.", text)


def md_body(text: str) -> str:
    """Prose text inside Markdown we write (an article's body): inert, yet readable.

    Backslashes, ``<`` and entity-like ``&`` are escaped, brackets, braces and
    dollars become character references: ``&lt;script&gt;`` in a page stays those words
    on the site, and text such as ``[x](javascript:…)``, ``{: onclick=…}`` or
    ``$5-$10`` never becomes a link, an attribute or math. Real links are
    written by the converter, outside this function.
    """
    text = strip_controls(text).replace("\\", "\\\\")
    text = _ENTITY_LIKE.sub("&amp;", text).replace("<", "&lt;")
    return _BODY_REFERENCES.sub(lambda m: f"&#{ord(m[0])};", text)


# -- URLs -----------------------------------------------------------------------


def clean_url(raw: str) -> str:
    """The URL as a browser reads it: outer whitespace and inner control characters gone."""
    url = re.sub(r"^[\x00-\x20]+|[\x00-\x20]+$", "", raw)
    return re.sub(r"[\x00-\x1f\x7f]+", "", url)


def web_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None."""
    if not url:
        return None
    return url if url[:8].lower().startswith(_WEB_SCHEMES) else None


def url_problem(url: str) -> str | None:
    """Why ``url`` is no http(s) URL that can be fetched, or None when it is one.

    :func:`web_url` only looks at the scheme; a link such as
    ``http://host:99999/`` or ``http://[::1`` passes it but has no address.
    """
    if not web_url(url):
        return "not an http(s) URL"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"invalid URL ({exc})"
    if not parts.hostname:
        return "invalid URL (no host name)"
    if port == 0:
        return "invalid URL (port 0)"
    return None


def https_url(url: str | None) -> str | None:
    """``url`` when it is an absolute https URL, else None: for what a page loads
    from elsewhere (pictures), which must not be mixed content."""
    if not url:
        return None
    url = url.strip()
    return url if url[:8].lower() == "https://" and len(url) > 8 else None


def safe_url(raw: str | None, base_url: str | None = None) -> str | None:
    """An absolute http(s)/mailto/ftp URL, or None when the URL is unsafe.

    Browsers ignore control characters and whitespace inside a scheme
    (``java\\nscript:``), so they are removed before the scheme is checked.
    """
    if not raw:
        return None
    url = clean_url(raw)
    if not url or url.startswith("#"):
        return None
    if base_url:
        try:
            url = urljoin(base_url, url)
        except ValueError:
            return None
    elif url.startswith("//"):
        url = "https:" + url
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in _SAFE_SCHEMES:
        return None
    # Characters that would end a Markdown link target or open a tag.
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")


def md_url(url: str | None) -> str | None:
    """A web URL ready to stand in a Markdown link target, or None."""
    checked = web_url(url)
    return None if checked is None else safe_url(checked)
