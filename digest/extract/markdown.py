"""Cleaned HTML → Markdown, and Markdown → plain text.

The Markdown we write is read later by MkDocs (Python-Markdown), which passes
raw HTML straight through to the site. Source pages are untrusted, so the
output must never contain markup: the tree is sanitised before conversion
(dangerous elements, attributes and URL schemes removed), and the writer
(:mod:`digest.extract.mdwriter`) escapes every ``<`` and entity-like ``&`` of
prose, so that ``&lt;script&gt;`` in a page stays visible text instead of
becoming a tag. Code blocks are written as ``<pre><code>`` with character
references, which keep every character and stay inert with or without a fence
extension (:func:`digest.extract.mdwriter._code_block`).
"""

from __future__ import annotations

import bisect
import html
import re
from typing import Any

import lxml.html
from lxml import etree

from digest.escape import clean_url, safe_url, strip_controls, xml_safe
from digest.extract.mdwriter import write_markdown

__all__ = ["html_to_markdown", "markdown_to_text", "sanitize_tree"]

# Elements whose whole subtree never reaches the output: active content,
# embedded documents, forms and other chrome that carries no article text.
_DROP_TAGS = (
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "form",
    "input",
    "button",
    "select",
    "option",
    "textarea",
    "noscript",
    "template",
    "svg",
    "math",
    "canvas",
    "audio",
    "video",
    "source",
    "track",
    "link",
    "meta",
    "base",
    "head",
    "title",
    "dialog",
)
_BLANKS = re.compile(r"\n{3,}")


# A page control (share, print, e-mail buttons) written as a link that only
# runs a script or goes nowhere: without the script it does nothing, and its
# label left in a paragraph reads as part of the article ("... Senate. Share this").
# Only a bare "#" or a script URL: "#comments" is a real anchor, and words such
# as "like" or "save" are too often prose to be read as buttons.
_CONTROL_TARGET = re.compile(r"^(?:#|(?:java|vb)script:.*)$", re.IGNORECASE | re.DOTALL)
_CONTROL_LABEL = re.compile(
    r"^(?:share|share (?:this|on \w+|via \w+)|print(?: this)?|e-?mail(?: this)?|tweet(?: this)?"
    r"|pin it|copy link)$",
    re.IGNORECASE,
)


def _is_control(el: Any) -> bool:
    href = el.get("href")
    if href is None:
        return False
    if not _CONTROL_TARGET.match(clean_url(href)):
        return False
    label = " ".join("".join(el.itertext()).split())
    return bool(_CONTROL_LABEL.match(label))


def _remove_keep_tail(el: Any) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def sanitize_tree(root: Any, base_url: str | None = None) -> Any:
    """Remove active content from an lxml tree in place and return it.

    Links with unsafe targets are unwrapped (their text is kept), except page
    controls (a "Share this" link to ``javascript:`` or ``#``), which are
    removed; images with unsafe sources are dropped; every attribute except
    the few the converter reads is removed, which also removes event handlers.
    """
    for el in [a for a in root.iter("a") if _is_control(a)]:
        _remove_keep_tail(el)
    etree.strip_elements(
        root, etree.Comment, etree.ProcessingInstruction, *_DROP_TAGS, with_tail=False
    )
    keep = {"href", "src", "alt", "title", "colspan", "rowspan"}
    for el in root.iter(etree.Element):
        names = list(el.attrib)
        if any(name.lower() not in keep for name in names):
            # Rebuild rather than delete one by one: lxml refuses to address
            # attributes whose names hold control characters (found by fuzzing).
            kept = {n: v for n, v in el.attrib.items() if n.lower() in keep}
            el.attrib.clear()
            for name, value in kept.items():
                el.set(name, value)
        if el.tag == "a":
            href = safe_url(el.get("href"), base_url)
            if href is None:
                el.attrib.pop("href", None)
            else:
                el.set("href", href)
        elif el.tag == "img":
            src = safe_url(el.get("src"), base_url)
            if src is None or src.startswith("mailto:"):
                el.attrib.pop("src", None)
            else:
                el.set("src", src)
    return root


def html_to_markdown(source: str | Any, *, base_url: str | None = None) -> str:
    """Convert an HTML string or lxml element into safe Markdown."""
    if isinstance(source, str):
        if not source.strip():
            return ""
        try:
            root = lxml.html.fragment_fromstring(xml_safe(source), create_parent="div")
        except (etree.ParserError, ValueError):
            return ""
        except AssertionError:
            # lxml asserts when a fragment parses to no <body> at all (found by
            # fuzzing: a <title> left open swallows the document); that is "no
            # content", not a crash.
            return ""
    else:
        root = source
    sanitize_tree(root, base_url)
    return write_markdown(root)


