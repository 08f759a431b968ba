"""Article bodies from HTML, one test per kind of failure seen on real pages.

Each page is a small realistic page written for the test (site chrome around
an article), run through ``extract_page`` as ``digest fetch`` runs it, and the
checks are what a reader would look at: the sentence is whole, the item is
there, the leftover is gone.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import lxml.html
import markdown as python_markdown
from inert import EXTENSIONS, active_parts, visible_text
from lxml import etree

from digest.extract.html import extract_fragment, extract_page
from digest.model import Extracted

SITE_EXTENSIONS = ["tables", "toc", "pymdownx.superfences"]
EXAMPLES = Path(__file__).parent.parent / "examples"

FILLER = [
    "The council met on Tuesday evening to hear from residents about the plan, which has been"
    " debated for more than two years and divided the neighbourhoods it would affect most.",
    "Officials said the first phase would begin in the spring, once contracts are signed and the"
    " state has approved the final share of the money, which covers about half of the cost.",
    "Residents who spoke at the meeting were split, with some praising the new connections and"
    " others warning that construction would close streets that local shops depend on.",
    "A final vote is expected next month, after a second round of public comment and a review"
    " of the budget by the city's independent auditor, who has asked for more detail.",
]


def page(article: str, *, title: str = "Council approves the riverside plan",
         after_article: str = "") -> bytes:
    """A news page: navigation, the article, a sidebar, a footer."""
    nav = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(12))
    side = "".join(f'<li><a href="/story/{n}">Another story number {n} of the day</a></li>'
                   for n in range(8))
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title} | The Riverside Courier</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="The Riverside Courier">
<meta property="article:published_time" content="2025-03-04T09:30:00+00:00">
</head><body>
<header><a href="/">The Riverside Courier</a><nav><ul>{nav}</ul></nav></header>
<main><article class="story">
<h1>{title}</h1>
<p class="byline">By Sam Ortega</p>
<div class="story-body">{article}</div>
{after_article}
</article>
<aside class="sidebar"><h2>Most read</h2><ul>{side}</ul></aside>
</main>
<footer><p>© 2025 The Riverside Courier. All rights reserved.</p>
<ul><li><a href="/about">About</a></li><li><a href="/contact">Contact</a></li></ul></footer>
</body></html>""".encode()


def extract(article: str, **kwargs: str) -> Extracted:
    return extract_page(page(article, **kwargs), url="https://courier.example/2025/03/plan")


def paragraphs(result: Extracted) -> list[str]:
    return [p.strip() for p in result.text.split("\n\n") if p.strip()]


def filler(n: int = 4) -> str:
    return "".join(f"<p>{FILLER[i % len(FILLER)]}</p>" for i in range(n))


# -- sentences stay whole around inline markup ---------------------------------


def test_text_before_an_inline_link_stays_in_its_sentence() -> None:
    result = extract(
        '<p class="paragraph inline-placeholder">Shares in Asia were mixed after '
        '<a href="https://cnbc.example/x">CNBC reported</a> that the mood in Beijing had '
        'soured, and talks on the trade deal <a href="/y">hit another snag</a> last week.</p>'
        '<p class="paragraph">Japan\'s Nikkei (<a href="/q/N225">.N225</a>) declined 0.3%, '
        "while South Korea's Kospi Index (<a href='/q/KS11'>.KS11</a>) rose 0.5%.</p>"
        + filler())
    assert ("Shares in Asia were mixed after CNBC reported that the mood in Beijing had soured,"
            " and talks on the trade deal hit another snag last week.") in paragraphs(result)
    assert ("Japan's Nikkei (.N225) declined 0.3%, while South Korea's Kospi Index (.KS11)"
            " rose 0.5%.") in paragraphs(result)
    assert "[CNBC reported](https://cnbc.example/x) that" in result.markdown


def test_a_linked_clause_inside_a_span_is_kept() -> None:
    result = extract(
        "<p>NFL Network has reported that <span class=\"link\"><a href=\"/nfl/rudolph\">the NFL"
        " will fine Rudolph</a></span> for his role in the brawl, a league source said.</p>"
        + filler())
    assert ("NFL Network has reported that the NFL will fine Rudolph for his role in the brawl,"
            " a league source said.") in paragraphs(result)


