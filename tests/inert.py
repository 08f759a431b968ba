"""Is a built page inert? Judged on the parsed page, as a browser reads it.

Words prove nothing: an article that quotes ``<img onerror=…>`` must keep those
words, as text. What must never appear is an element, attribute or URL that
would run: an event handler, a script URL, an embedded document, or a script
that is not the site's own.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import markdown as python_markdown

ACTIVE_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
                   "button", "base", "svg", "math", "style", "link", "meta", "template",
                   "noscript"}
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster"}
_SCRIPT_URL = re.compile(r"^(?:java|vb)script:|^data:", re.IGNORECASE)
# Markdown extensions a user may enable; body text must stay inert under all of them.
EXTENSIONS = ["tables", "attr_list", "md_in_html", "toc", "def_list", "footnotes", "abbr",
              "admonition", "pymdownx.betterem", "pymdownx.caret", "pymdownx.mark",
              "pymdownx.tilde", "pymdownx.magiclink", "pymdownx.superfences",
              "pymdownx.details", "pymdownx.tasklist", "pymdownx.inlinehilite",
              "pymdownx.arithmatex", "pymdownx.emoji", "pymdownx.keys", "pymdownx.critic"]


def active_parts(page: str, *, own_scripts: bool = False) -> list[str]:
    """What in this HTML could run code; ``own_scripts`` allows the site's own parts.

    The site's own parts are its scripts, loaded from the site itself (a
    relative ``src``) or written inline by the theme (JSON config, no
    ``alert``), and the theme's icons and search form outside the page content.
    """
    if not page.strip():
        return []
    root = lxml.html.document_fromstring(page)
    content = root.xpath("//*[contains(concat(' ', @class, ' '), ' md-content ')]")
    strict = set(content[0].iter()) if own_scripts and content else None
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in ACTIVE_ELEMENTS and (strict is None or el in strict):
            found.append(f"<{tag}>")
        if tag == "script":
            src = el.get("src")
            local = src is not None and ":" not in src.split("/")[0] and not src.startswith("//")
            inline_ok = src is None and "alert(" not in (el.text or "")
            if not (own_scripts and (local or inline_ok)):
                found.append(f"<script src={src!r}>{(el.text or '')[:40]}")
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"<{tag} {name}=…>")
            if name.lower() in _URL_ATTRIBUTES and _SCRIPT_URL.match(
                    re.sub(r"[\x00-\x20]", "", value)):
                found.append(f"<{tag} {name}={value[:40]}>")
    return found


def markdown_active_parts(text: str) -> list[str]:
    """``active_parts`` of a Markdown file as Python-Markdown renders it."""
    body = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text
    return active_parts(python_markdown.markdown(body, extensions=EXTENSIONS))


def assert_tree_inert(folder: Path) -> int:
    """Every page, Markdown file and feed under ``folder`` is inert; how many were read."""
    checked = 0
    for path in sorted(folder.rglob("*")):
        if "pagefind" in path.parts or "assets" in path.parts or not path.is_file():
            continue
        if path.suffix == ".html":
            found = active_parts(path.read_text(encoding="utf-8"), own_scripts=True)
        elif path.suffix == ".md":
            found = markdown_active_parts(path.read_text(encoding="utf-8"))
        else:
            continue
        assert found == [], f"{path}: {found}"
        checked += 1
    return checked


def visible_text(page: str) -> str:
    """The words of a page as a reader sees them (scripts and styles left out)."""
    root = lxml.html.document_fromstring(page)
    for el in root.xpath("//script|//style"):
        el.drop_tree()
    return " ".join(root.text_content().split())
