"""A sanitised lxml tree → the Markdown a person would write.

Written for our input, straight from lxml (no second parse):

* inline text keeps its words and spaces: whitespace runs become one space,
  emphasis markers hug their words and leave the spaces outside
  (``country<strong> </strong>and`` stays "country and"), and are written
  only where CommonMark reads them as emphasis (:func:`_emphasis`); a link
  keeps the text around it;
* code keeps every character: ``<pre>`` becomes an HTML ``<pre><code>`` block
  with character references (safe with or without a fence extension, see
  :func:`_code_block`), inline ``<code>`` a code span in its sentence, which
  every renderer escapes itself;
* block structure is kept (headings, lists, quotes, tables, figures) and never
  nested where Markdown cannot show it: a heading inside a link becomes a
  heading holding the link, a heading with no words is dropped.

Prose goes through :func:`digest.escape.md_body`; the tree must already be
sanitised (:func:`digest.extract.markdown.sanitize_tree`), which checked every
URL.
"""

from __future__ import annotations

import re
from typing import Any

from digest.escape import md_body

__all__ = ["write_markdown"]

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "caption",
})
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_STRONG = frozenset({"b", "strong"})
_EMPHASIS = frozenset({"i", "em", "cite", "dfn", "var"})
_CODE = frozenset({"code", "kbd", "samp", "tt"})
_SPACE = re.compile(r"[ \t\n\r\f\v\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_WORD = re.compile(r"[^\W_]")  # a letter or digit
# What would start a block construct at the start of a line: a heading, quote,
# list item, or a setext underline.
_LINE_START = re.compile(r"^(?:([#>+\-])|(\d{1,9})(\.)(?=\s|$))")


def _text(text: str) -> str:
    """Prose → Markdown source that renders as exactly that prose."""
    # A backslash before each `, * and _: three str.replace calls, several
    # times cheaper than a regex substitution with a template.
    return md_body(text).replace("`", "\\`").replace("*", "\\*").replace("_", "\\_")


def _has_block(el: Any) -> bool:
    return any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in el.iterdescendants())


