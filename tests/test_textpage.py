"""Plain-text page dumps: the line classes and the article's bounds."""

from __future__ import annotations

import pytest

from digest.errors import ExtractError
from digest.extract.textdump import extract_text_page
from digest.extract.textlines import BAD, GOOD, NEARGOOD, SHORT, classify, make_lines, revise

PROSE = [
    "The council voted on Tuesday to keep the old bridge open for another year, and the mayor "
    "said that the repairs would be paid for out of the reserve fund.",
    "Engineers who inspected the bridge in the spring found that the steel was in better shape "
    "than they had feared, although the deck will need to be replaced soon.",
    "Residents of the east side, who would otherwise have had a long detour, said they were "
    "relieved by the decision and that they hoped the work would start before winter.",
    "The vote was seven to two, with the two members against it arguing that the money should "
    "have gone to the new ferry that the town has been discussing for years.",
]
MENU = ["Home", "News", "Sport", "Weather", "Contact"]


def _page(*parts: list[str]) -> str:
    return "\n".join(line for part in parts for line in part)


def _classes(texts: list[str]) -> list[str]:
    lines = make_lines(texts)
    classify(lines)
    return [line.cls for line in lines]


def test_lines_are_classed_alone_by_length_stopwords_and_vocabulary() -> None:
    classes = _classes(
        [
            PROSE[0],
            "Share this on WhatsApp",
            "Nov 18, 2019, 11:47am EST",
            "Kyle Busch",
            "Most of the people who live there are in favour of it",
            "calendario stock car 2018, stock car brasil, stock car cascavel, stock car interlagos",
        ]
    )
    assert classes == [GOOD, BAD, BAD, SHORT, NEARGOOD, BAD]


def test_short_lines_take_the_class_of_their_neighbours() -> None:
    texts = [*MENU, PROSE[0], "Pos", "Player", "63", "Larry Ogunjobi", PROSE[1], *MENU]
    lines = make_lines(texts)
    classify(lines)
    classes = revise(lines)
    assert classes[:5] == [BAD] * 5  # a menu between the page edge and prose is chrome
    assert classes[5:11] == [GOOD] * 6  # table cells between two paragraphs are article
    assert classes[11:] == [BAD] * 5


def test_a_table_between_paragraphs_is_kept() -> None:
    cells = ["Pos", "Driver", "Points", "1", "Kyle Busch", "5040", "2", "Martin Truex Jr.", "5035"]
    result = extract_text_page(_page(MENU, PROSE[:2], cells, PROSE[2:], ["© 2019 Example"]))
    assert "Martin Truex Jr." in result.text
    assert "5040" in result.text
    assert "Sport" not in result.text and "Example" not in result.text


def test_a_list_of_near_good_items_is_good() -> None:
    items = [
        "1a etapa: 10 de março – no circuito de Interlagos",
        "2a etapa: 8 de abril – no circuito de Curitiba",
        "3a etapa: 22 de abril – no circuito de Velopark",
        "4a etapa: 6 de maio – no circuito de Londrina",
    ]
    assert set(_classes(items)) == {GOOD}


def test_the_article_starts_at_the_headline_repeated_from_the_title() -> None:
    title = "Council keeps the old bridge open | Town Gazette"
    sidebar = [
        "Other news: the library will open late on Mondays from next month, the council said.",
        "Elsewhere, the summer fair raised more money than ever before for the school, it said.",
    ]
    page = _page([title], MENU, sidebar, ["Council keeps the old bridge open"], PROSE)
    result = extract_text_page(page)
    assert result.title == "Council keeps the old bridge open"
    assert result.text.startswith("The council voted")
    assert "library" not in result.text


def test_the_article_ends_at_a_related_or_comments_heading() -> None:
    related = [
        "You may also like",
        "A different story whose teaser is a full sentence, written like the prose above it.",
        "Another story whose teaser also reads as one long sentence with all the usual words.",
    ]
    comments = ["3 Comments", "I think this is the right decision for all of us who live here."]
    result = extract_text_page(_page(MENU, ["Bridge stays open"], PROSE, related, comments))
    assert result.text.rstrip().endswith("discussing for years.")
    assert "different story" not in result.text and "right decision" not in result.text


