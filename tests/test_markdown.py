"""The Markdown writer: structure kept, no raw HTML ever emitted."""

from __future__ import annotations

import markdown as python_markdown
import pytest
from inert import EXTENSIONS, active_parts, visible_text

from digest.extract.html import extract_fragment
from digest.extract.markdown import html_to_markdown, markdown_to_text

BASE = "https://example.org/news/story.html"
# What the site's mkdocs.yml enables (code is fenced, so the fence extension is one).
SITE_EXTENSIONS = ["tables", "toc", "pymdownx.superfences"]


def test_structure_is_kept() -> None:
    md = html_to_markdown(
        "<h2>Heading</h2><p>Text with <a href='/other'>a link</a>.</p>"
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"
        "<blockquote><p>Quoted.</p></blockquote>"
        "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"
        "<figure><img src='/i/pic.jpg' alt='A picture'>"
        "<figcaption>The caption.</figcaption></figure>",
        base_url=BASE,
    )
    assert "## Heading" in md
    assert "[a link](https://example.org/other)" in md
    assert "- one\n- two" in md
    assert "1. first" in md
    assert "> Quoted." in md
    assert "| a | b |" in md and "| 1 | 2 |" in md
    assert "![A picture](https://example.org/i/pic.jpg)  \n*The caption.*" in md


HOSTILE = [
    "<script>alert(1)</script><p>x</p>",
    "<style>p{}</style><p>x</p>",
    "<iframe src='https://evil.example'></iframe><p>x</p>",
    "<form action='/p'><input name='q'><button>Go</button></form><p>x</p>",
    "<p onclick='alert(1)'>x</p><img src='https://ok.example/a.png' onerror='alert(1)'>",
    "<p><a href='javascript:alert(1)'>click</a></p>",
    "<p><a href=' JaVa\nScRiPt:alert(1)'>click</a></p>",
    "<p><a href='vbscript:msgbox(1)'>click</a></p>",
    "<p><a href='data:text/html;base64,PHNjcmlwdD4='>click</a></p>",
    "<p><img src='data:image/png;base64,AAAA'></p>",
    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
    "<p>&lt;img src=x onerror=alert(1)&gt;</p>",
    "<p>&amp;lt;script&amp;gt; and &amp;#60;b&amp;#62;</p>",
    "<svg onload='alert(1)'><p>x</p></svg><math><p>y</p></math>",
    "<p>a <b>b</b> <code>&lt;script&gt;</code></p><pre>&lt;script&gt;x&lt;/script&gt;</pre>",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_no_raw_html_survives_rendering(source: str) -> None:
    md = html_to_markdown(source, base_url=BASE)
    # The site's extensions, none at all (an older mkdocs.yml, another
    # renderer: no fence extension), and every optional one.
    for extensions in (SITE_EXTENSIONS, [], ["tables", "attr_list", "md_in_html"], EXTENSIONS):
        rendered = python_markdown.markdown(md, extensions=extensions)
        assert active_parts(rendered) == [], rendered


def test_escaped_markup_stays_text() -> None:
    md = html_to_markdown("<p>Use &lt;script&gt; tags &amp; 5 &lt; 6</p>")
    assert "<script" not in md
    assert markdown_to_text(md) == "Use <script> tags & 5 < 6"
    assert "&lt;script&gt;" in python_markdown.markdown(md)


def test_unsafe_links_keep_their_text() -> None:
    md = html_to_markdown("<p>Go <a href='javascript:x()'>here</a> now</p>")
    assert md == "Go here now"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<p>It goes to the Senate. <a href="javascript:share()">Share this</a></p>',
            "It goes to the Senate.",
        ),
        ("<p>Done. <a href='#'>Print</a> <a href=' JavaScript:x'>E-mail this</a></p>", "Done."),
        # A link with a real target, or prose behind a script link, stays.
        (
            "<p>See <a href='https://x.org/s'>Share this</a>.</p>",
            "See [Share this](https://x.org/s).",
        ),
        (
            "<p>The <a href='javascript:void(0)'>sharing economy</a> grew.</p>",
            "The sharing economy grew.",
        ),
        # The text around a control is kept: first child, mid-sentence, side by side.
        ("<p><a href='#'>Share</a> Lead text.</p>", "Lead text."),
        (
            "<p>Before <a href='javascript:x'>Print</a> middle <a href='#'>Share</a>"
            "<a href='#'>Tweet</a> end.</p>",
            "Before middle end.",
        ),
        ("<p>One <a href='#'><span>Share</span> <b>this</b></a>, two.</p>", "One , two."),
        # Words that are prose far more often than buttons, anchors, links with no target.
        ("<p>Readers who <a href='#'>like</a> it came back.</p>", "Readers who like it came back."),
        ("<p>I <a>Share</a> it.</p>", "I Share it."),
        ("<h2><a href='#comments'>Share</a></h2>", "## Share"),
    ],
)
def test_page_controls_are_dropped_with_their_label(html: str, expected: str) -> None:
    assert html_to_markdown(html) == expected