def test_empty_emphasis_keeps_the_space_between_words() -> None:
    result = extract("<p>The best food in the country<strong> </strong>and the people who "
                     "make it, from <em>intellect</em><b> </b>ensor cells to bakers.</p>" + filler())
    assert "The best food in the country and the people who make it" in result.text
    assert "countryand" not in result.text


def test_inline_code_stays_in_its_sentence() -> None:
    result = extract("<p>Call <code>render(page)</code> before the <code>&lt;body&gt;</code> "
                     "is written, or nothing appears.</p>" + filler())
    assert "Call `render(page)` before the `<body>` is written, or nothing appears." \
        in result.markdown.split("\n\n")
    assert "Call render(page) before the <body> is written, or nothing appears." \
        in paragraphs(result)


# -- code and quoted markup are text ------------------------------------------------


def test_code_keeps_every_character_and_runs_nothing() -> None:
    code = '<script>alert("x")</script>\n\nif a < b && c > d:\n    print(`tick`)'
    escaped = code.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    result = extract(filler(2) + f"<pre><code>{escaped}</code></pre>" + filler(2))
    assert "\u200b" not in result.markdown
    assert code in result.text
    # Inert and shown as it is with the site's extensions, with none (an older
    # mkdocs.yml or another renderer), and with every optional one.
    for extensions in (SITE_EXTENSIONS, [], ["tables", "attr_list", "md_in_html"], EXTENSIONS):
        rendered = python_markdown.markdown(result.markdown, extensions=extensions)
        assert active_parts(rendered) == [], extensions
        assert '<script>alert("x")</script>' in visible_text(rendered)
        assert "if a < b && c > d:" in visible_text(rendered)
    pre = lxml.html.fragment_fromstring(
        python_markdown.markdown(result.markdown, extensions=SITE_EXTENSIONS),
        create_parent="div").xpath("//pre")[0]
    assert pre.text_content() == code  # every character, line breaks included


def test_quoted_markup_in_prose_stays_text() -> None:
    result = extract("<p>In prose the payload read &lt;img src=x onerror=alert(1)&gt; and "
                     "nothing else, the researchers said.</p>" + filler())
    sentence = ("In prose the payload read <img src=x onerror=alert(1)> and nothing else, the"
                " researchers said.")
    assert sentence in paragraphs(result)
    rendered = python_markdown.markdown(result.markdown, extensions=SITE_EXTENSIONS)
    assert active_parts(rendered) == []
    assert sentence in visible_text(rendered)


# -- list articles and guides are articles --------------------------------------------


def _guide() -> str:
    items = []
    products = ["Oral-B iO Series 9", "Philips Sonicare 4100", "Quip Smart Brush",
                "Oral-B Pro 1000", "Colgate Hum"]
    for n, name in enumerate(products, 1):
        items.append(
            f'<h2><a href="https://shop.example/p/{n}">{n}. {name}</a></h2>'
            f'<p>Best for people who want {name} without fuss: the head is small, the timer '
            f'pulses every thirty seconds and the battery lasted {10 + n} days in our test.</p>'
            f"<ul><li>Battery: {10 + n} days</li><li>Modes: {n + 2}</li></ul>")
    return ("<p>After testing over 40 electric toothbrushes for three months, these are the best"
            " ones for most people, from budget picks to smart brushes.</p>" + "".join(items))


def test_a_buying_guide_is_not_refused_and_keeps_its_headings() -> None:
    result = extract(_guide(), title="The best electric toothbrushes, tested")
    for name in ("Oral-B iO Series 9", "Philips Sonicare 4100", "Colgate Hum"):
        assert re.search(rf"^## \[\d\\?\. {name}\]\(https://shop\.example/p/\d\)$",
                         result.markdown, re.M), result.markdown
    assert "Battery: 15 days" in result.text
    assert "After testing over 40 electric toothbrushes" in result.text