def test_a_share_row_under_the_byline_does_not_end_the_article() -> None:
    head = ["Bridge stays open", "By Ann Smith | Town Gazette", "Share", "Tweet", "Comments"]
    result = extract_text_page(_page(MENU, head, PROSE))
    assert result.author == "Ann Smith"
    assert result.text.count("\n\n") == len(PROSE) - 1


def test_blocks_printed_at_head_and_foot_are_chrome() -> None:
    ticker = [
        "Storm closes the coast road for the second time this week, officials said.",
        "School board approves the new timetable after a long and heated meeting.",
        "Local team wins the cup in extra time in front of a record crowd on Saturday.",
    ]
    filler = [f"Section {n} of the site" for n in range(30)]
    page = _page(ticker, MENU, ["Bridge stays open"], PROSE, filler, ticker)
    result = extract_text_page(page)
    assert "Storm closes" not in result.text
    assert "discussing for years." in result.text


def test_a_page_of_menus_has_no_article() -> None:
    with pytest.raises(ExtractError, match="no article"):
        extract_text_page(_page(MENU, MENU[::-1], ["Copyright 2019 Example"]))


# The header by layout: the same story laid out in the ways pages lay out headers.
HEADLINE = "Council keeps the old bridge open for another year"


@pytest.mark.parametrize(
    "header",
    [
        # headline, share row, byline with site and date on one line
        [HEADLINE, "Facebook Twitter LinkedIn WhatsApp Copy link",
         "By Ann Smith | Town Gazette | Updated: 2019-11-20 07:16"],
        # share row above the headline, byline over three lines
        ["Facebook Twitter LinkedIn WhatsApp Copy link", HEADLINE, "Ann Smith", "Town Gazette",
         "Updated 2019-11-20 07:16", "4 min read", "Copy Link URLCopied!"],
        # date above the headline, "By name, site" below, counters and buttons
        ["November 20, 2019 7:16 AM", HEADLINE, "By Ann Smith, Town Gazette", "84.1K",
         "Share This Article", "Close share panel"],
        # "Written by" on its own line, "Updated on" above the date
        [HEADLINE, "Written by", "Ann Smith", "Updated on", "Nov 20, 2019", "Table of Contents",
         "Why the bridge stays", "What it costs"],
    ],
)
def test_headline_byline_and_date_are_found_by_layout(header: list[str]) -> None:
    result = extract_text_page(_page(MENU, ["Local News"], header, PROSE, ["© 2019 Town Gazette"]))
    assert result.title == HEADLINE
    assert result.author == "Ann Smith"
    assert result.published is not None and result.published.date().isoformat() == "2019-11-20"
    assert result.text.startswith("The council voted")
    for chrome in ("Copy link", "84.1K", "Share This", "min read", "Ann Smith"):
        assert chrome not in result.text


def test_comments_after_an_article_are_not_the_article() -> None:
    comments = []
    for n in range(6):
        comments += [f"Reader{n} Jones", f"November {21 + n}, 2019",
                     "I have lived near the bridge for thirty years and I think the council was "
                     "right to keep it open, because the detour would have been a disaster for us."]
    page = _page(MENU, [HEADLINE, "By Ann Smith", "November 20, 2019"], PROSE,
                 ["Leave a comment"], comments)
    result = extract_text_page(page)
    assert result.text.rstrip().endswith("discussing for years.")
    assert "thirty years" not in result.text


def test_a_related_box_inside_the_article_does_not_end_it() -> None:
    box = ["Related:", "Ferry plans shelved again"]
    result = extract_text_page(_page(MENU, [HEADLINE, "By Ann Smith"], PROSE[:2], box, PROSE[2:]))
    assert "discussing for years." in result.text
    assert "Ferry plans shelved" not in result.text