class _Writer:
    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.inline: list[str] = []
        self.link: str | None = None  # a link whose block children we are inside

    # -- blocks ------------------------------------------------------------------

    def flush(self) -> None:
        text = _squeeze("".join(self.inline))
        self.inline = []
        if text:
            if self.link and "](" not in text:
                text = f"[{text}]({self.link})"
            self.blocks.append(_guard_line_start(text))

    def block(self, el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:  # a comment or processing instruction: only its tail is text
            pass
        elif tag in _HEADINGS:
            self.flush()
            text = _squeeze(self.inline_of(el)).replace("  \n", " ")
            if _WORD.search(text):
                if self.link and "](" not in text:
                    text = f"[{text}]({self.link})"
                self.blocks.append("#" * _HEADINGS[tag] + " " + text)
        elif tag in ("ul", "ol", "menu"):
            self.flush()
            self.blocks.extend(self.list_of(el, ordered=tag == "ol"))
        elif tag == "pre":
            self.flush()
            self.blocks.append(_code_block(_code_text(el)))
        elif tag == "blockquote":
            self.flush()
            inner = _sub_blocks(el)
            if inner:
                self.blocks.append("\n".join(f"> {ln}".rstrip() for ln in inner.split("\n")))
        elif tag == "table":
            self.flush()
            self.blocks.extend(_table(el))
        elif tag == "figure":
            self.flush()
            self.figure(el)
        elif tag == "hr":
            self.flush()
        elif tag == "a" and el.get("href") and _has_block(el):
            # A link around blocks (a card: heading, teaser): each block holds the link.
            self.flush()
            outer, self.link = self.link, el.get("href")
            self.children(el)
            self.flush()
            self.link = outer
        elif tag in BLOCK_TAGS or (tag and _has_block(el)):
            self.flush()
            self.children(el)
            self.flush()
        else:
            parts: list[str] = []
            _inline(el, parts)
            self.inline.append("".join(parts))
        if el.tail:
            self.inline.append(_text(el.tail))

    def children(self, el: Any) -> None:
        if el.text:
            self.inline.append(_text(el.text))
        for child in el:
            self.block(child)

    def list_of(self, el: Any, *, ordered: bool) -> list[str]:
        items: list[str] = []
        n = 0
        for li in el:
            if not isinstance(li.tag, str):
                continue
            if li.tag in ("ul", "ol"):  # a list nested without its <li>
                inner = "\n\n".join(self.list_of(li, ordered=li.tag == "ol"))
                if items and inner:
                    items[-1] += "\n\n" + _indent(inner)
                continue
            body = _sub_blocks(li)
            if not body:
                continue
            n += 1
            marker = f"{n}. " if ordered else "- "
            items.append(marker + _indent(body).lstrip(" "))
        # Items of one list stay together; a multi-paragraph item needs blank lines.
        loose = any("\n\n" in item for item in items)
        return ["\n\n".join(items) if loose else "\n".join(items)] if items else []

    def figure(self, el: Any) -> None:
        images = [img for img in el.iter("img") if img.get("src")]
        caption = el.find(".//figcaption")
        if len(images) == 1 and caption is not None and el.find(".//table") is None:
            text = _squeeze(_plain_inline(caption))
            image = _image(images[0])
            if text:
                # Image, hard line break, caption in italics: one block, so the
                # caption stays attached and markdown_to_text can tell it from prose.
                self.blocks.append(f"{image}  \n*{_text(text)}*")
            else:
                self.blocks.append(image)
            return
        self.children(el)
        self.flush()

    # -- inline ------------------------------------------------------------------

    def inline_of(self, el: Any) -> str:
        parts: list[str] = []
        _inline(el, parts, top=True)
        return "".join(parts)


def _inline(el: Any, parts: list[str], *, top: bool = False) -> None:
    """Markdown of one inline element (or a heading's content when ``top``)."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if not top:
        if tag == "br":
            parts.append("  \n")
            return
        if tag == "img":
            if el.get("src"):
                parts.append(_image(el))
            return
        if tag in _CODE:
            parts.append(_code_span(_squeeze_code("".join(el.itertext()))))
            return
        if tag in _STRONG or tag in _EMPHASIS or tag == "a":
            inner: list[str] = []
            _inline_children(el, inner)
            text = "".join(inner)
            parts.append(_wrap(tag, text, el.get("href")))
            return
    _inline_children(el, parts)


def _inline_children(el: Any, parts: list[str]) -> None:
    if el.text:
        parts.append(_text(el.text))
    for child in el:
        if isinstance(child.tag, str):
            if child.tag in BLOCK_TAGS:  # a block inside inline content: a space, then its text
                parts.append(" ")
                _inline_children(child, parts)
                parts.append(" ")
            else:
                _inline(child, parts)
        if child.tail:
            parts.append(_text(child.tail))


def _wrap(tag: str, text: str, href: str | None) -> str:
    """Emphasis or a link around text, the markers hugging its words."""
    core = _SPACE.sub(" ", text)
    stripped = core.strip(" ")
    if not stripped or not (_WORD.search(stripped) or "![" in stripped):
        return core if tag != "a" or not stripped else stripped.join(_edges(core))
    lead, trail = _edges(core)
    if tag == "a":
        if not href:
            return core
        return f"{lead}[{stripped}]({href}){trail}"
    opener, closer = ("\x03", "\x04") if tag in _STRONG else ("\x01", "\x02")
    return f"{lead}{opener}{stripped}{closer}{trail}"


def _edges(core: str) -> tuple[str, str]:
    return (" " if core.startswith(" ") else "", " " if core.endswith(" ") else "")


def _image(el: Any) -> str:
    alt = _text(re.sub(r"[\[\]]", "", " ".join((el.get("alt") or "").split())))
    return f"![{alt}]({el.get('src')})"


def _plain_inline(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())


def _squeeze(text: str) -> str:
    """One space between words; hard breaks kept; no space at the edges of lines."""
    lines = [_SPACE.sub(" ", ln).strip(" ") for ln in text.split("  \n")]
    return _emphasis("  \n".join(ln for ln in lines if ln).strip())


# Emphasis is first written as these marks, and made ``*``/``**`` once its
# neighbours are known (:func:`_emphasis`).
_OPENERS = {"\x01": "*", "\x03": "**"}
_CLOSERS = frozenset("\x02\x04")
_MARKS = re.compile("[\x01-\x04]")


def _emphasis(text: str) -> str:
    """Emphasis marks → Markdown, only where every reader takes them as emphasis.

    Markers that touch a letter outside (``in*Starship*``, ``Gallery’**s``),
    or close after punctuation before a letter (``Rust?*2``), are read as
    text by CommonMark and break the plain text; emphasis inside emphasis
    confuses simple readers. Those keep their words without markers.
    """
    if "\x01" not in text and "\x03" not in text:
        return _MARKS.sub("", text)
    pairs: list[tuple[int, int, str]] = []
    stack: list[int] = []
    for m in _MARKS.finditer(text):  # only the marks, not every character
        i, ch = m.start(), m[0]
        if ch in _OPENERS:
            stack.append(i)
        elif ch in _CLOSERS and stack:
            start = stack.pop()
            if not stack:
                pairs.append((start, i, _OPENERS[text[start]]))
    out = list(text)
    for start, end, mark in pairs:
        inner = _MARKS.sub("", text[start + 1:end])
        if _flanked(_char_before(text, start), inner, _char_after(text, end)):
            out[start] = out[end] = mark
    return _MARKS.sub("", "".join(out))


_MARK_CHARS = frozenset("\x01\x02\x03\x04")


def _char_before(text: str, i: int) -> str:
    """The last character before ``i`` that is no mark ("" if none).

    As ``_MARKS.sub("", text[:i])[-1:]``, without copying the text before
    every pair: that was quadratic in a paragraph with much emphasis.
    """
    while i > 0 and text[i - 1] in _MARK_CHARS:
        i -= 1
    return text[i - 1] if i > 0 else ""


def _char_after(text: str, i: int) -> str:
    """The first character after ``i`` that is no mark ("" if none)."""
    i += 1
    while i < len(text) and text[i] in _MARK_CHARS:
        i += 1
    return text[i] if i < len(text) else ""


def _flanked(before: str, inner: str, after: str) -> bool:
    if not inner or "\n" in inner or inner[0].isspace() or inner[-1].isspace():
        return False
    if before and (before.isalnum() or before in "\\_*"):
        return False
    # A letter or digit outside also covers CommonMark's punctuation rule.
    return not (after and (after.isalnum() or after in "_*"))


def _squeeze_code(text: str) -> str:
    return " ".join(text.split())


def _code_span(code: str) -> str:
    if not code:
        return ""
    ticks = max((len(m) for m in re.findall(r"`+", code)), default=0) + 1
    fence = "`" * ticks
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def _code_text(el: Any) -> str:
    parts: list[str] = []

    def walk(node: Any) -> None:
        if node.tag == "br":
            parts.append("\n")
        parts.append(node.text or "")
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            parts.append(child.tail or "")

    walk(el)
    return "".join(parts).strip("\n")


# In a code block, what could become markup if a renderer read the block as
# Markdown: tags and entities, links, attribute lists.
_CODE_REFERENCES = str.maketrans({c: f"&#{ord(c)};" for c in "&<>[]{}"})


def _code_block(code: str) -> str:
    """A code block that shows every character and runs nothing, whatever renders it.

    Written as HTML with character references rather than as a Markdown
    fence: without a fence extension (an older mkdocs.yml, another
    renderer) a fenced ``<script>`` line is raw HTML and runs, and a fenced
    ``[x](javascript:…)`` after a blank line becomes a link. A ``<pre>``
    block is passed through as it is and its references read back as the
    code; where a renderer does not take it as HTML (inside a quote), the
    references still keep every tag, link and attribute list text.
    """
    if not code.strip():
        return ""
    return f"<pre><code>{code.translate(_CODE_REFERENCES)}</code></pre>"


def _sub_blocks(el: Any) -> str:
    writer = _Writer()
    writer.children(el)
    writer.flush()
    return "\n\n".join(b for b in writer.blocks if b)


def _indent(text: str) -> str:
    return "\n".join(("    " + ln) if ln else "" for ln in text.split("\n"))


def _guard_line_start(text: str) -> str:
    """Escape what would make a paragraph's first characters a block construct."""
    def fix(line: str) -> str:
        m = _LINE_START.match(line)
        if not m:
            return line
        if m.group(1):
            return "\\" + line
        return f"{m.group(2)}\\{m.group(3)}{line[m.end():]}"

    return "  \n".join(fix(ln) for ln in text.split("  \n"))


def _table(el: Any) -> list[str]:
    rows = []
    for tr in el.iter("tr"):
        if next(tr.iterancestors("table"), None) is not el:
            continue  # a row of a nested table: its text is in the outer cell
        cells = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            text = _squeeze(_cell_inline(cell)).replace("  \n", " ")
            cells.append(text.replace("|", "\\|"))
            span = cell.get("colspan")
            if span and span.isdigit():
                cells.extend([""] * min(int(span) - 1, 20))
        if any(cells):
            rows.append(cells)
    if not rows:
        return []
    width = max(len(r) for r in rows)
    if width == 1 or len(rows) == 1:  # layout, not data: the cells are paragraphs
        return [_guard_line_start(c) for r in rows for c in r if c]
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return ["\n".join(lines)]


def _cell_inline(cell: Any) -> str:
    parts: list[str] = []
    _inline_children(cell, parts)
    return "".join(parts)


def write_markdown(root: Any) -> str:
    """Markdown for a sanitised lxml element and everything in it."""
    writer = _Writer()
    if isinstance(root.tag, str) and root.tag in BLOCK_TAGS:
        writer.children(root)
    else:
        writer.block(root)
    writer.flush()
    return "\n\n".join(b for b in writer.blocks if b)

