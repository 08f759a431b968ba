"""Property-based checks (hypothesis) for the parts that read hostile input.

HTML → Markdown never raises and, rendered by Python-Markdown with the site's
extensions or with every one a user may enable, never yields an element or attribute that could run code; the tag rules never
raise on any text.
"""

from __future__ import annotations

import markdown as python_markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inert import EXTENSIONS, active_parts

from digest.extract.markdown import html_to_markdown
from digest.tags.classify import classify
from digest.tags.rules import default_taxonomy

TAGS = ["p", "a", "img", "script", "style", "iframe", "svg", "math", "div", "span", "b",
        "form", "input", "object", "embed", "table", "td", "ul", "li", "h2", "figure",
        "figcaption", "blockquote", "pre", "code", "base", "meta", "link", "noscript"]
ATTRS = ["href", "src", "onclick", "onerror", "style", "srcset", "xlink:href", "action",
         "formaction", "data", "alt", "title", "class"]
VALUES = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "vbscript:x", "data:text/html,<b>",
          "java\tscript:alert(1)", "&#106;avascript:alert(1)", "https://example.org/x",
          "/relative", "alert(1)", "x\" onerror=\"alert(1)", "<script>alert(1)</script>"]
TEXTS = ["hello", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;",
         "&lt;img src=x onerror=alert(1)&gt;", "[x](javascript:alert(1))", "<!-- c -->",
         "*emph*", "`code`", "&amp;", "<", ">", "]]>", "中文", "\u2028", "![i](data:x)"]


@st.composite
def html_fragments(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 3 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS))
            attrs = "".join(f' {draw(st.sampled_from(ATTRS))}="{draw(st.sampled_from(VALUES))}"'
                            for _ in range(draw(st.integers(0, 3))))
            inner = draw(html_fragments(depth + 1))
            closing = f"</{tag}>" if draw(st.booleans()) else ""
            parts.append(f"<{tag}{attrs}>{inner}{closing}")
        else:
            parts.append(draw(st.one_of(st.sampled_from(TEXTS), st.text(max_size=20))))
    return "".join(parts)


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_fragments())
def test_html_to_markdown_never_emits_active_content(fragment: str) -> None:
    md = html_to_markdown(fragment, base_url="https://example.org/")
    # The page is judged as rendered: with the site's extensions, with none (an
    # older mkdocs.yml, another renderer) and with every one a user may add.
    for extensions in (["tables", "toc", "pymdownx.superfences"], [],
                       ["tables", "attr_list", "md_in_html"], EXTENSIONS):
        rendered = python_markdown.markdown(md, extensions=extensions)
        assert active_parts(rendered) == [], rendered


@settings(max_examples=500, deadline=None)
@given(st.text(), st.text())
def test_tag_rules_never_raise(title: str, text: str) -> None:
    tags = classify(default_taxonomy(), title, text)
    assert set(tags) <= {t.name for t in default_taxonomy().tags}
