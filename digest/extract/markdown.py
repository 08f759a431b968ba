"""Cleaned HTML → Markdown, and Markdown → plain text.

The Markdown we write is read later by MkDocs (Python-Markdown), which passes
raw HTML straight through to the site. Source pages are untrusted, so the
output must never contain markup: the tree is sanitised before conversion
(dangerous elements, attributes and URL schemes removed) and every ``<`` and
entity-like ``&`` in text is escaped, so that ``&lt;script&gt;`` in a page
stays visible text instead of becoming a tag.
"""

from __future__ import annotations

import html
import re
from typing import Any

import lxml.html
from lxml import etree
from markdownify import MarkdownConverter

from digest.escape import clean_url, md_body, safe_url, xml_safe

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


# Code is shown verbatim, so "<" cannot be escaped there; a zero-width space
# after it keeps code that reads "<script>" from ever being a tag (or matching
# a grep for one) under any Markdown renderer, and looks the same.
_CODE_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _defuse_code(text: str) -> str:
    # "](" too: should the block ever lose its indentation, no link is formed.
    return _CODE_TAG_START.sub("<\u200b", text).replace("](", "]\u200b(")


class DigestConverter(MarkdownConverter):
    """markdownify with our escaping and our handling of figures and links."""

    options: dict[str, Any]  # set by MarkdownConverter.__init__; untyped there

    def __init__(self, **options: Any) -> None:
        options.setdefault("heading_style", "ATX")
        options.setdefault("bullets", "-")
        options.setdefault("autolinks", False)
        options.setdefault("table_infer_header", True)
        # lxml's parser is several times faster than html.parser and reads
        # the markup we serialise ourselves just the same.
        options.setdefault("bs4_options", "lxml")
        super().__init__(**options)

    def escape(self, text: str, parent_tags: Any) -> str:
        # Ours first (backslashes, brackets, "<", "&"), then markdownify's own
        # "*"/"_" escapes, which must not be escaped a second time.
        return str(super().escape(md_body(text), parent_tags))  # type: ignore[misc]

    def convert_a(self, el: Any, text: str, parent_tags: Any) -> str:
        href = el.get("href")
        if not href or not text.strip() or safe_url(href) is None:
            return text
        title = el.get("title")
        el.attrs.pop("title", None)
        result = str(super().convert_a(el, text, parent_tags))  # type: ignore[misc]
        if title:
            el.attrs["title"] = title
        return result

    def convert_img(self, el: Any, text: str, parent_tags: Any) -> str:
        src = el.get("src")
        if not src or safe_url(src) is None:
            return ""
        # Brackets would end the alt text early; they carry no meaning there.
        alt = md_body(re.sub(r"[\[\]]", "", " ".join((el.get("alt") or "").split())))
        if (
            "_inline" in parent_tags
            and el.parent is not None
            and el.parent.name not in (self.options["keep_inline_images_in"] or ())
        ):
            return alt
        return f"![{alt}]({src})"

    def convert_figure(self, el: Any, text: str, parent_tags: Any) -> str:
        imgs = el.find_all("img")
        cap = el.find("figcaption")
        if len(imgs) != 1 or cap is None or el.find("table") is not None:
            return f"\n\n{text.strip()}\n\n"
        image = self.convert_img(imgs[0], "", set())
        caption = self.convert_figcaption(cap, "", parent_tags).strip()
        # Image, hard line break, caption: one block, so the caption stays
        # visibly attached and markdown_to_text can tell it from prose.
        return f"\n\n{image}  \n{caption}\n\n" if image else f"\n\n{caption}\n\n"

    def convert_figcaption(self, el: Any, text: str, parent_tags: Any) -> str:
        # The caption is set in italics as a whole; inner emphasis would clash.
        caption = " ".join(md_body(el.get_text()).split()).replace("*", "\\*")
        return f"\n\n*{caption}*\n\n" if caption else ""

    def convert_code(self, el: Any, text: str, parent_tags: Any) -> str:
        return str(super().convert_code(el, _defuse_code(text), parent_tags))  # type: ignore[misc]

    def convert_pre(self, el: Any, text: str, parent_tags: Any) -> str:
        # Indented, not fenced: plain Python-Markdown has no fences and would
        # pass a fenced block's "<script>" through as raw HTML.
        lines = _defuse_code(text or "").strip("\n").splitlines()
        if not any(line.strip() for line in lines):
            return ""
        return "\n\n" + "\n".join("    " + line for line in lines) + "\n\n"

    # Unknown or dangerous containers that survived sanitising still only
    # give their text: markdownify never copies tags, this makes it explicit.
    def convert_iframe(self, el: Any, text: str, parent_tags: Any) -> str:
        return ""

    convert_script = convert_iframe
    convert_style = convert_iframe
    convert_form = convert_iframe


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
    markup = etree.tostring(root, encoding="unicode", method="html")
    converted = DigestConverter().convert(markup)
    lines = [
        line if line.endswith(")  ") else line.rstrip() for line in str(converted).splitlines()
    ]
    # strip("\n"), not strip(): a leading code block keeps its indentation.
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip("\n")


# An image followed by its caption line (see DigestConverter.convert_figure):
# captions describe images, they are not the article's prose.
_MD_CAPTIONED = re.compile(r"!\[[^\]]*\]\([^)]*\)  \n\*[^\n]*\*[ \t]*$", re.M)
_MD_IMAGE = re.compile(r"(?<!\\)!\[(?:[^\[\]\\]|\\.)*\]\([^)]*\)")
_MD_LINK = re.compile(r"(?<!\\)\[((?:[^\[\]\\]|\\.)*)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^#{1,6}\s+", re.M)
_MD_QUOTE = re.compile(r"^(?:>\s?)+", re.M)
_MD_BULLET = re.compile(r"^[ \t]*[-*+]\s+", re.M)
_MD_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$", re.M)
_MD_EMPHASIS = re.compile(r"(?<![\\\w])(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1(?!\w)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")


def markdown_to_text(md: str) -> str:
    """The plain text of our Markdown: no markup, paragraphs kept apart."""
    text = _MD_CAPTIONED.sub("", md)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_TABLE_RULE.sub("", text)
    text = _MD_BULLET.sub("", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            stripped = " ".join(cell.strip() for cell in stripped.strip("|").split("|"))
        lines.append(stripped)
    text = _MD_ESCAPE.sub(r"\1", "\n".join(lines))
    text = html.unescape(text)
    return _BLANKS.sub("\n\n", text).strip()