def test_a_deals_list_keeps_its_items() -> None:
    deals = "".join(
        f'<li><a href="https://shop.example/d/{n}">Deal {n}: Nintendo Switch game bundle</a>'
        f" for ${20 + n} (was ${40 + n})</li>" for n in range(1, 13))
    result = extract("<p>These are the best deals we found this weekend; prices were checked "
                     "on Saturday morning and may change.</p>" f"<ul>{deals}</ul>"
                     "<p>We will update this list as new deals appear over the weekend.</p>")
    for n in (1, 6, 12):
        assert f"Deal {n}: Nintendo Switch game bundle for ${20 + n} (was ${40 + n})" \
            in result.text


def test_question_subheads_and_tables_are_kept() -> None:
    result = extract(
        "<p>The bill would change how the city pays for repairs, and here is what it does.</p>"
        "<h2>What does the bill do?</h2>" + filler(2) +
        "<h3>Who pays for it?</h3>" + filler(2) +
        "<table><tr><th>Year</th><th>Cost</th></tr><tr><td>2025</td><td>$4m</td></tr>"
        "<tr><td>2026</td><td>$6m</td></tr></table>")
    assert "## What does the bill do?" in result.markdown
    assert "### Who pays for it?" in result.markdown
    assert "| Year | Cost |" in result.markdown
    assert "| 2026 | $6m |" in html.unescape(result.markdown)  # "$" as a reference


# -- structure ------------------------------------------------------------------------


def test_the_title_is_not_repeated_as_a_heading() -> None:
    result = extract(filler())
    assert "Council approves the riverside plan" not in result.markdown


def test_no_heading_inside_a_link_and_no_empty_heading() -> None:
    md, _ = extract_fragment(
        '<p>Our picks from the fair.</p><a href="https://x.example/milan"><h3>Milan Design Week'
        "</h3></a><h2>____</h2><p>More next year.</p>")
    assert "### [Milan Design Week](https://x.example/milan)" in md
    assert "[###" not in md and "\\_\\_" not in md


def test_a_glossary_card_inside_a_sentence_goes_and_the_sentence_stays_whole() -> None:
    card = ('<span class="Term_component"><dfn class="Term_term">search result</dfn>'
            '<span class="Term_tooltip"><span class="Term_tooltipBubble"><strong>Search Result'
            "</strong><br/>Search results refer to the list created by search engines.<br/>"
            '<a href="/glossary/search-result">Learn more</a></span></span></span>')
    result = extract(f"<p>AI Overviews, the new {card} type, now answer most queries on the "
                     "first page, and publishers have noticed the drop in visits.</p>" + filler(3))
    assert ("AI Overviews, the new search result type, now answer most queries on the first "
            "page") in result.text
    assert "refer to the list" not in result.text and "Learn more" not in result.text


def test_a_word_styled_as_a_tooltip_keeps_its_place_in_the_sentence() -> None:
    result = extract('<p>The council calls it a <span class="tooltip">riparian buffer</span> and '
                     "says the strip of trees will shade the river all summer long.</p>" + filler(3))
    assert "calls it a riparian buffer and says" in result.text


def test_note_numbers_linking_to_the_notes_go_and_exponents_stay() -> None:
    result = extract('<p>The survey reached 205 participants<sup><a href="#fn5">5</a></sup> and '
                     "found that ten<sup>6</sup> litres a day leave the plant, as the council "
                     "said in its last report.</p>" + filler(3))
    assert "The survey reached 205 participants and found" in result.text
    assert "fn5" not in result.markdown and "participants5" not in result.text
    assert "6 litres" in result.text  # a superscript that links nowhere is kept


def test_a_line_break_closing_an_emphasis_keeps_the_words_apart() -> None:
    result = extract("<p><strong>The concepts<br/></strong>We design our nutrition concepts so "
                     "that food makers in many countries can use local milk and crops.</p>"
                     + filler(3))
    assert "conceptsWe" not in result.text
    assert "The concepts We design our nutrition concepts" in result.text


# -- leftovers --------------------------------------------------------------------------