def test_markdown_to_text() -> None:
    md = (
        "## Title\n\nA [link](https://x.org) and **bold** *it*.\n\n- item\n\n> quote\n\n"
        "![alt](https://x.org/a.png)  \n*caption*"
    )
    assert markdown_to_text(md) == "Title\n\nA link and bold it.\n\nitem\n\nquote"


def test_fragment_is_sanitised() -> None:
    md, text = extract_fragment(
        "<p>Hello <a href='/a' onclick='x'>world</a></p><script>bad()</script>"
        "<iframe src='x'></iframe>",
        base_url=BASE,
    )
    assert md == "Hello [world](https://example.org/a)"
    assert text == "Hello world"
    assert extract_fragment("") == ("", "")


def test_quoted_markup_is_kept_as_text() -> None:
    # A security story quotes the payload it is about: every word stays, as text.
    import markdown

    from digest.extract.markdown import html_to_markdown, markdown_to_text

    quoted = "In prose the payload read <img src=x onerror=alert(1)> and nothing else."
    md = html_to_markdown("<p>In prose the payload read &lt;img src=x onerror=alert(1)&gt; "
                          "and nothing else.</p>")
    assert markdown_to_text(md) == quoted
    rendered = markdown.markdown(md, extensions=["attr_list", "md_in_html"])
    assert active_parts(rendered) == []
    assert visible_text(rendered) == quoted


@pytest.mark.parametrize(
    ("md", "expected"),
    [
        ("a *b* c", "a b c"),
        ("**bold** and __strong__ and ***both***", "bold and strong and both"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        (r"\*not\* *yes*", r"*not* yes"),
        ("*open but never closed", "*open but never closed"),
    ],
)
def test_emphasis_is_removed(md: str, expected: str) -> None:
    assert markdown_to_text(md) == expected


def test_emphasis_removal_is_linear_on_openers_without_closers() -> None:
    # Found by fuzzing: a regex searched the rest of the line from each of
    # these openers. 300,000 of them took hours that way; linear, a second.
    line = "*a " * 300_000
    assert markdown_to_text(line) == line.strip()
    assert markdown_to_text("_" * 1_000_000 + "x") == "_" * 1_000_000 + "x"


@pytest.mark.parametrize(
    ("html", "md", "text"),
    [
        # Markers touching a letter, or closing after punctuation before one, are
        # not emphasis to CommonMark: the words stay, the markers go.
        ("<p>doing in<em>Starship Troopers</em> is</p>", "doing inStarship Troopers is",
         "doing inStarship Troopers is"),
        ("<p>loyalty to <em>Rust?</em><sup>2</sup> Based</p>", "loyalty to Rust?2 Based",
         "loyalty to Rust?2 Based"),
        ("<p><strong>The Gallery’</strong>s overview</p>", "The Gallery’s overview",
         "The Gallery’s overview"),
        ("<p><em>I</em>f you</p>", "If you", "If you"),  # a drop cap
        # Emphasis inside emphasis keeps only the outer markers.
        ("<p><em>lives on <strong>your</strong> box</em>, under</p>", "*lives on your box*, under",
         "lives on your box, under"),
        ("<p>a <strong>bold</strong> and <em>it</em>.</p>", "a **bold** and *it*.", "a bold and it."),
    ],
)
def test_emphasis_only_where_it_reads_as_emphasis(html: str, md: str, text: str) -> None:
    out = html_to_markdown(html)
    assert out == md
    assert markdown_to_text(out) == text