# An image followed by its caption line (see mdwriter's figures):
# captions describe images, they are not the article's prose.
_MD_CAPTIONED = re.compile(r"!\[[^\]]*\]\([^)]*\)  \n\*[^\n]*\*[ \t]*$", re.M)
# Each pattern starts with its literal character and looks behind it after:
# a leading lookbehind keeps the regex engine from skipping ahead to that
# character, and it tried a match at every position of the text instead.
_MD_IMAGE = re.compile(r"!(?<!\\!)\[(?:[^\[\]\\]|\\.)*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[(?<!\\\[)((?:[^\[\]\\]|\\.)*)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^#{1,6}\s+", re.M)
_MD_QUOTE = re.compile(r"^(?:>\s?)+", re.M)
_MD_BULLET = re.compile(r"^[ \t]*[-*+]\s+", re.M)
_MD_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$", re.M)
_MD_DELIMS = re.compile(r"[*_]")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")
_MD_PRE = re.compile(r"<pre><code>(.*?)</code></pre>", re.S)  # mdwriter's code blocks
_MD_FENCE = re.compile(r"^([ \t]*)(`{3,})[^\n]*\n(.*?)\n\1\2[ \t]*$", re.M | re.S)
_MD_CODE_SPAN = re.compile(r"(`(?<![\\`]`)`*)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_HOLE = re.compile(r"\x00(\d+)\x00")


def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _unemphasise(line: str) -> str:
    """``*a*``, ``__a__``, ``***a***`` → ``a``, in time linear in the line.

    The rules of the regex this replaces: an opener of one to three ``*`` or
    ``_`` (the longest first) not after a word character or a backslash,
    followed by a non-space; the nearest closer, the same delimiter after a
    non-space and before no word character. The regex searched the rest of
    the line from every opener with no closer (``*a *a *a …``): quadratic.
    Whether a place closes does not depend on the opener, so the closers
    are listed once and each opener takes the first after it (a bisection).
    """
    spots = [m.start() for m in _MD_DELIMS.finditer(line)]
    if len(spots) < 2:
        return line
    n = len(line)
    closers: dict[str, list[int]] = {}
    for j in spots:
        for size in (1, 2, 3):
            delim = line[j : j + size]
            if (
                len(delim) == size
                and delim == delim[0] * size
                and j > 0
                and not line[j - 1].isspace()
                and (j + size >= n or not _word(line[j + size]))
            ):
                closers.setdefault(delim, []).append(j)
    out: list[str] = []
    done = 0  # the line is copied up to here
    for i in spots:
        if i < done or (i > 0 and (line[i - 1] == "\\" or _word(line[i - 1]))):
            continue
        run = 1
        while run < 3 and i + run < n and line[i + run] == line[i]:
            run += 1
        for size in range(run, 0, -1):  # greedy, as \*{1,3} is
            body = i + size
            if body >= n or line[body].isspace():
                continue
            places = closers.get(line[i] * size, [])
            k = bisect.bisect_left(places, body + 1)
            if k < len(places):
                j = places[k]
                out.append(line[done:i] + line[body:j])
                done = j + size
                break
    if not out:
        return line
    return "".join(out) + line[done:]


def markdown_to_text(md: str) -> str:
    """The plain text of our Markdown: no markup, paragraphs kept apart, code as it is."""
    code: list[str] = []

    def hole(value: str) -> str:
        code.append(value)
        return f"\x00{len(code) - 1}\x00"

    def fence(m: re.Match[str]) -> str:
        indent = len(m.group(1))
        lines = [ln[indent:] if ln[:indent].isspace() else ln for ln in m.group(3).split("\n")]
        return hole("\n".join(lines))

    text = _MD_FENCE.sub(fence, strip_controls(md))
    text = _MD_PRE.sub(lambda m: hole(html.unescape(m.group(1))), text)
    text = _MD_CODE_SPAN.sub(lambda m: hole(m.group(2).strip(" ")), text)
    text = _MD_CAPTIONED.sub("", text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_TABLE_RULE.sub("", text)
    text = _MD_BULLET.sub("", text)
    text = "\n".join(_unemphasise(line) for line in text.split("\n"))
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            cells = re.split(r"(?<!\\)\|", stripped[1:-1])
            stripped = " ".join(cell.strip() for cell in cells)
        lines.append(stripped)
    text = _MD_ESCAPE.sub(r"\1", "\n".join(lines))
    text = html.unescape(text)
    text = _HOLE.sub(lambda m: code[int(m.group(1))], text)
    return _BLANKS.sub("\n\n", text).strip()