def test_a_dump_with_no_header_still_gets_no_junk_title() -> None:
    result = extract_text_page(_page(["Share", "Copy Link URLCopied!", "5:50 am"], PROSE))
    assert result.title is None or result.title not in ("Copy Link URLCopied!", "5:50 am")


def test_repeated_lines_cost_linear_time() -> None:
    # Found by fuzzing: each line was checked against every other copy of
    # itself. Five blocks of 19,999 copies, none far from its own copies,
    # took 2·10⁹ steps that way (minutes); now one pass.
    far = 20_000
    texts = [f"line {k} of a list" for k in range(5) for _ in range(far - 1)]
    lines = make_lines(texts)
    classify(lines)
    assert all(line.cls != GOOD for line in lines)


def test_a_paragraph_wrapped_across_lines_is_one_paragraph_again() -> None:
    wrapped = [
        "The mayor, who had campaigned on the promise of a new bridge, told",
        "reporters after the meeting that she would accept the result and that",
        "the town would now look for money from the state.",
    ]
    result = extract_text_page(_page(MENU, PROSE[:2], wrapped, PROSE[2:], ["© 2019 Example"]))
    assert " ".join(wrapped) in result.text.split("\n\n")


def test_rejoining_keeps_bylines_urls_and_code_on_their_lines() -> None:
    from digest.extract.textdump import rejoin

    texts = [
        "Share it with your friends", "by Ann Smith",
        "The full report is online at", "https://example.org/report",
        "// the loop runs for each item", "for item in items:",
        "Home news sport", "weather",
    ]
    assert rejoin(texts) == texts


def test_a_line_printed_twice_in_a_row_is_a_caption_not_prose() -> None:
    caption = "The old bridge at dusk, seen from the east bank of the river, in October."
    result = extract_text_page(_page(MENU, [HEADLINE, caption, caption], PROSE))
    assert "at dusk" not in result.text
    assert result.text.startswith("The council voted")


def test_an_article_printed_three_times_is_kept_once() -> None:
    article = [
        f"{PROSE[n % 4][:-1]}, as the report on page {n} of the minutes says." for n in range(32)
    ]
    result = extract_text_page(_page(MENU, [HEADLINE], article, article, article, MENU))
    kept = result.text.split("\n\n")
    assert kept == article


def test_a_box_of_links_in_a_listicle_does_not_end_it() -> None:
    box = ["More on the bridge:", "Ferry plans shelved again", "Five facts about the deck"]
    more = [
        "The second option, a new ferry, would cost the town about twice as much as the "
        "repairs, and it could not carry the lorries that use the bridge every morning.",
        "The third option, doing nothing at all, was rejected by every member of the council, "
        "who said that the bridge would have to close within two years if nothing was done.",
    ]
    result = extract_text_page(_page(MENU, [HEADLINE, "By Ann Smith"], PROSE, box, more))
    assert result.text.split("\n\n")[-2:] == more
    assert "Ferry plans shelved" not in result.text


def test_prose_that_names_a_newsletter_is_prose() -> None:
    line = ("The newsletter that the council sends to every household each month will carry a "
            "full account of the vote, with the figures for the repairs and a map of the detour "
            "that the east side would have had to take.")
    result = extract_text_page(_page(MENU, [HEADLINE], PROSE[:2], [line], PROSE[2:]))
    assert line in result.text.split("\n\n")


def test_a_comment_section_named_after_the_article_ends_it() -> None:
    comments = ["59 Comments on “Council keeps the old bridge open for another year”",
                "Reader Jones", "November 21, 2019",
                "I have lived near the bridge for thirty years and I think the council was right "
                "to keep it open, because the detour would have been a disaster for all of us."]
    result = extract_text_page(_page(MENU, [HEADLINE, "By Ann Smith"], PROSE, comments))
    assert result.text.rstrip().endswith("discussing for years.")


