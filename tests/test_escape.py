"""digest.escape, the one escaping module, through every writer that uses it.

For any text: what a reader sees is that text (escaped text is content), and
nothing of it becomes an element, an attribute or a link, with every Markdown
extension a site may enable.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import jinja2
import lxml.html
import markdown as python_markdown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from digest.escape import (
    html_text,
    json_text,
    md_text,
    md_url,
    one_line,
    safe_url,
    strip_controls,
    web_url,
    xml_safe,
)
from digest.export import ExportFilter, export_markdown, select
from digest.model import Article
from digest.site.records import Record
from digest.site.syndication import FeedInfo, atom_feed, json_feed
from digest.tags.rules import default_taxonomy

# Every extension Material's documentation suggests, and the ones that turn
# plain characters into markup (~~, ^^, ==, :emoji:, $math$, @user, {: attrs}).
# Not pymdownx.smartsymbols: its typography ("(c)" as "©") is the site's choice.
EXTENSIONS = ["tables", "attr_list", "md_in_html", "toc", "def_list", "footnotes", "abbr",
              "admonition", "pymdownx.betterem", "pymdownx.caret", "pymdownx.mark",
              "pymdownx.tilde", "pymdownx.emoji", "pymdownx.magiclink", "pymdownx.arithmatex",
              "pymdownx.critic", "pymdownx.keys", "pymdownx.inlinehilite",
              "pymdownx.superfences", "pymdownx.details", "pymdownx.tasklist"]
PIECES = ["<script>alert(1)</script>", "&lt;img src=x onerror=alert(1)&gt;", "[x](javascript:a)",
          "{: onclick=alert(1) }", "~~s~~", "^^c^^", "==m==", ":smile:", "$x$", "@user",
          "https://example.org/x", "`code`", "*em*", "_u_", "a|b", "#1", "1. ", "- ", "> ",
          "+ ", "!", "\\", "&amp;", "&#58;", "--8<-- \"x\"", "{++ins++}", "++ctrl+a++",
          "(c)", "中文", "\u2028", "\x00", "\x7f", " ", "\t", "\n"]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=8).map("".join)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rendered(markdown_text: str) -> lxml.html.HtmlElement:
    out = python_markdown.markdown(markdown_text, extensions=EXTENSIONS)
    return lxml.html.fragment_fromstring(out or "<p></p>", create_parent="div")


def _expected(text: str) -> str:
    return one_line(text) or ""


@FAST
@given(texts)
def test_md_text_renders_as_exactly_the_text(text: str) -> None:
    root = _rendered(md_text(text))
    elements = [el.tag for el in root.iter() if isinstance(el.tag, str)]
    assert elements in (["div"], ["div", "p"]), elements
    assert not any(el.attrib for el in root.iter() if isinstance(el.tag, str) and el.tag != "div")
    assert root.text_content() == _expected(text)


@FAST
@given(texts)
def test_html_text_and_the_template_macro_agree(text: str) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(
        Path(__file__).parents[1] / "digest/data/scaffold/overrides"), autoescape=False)
    macro = env.from_string('{% import "partials/digest.html" as d %}{{ d.inert(v) }}')
    for escaped in (html_text(text), macro.render(v=text)):
        assert "<" not in escaped and '"' not in escaped
        root = lxml.html.fragment_fromstring(f'<p title="{escaped}">{escaped}</p>')
        assert root.get("title") == root.text_content()
    # The macro cannot strip control characters; digest's front matter never holds any.
    clean = xml_safe(strip_controls(text))
    assert html.unescape(macro.render(v=clean)) == html.unescape(html_text(text)) == clean


@FAST
@given(texts)
def test_json_text_reads_back_the_same(text: str) -> None:
    encoded = json_text({"t": text})
    assert not re.search(r"[<>&]", encoded)
    assert json.loads(encoded) == {"t": text}


@given(st.sampled_from([" javascript:alert(1)", "java\tscript:x", "JAVASCRIPT:x", "data:text/html,x",
                        "vbscript:x", "file:///etc/passwd", "#top", "", "//evil.example/x"]))
def test_unsafe_urls_are_refused(url: str) -> None:
    assert web_url(url) is None or url.startswith("//")
    assert md_url(url) is None
    checked = safe_url(url)
    assert checked is None or checked.startswith("https://")


def _article(title: str, summary: str, source: str) -> Article:
    when = datetime(2025, 1, 21, 8, 0, tzinfo=UTC)
    return Article(title=title or "t", url="https://news.example.org/a?x=(1)",
                   canonical_url="https://news.example.org/a", source=source or "s", fetched=when,
                   body="Body.", published=when, summary=summary, tags=("us-china",))


@FAST
@given(texts, texts, texts)
def test_export_shows_every_field_as_text(title: str, summary: str, source: str) -> None:
    article = _article(title, summary, source)
    chosen = select([(Path("a.md"), article)], ExportFilter())
    lines = export_markdown(chosen, lambda _: article, default_taxonomy(), title=title)
    root = _rendered("\n".join(lines))
    assert all(not name.lower().startswith("on") for el in root.iter()
               if isinstance(el.tag, str) for name in el.attrib)
    links = [a.get("href") for a in root.iter("a")]
    assert links == ["https://news.example.org/a?x=%281%29"]
    shown = " ".join(root.text_content().split())
    for field in (article.title, article.source, summary):
        assert " ".join(_expected(field).split()) in shown


@FAST
@given(texts, texts)
def test_feeds_carry_every_field_as_text(title: str, summary: str) -> None:
    when = datetime(2025, 1, 21, 8, 0, tzinfo=UTC)
    record = Record(rel="articles/2025/01/21/a.md", title=title, url="javascript:alert(1)",
                    source="s", when=when, summary=summary, tags=("us-china",), sources=("s",),
                    canonical_url="https://news.example.org/a", author=summary or None,
                    language="en")
    info = FeedInfo(title=title, description=summary, site_url="https://example.org/",
                    home_path="", self_path="feeds/atom.xml")
    # What XML can hold of the title, its line ends normalised as XML does.
    shown = xml_safe(strip_controls(title)).replace("\r\n", "\n").replace("\r", "\n")
    atom = atom_feed(info, [record], when)
    assert not feedparser.parse(atom).bozo
    # Read back by an XML parser (feedparser would "repair" mojibake-like text).
    tree = etree.fromstring(atom.encode("utf-8"))
    titles = tree.findall(".//{http://www.w3.org/2005/Atom}title")
    assert [el.text or "" for el in titles[:2]] == [shown, shown]
    links = [el.get("href") for el in tree.iter("{http://www.w3.org/2005/Atom}link")]
    assert all("javascript" not in (href or "") for href in links)
    item = json.loads(json_feed(info, [record]))["items"][0]
    assert item["title"] == title
    assert "javascript" not in item.get("url", "") + item.get("external_url", "")


@FAST
@given(st.one_of(texts, st.sampled_from([" https://x.example/a", "HTTPS://X.EXAMPLE", "http:/x",
                                         "javascript:alert(1)", " javascript:x", "//x.example"])))
def test_the_template_web_url_macro_agrees_with_web_url(url: str) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(
        Path(__file__).parents[1] / "digest/data/scaffold/overrides"), autoescape=False)
    macro = env.from_string('{% import "partials/digest.html" as d %}{{ d.web_url(v) }}')
    shown = html.unescape(macro.render(v=url))
    assert shown == (web_url(url.strip()) or "")