def test_site_boxes_and_prompts_inside_the_article_are_dropped() -> None:
    leftovers = (
        '<div class="newsletter"><h3>Get the morning briefing</h3><p>Sign up for our newsletter'
        " and get the day's top stories.</p><p>Sorry! There was an error processing your "
        "subscription.</p></div>"
        "<p>Like this story? Share it with a friend!</p>"
        "<p>Follow Newsbeat on Instagram, Facebook, TikTok, and YouTube.</p>"
        '<h3>Related posts</h3><ul><li><a href="/a">Bridge repairs to start in May</a></li>'
        '<li><a href="/b">Library hours extended</a></li></ul>'
        "<h3>Comments</h3><p>Log in to leave a comment.</p>"
        "<p>The post Council approves the riverside plan appeared first on The Riverside "
        "Courier.</p>")
    result = extract(filler() + "<p>The plan now goes to the state for approval.</p>",
                     after_article=leftovers)
    assert paragraphs(result)[-1] == "The plan now goes to the state for approval."
    for gone in ("newsletter", "subscription", "Share it with a friend", "Instagram",
                 "Related posts", "Bridge repairs", "Comments", "appeared first on"):
        assert gone not in result.text


def test_a_form_builders_messages_inside_the_article_are_dropped() -> None:
    form = ('<form class="w-form"><input type="email" placeholder="Email"></form>'
            '<div class="w-form-done"><p>Thank you! Your submission has been received!</p></div>'
            '<div class="w-form-fail"><p>Oops! Something went wrong while submitting the form.'
            "</p></div>")
    result = extract(filler(2) + form + filler(2))
    assert "submission" not in result.text and "submitting" not in result.text
    assert len(paragraphs(result)) == 4


def test_the_demo_article_ends_where_its_text_ends() -> None:
    feed = etree.parse(str(EXAMPLES / "feeds" / "tech-policy.xml"))
    content = feed.find(".//item/{http://purl.org/rss/1.0/modules/content/}encoded")
    assert content is not None and content.text
    _, text = extract_fragment(content.text, base_url="https://news.example.org/")
    assert text.endswith("The bill now goes to the full Senate.")


def test_a_body_hidden_until_a_script_shows_it_is_read() -> None:
    hidden = '<div style="display:none" class="story-text">' + filler(8) + "</div>"
    result = extract("<p>Loading paragraph...</p><p>Loading image...</p>" + hidden)
    assert FILLER[0] in paragraphs(result) and FILLER[3] in paragraphs(result)


def test_hidden_boxes_stay_out_of_a_visible_article() -> None:
    box = '<div hidden><p>Sign in to read this story offline and sync it everywhere.</p></div>'
    result = extract(filler(4) + box)
    assert "Sign in to read" not in result.text


def test_prose_lost_between_kept_blocks_is_put_back_once() -> None:
    from digest.extract.restore import restore_blocks

    answer = ("Most installs take one to three days, and the utility needs two more weeks"
              " to approve the system.")
    page_tree = lxml.html.document_fromstring(
        f"<html><body><article><p>{FILLER[0]}</p>"
        f'<div class="accordion-item"><div class="panel"><p>{answer}</p></div></div>'
        f"<p>{FILLER[1]} <button>Read the plan</button></p><p>{FILLER[2]}</p></article>"
        '<aside><p>Our team writes about energy for readers across the whole state.</p></aside>'
        "</body></html>")
    body = etree.fromstring(  # the reading: the answer dropped, a button's words gone
        f"<body><p>{FILLER[0]}</p><p>{FILLER[1]}</p><p>{FILLER[2]}</p></body>")
    restore_blocks(page_tree, body)
    texts = ["".join(p.itertext()) for p in body]
    assert texts == [FILLER[0], answer, FILLER[1], FILLER[2]]


def test_a_space_lost_after_emphasis_comes_back_as_the_page_has_it() -> None:
    from digest.extract.restore import restore_spaces

    page_tree = lxml.html.document_fromstring(
        "<html><body><p>You <em>can</em> get there from here.</p>"
        "<p>The <em>qahveh khaneh</em>s were places to talk.</p></body></html>")
    body = etree.fromstring(  # the reading lost the first space, kept the second word whole
        '<body><p><hi rend="#i">can</hi>get there from here.</p>'
        '<p>The <hi rend="#i">qahveh khaneh</hi>s were places to talk.</p></body>')
    restore_spaces(page_tree, body)
    assert ["".join(p.itertext()) for p in body] == [
        "can get there from here.", "The qahveh khanehs were places to talk."]