def test_a_list_introduced_by_a_paragraph_is_kept() -> None:
    intro = "The council looked at three ways to pay for the repairs, and the options included:"
    items = ["Reserve fund", "Bridge toll", "State grant"]
    result = extract_text_page(
        _page(MENU, [HEADLINE, "By Ann Smith"], PROSE[:2], [intro], items, ["Share"], PROSE[2:])
    )
    assert all(item in result.text.split("\n\n") for item in items)


def test_a_short_run_ended_early_does_not_hide_the_article_below() -> None:
    card = ["Updated March 3, 2019", "Basic", "$0",
            "Only the articles of organization, which are filed with the state for you by all of our "
            "own team of experts.",
            "Everything that is in the Basic plan and a review of your name by an attorney who "
            "works in your state.",
            "A tax consult with our partner, who will explain the taxes that your business "
            "could be paying this year.",
            "Recommended", "Pro", "$249"]
    page = _page(MENU, card, [HEADLINE, "By Ann Smith", "November 20, 2019"], PROSE, MENU)
    result = extract_text_page(page)
    assert result.text.startswith("The council voted")
    assert result.text.rstrip().endswith("discussing for years.")


def test_a_row_of_figures_is_not_a_keyword_list() -> None:
    row = "Actual Weight (U.S. men’s 9): 9.1 ounces (257 grams) | Drop: 5 millimeters"
    keywords = "calendario stock car 2018, stock car brasil, stock car cascavel, stock car interlagos"
    classes = _classes([PROSE[0], row, keywords])
    assert classes[1] != BAD
    assert classes[2] == BAD


def test_a_read_next_link_inside_the_article_does_not_end_it() -> None:
    box = ["Read Next", "Ferry plans shelved again"]
    page = _page(MENU, [HEADLINE, "By Ann Smith"], PROSE[:3], box, PROSE[3:], ["You may also like"],
                 ["Another story whose teaser also reads as one long sentence with the usual words."])
    result = extract_text_page(page)
    assert result.text.rstrip().endswith("discussing for years.")
    assert "Ferry plans" not in result.text and "Another story" not in result.text


SECOND_PART = [
    "In the second part of the story, the town's engineers explained how the deck would be "
    "replaced in sections, so that one lane stays open for buses and bicycles while the work "
    "goes on through the summer months.",
    "Buses will be rerouted over the north bridge during the two weekends when the whole deck "
    "has to be closed, and the council has promised to run a free shuttle for residents of "
    "the east side who have no car of their own.",
    "Cyclists asked for a protected lane on the temporary crossing, and the engineers said that "
    "they would look at the idea, although the width of the deck may not leave room for it "
    "while the heavy machines are working.",
    "The mayor said that the council would publish a timetable for the closures in the spring, "
    "after talking to the shop owners on both banks, who fear that a long detour would keep "
    "their customers away for months.",
]


def test_a_share_bar_between_two_parts_of_a_long_article_does_not_end_it() -> None:
    bar = ["Share this article", "Copied!", "Newsletter", "Get the Gazette delivered to your inbox",
           "Subscribe now"]
    result = extract_text_page(
        _page(MENU, [HEADLINE, "By Ann Smith"], PROSE, bar, SECOND_PART))
    assert result.text.rstrip().endswith("away for months.")
    assert "discussing for years." in result.text and "Subscribe now" not in result.text


def test_a_share_bar_over_teasers_still_ends_the_article() -> None:
    after = ["Share this article", "Copied!", "Ferry plans shelved again",
             "Library hours extended", "Bridge repairs to start in May"]
    result = extract_text_page(_page(MENU, [HEADLINE, "By Ann Smith"], PROSE, after))
    assert result.text.rstrip().endswith("discussing for years.")


def test_a_comment_count_under_the_first_paragraph_does_not_end_the_article() -> None:
    head = [HEADLINE, "By Ann Smith | March 3, 2025"]
    result = extract_text_page(_page(MENU, head, PROSE[:1], ["124 Comments"], PROSE[1:]))
    assert result.text.rstrip().endswith("discussing for years.")
    assert result.text.startswith("The council voted")
