"""The tagging stage: the default taxonomy, the rule language, explain and classify_jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import DigestError
from digest.schema import KeyPath
from digest.tags.classify import classify, classify_jsonl, explain
from digest.tags.rules import (
    TagDef,
    Taxonomy,
    default_taxonomy,
    default_taxonomy_yaml,
    parse_taxonomy,
)

SEED = Path(__file__).parent / "fixtures" / "seed" / "page.txt"
SEED_TITLE = "A journey from TikTok to RedNote is a story of talks"


def seed_text() -> str:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("The recent surge"))
    end = next(i for i, line in enumerate(lines) if line.endswith("political calculations."))
    return "\n\n".join(line for line in lines[start : end + 1] if line.strip())


def tags(title: str, text: str) -> tuple[str, ...]:
    return classify(default_taxonomy(), title, text)


def rules(yaml_text: str) -> Taxonomy:
    problems: list[tuple[KeyPath, str]] = []
    taxonomy = parse_taxonomy(yaml.safe_load(yaml_text), lambda p, m: problems.append((p, m)))
    assert problems == []
    return taxonomy


# --- the default taxonomy on real and tricky text -----------------------------------


def test_seed_article_gets_exactly_its_three_tags() -> None:
    text = seed_text()
    assert text.count("\n\n") == 9  # the ten paragraphs
    assert tags(SEED_TITLE, text) == ("platform-policy", "us-china", "social-media")


def test_default_taxonomy_has_the_six_tags_in_order_with_titles() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.names == ("platform-policy", "us-china", "social-media", "ai",
                              "privacy-security", "trade-economy")
    assert all(t.title and t.description for t in taxonomy.tags)
    assert isinstance(taxonomy.get("ai"), TagDef)
    assert default_taxonomy() is taxonomy  # one parse, one compiled matcher


def test_default_yaml_is_the_body_of_a_tags_mapping() -> None:
    # digest init indents this text under `tags:` of the scaffolded digest.yml.
    text = default_taxonomy_yaml()
    assert text.lstrip().startswith("#")
    nested = yaml.safe_load("tags:\n" + "".join(f"  {line}\n" for line in text.splitlines()))
    assert list(nested["tags"]) == list(default_taxonomy().names)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Power bills to rise", "The council approved a tariff on electricity for large "
         "offices, which takes effect in May. Residents will not be affected by the change, "
         "officials said, and schools are exempt."),
        ("Rooftop solar payments cut", "Owners of rooftop panels will receive a lower feed-in "
         "tariff from July, the energy regulator said. The feed-in tariff pays households for "
         "power they send to the grid. Installers expect fewer new systems this summer."),
        ("Delays at the central station", "Passengers waited on a platform at the station for "
         "two hours after a signal failure. The rail operator apologised and said trains "
         "would run normally tomorrow. Replacement buses were laid on for commuters."),
        ("United win the derby", "A late header from the young striker gave United a 2-1 win "
         "in the derby on Saturday. The forward, who later thanked fans on Instagram, has now "
         "scored in four straight games. The manager praised the defence, which kept the "
         "visitors to two shots on target, and said the squad would rest on Sunday before "
         "the cup tie."),
    ],
)
def test_passing_mentions_do_not_fire(title: str, text: str) -> None:
    assert tags(title, text) == ()


# An article about an airport, ~450 words: the words of rules and courts are
# all over it, and its one paragraph about a website and an app has none.
AIRPORT_TITLE = "County approves $40 million upgrade of Millfield airport"
AIRPORT_TEXT = "\n\n".join([
    "The county board voted on Tuesday to approve a 40 million dollar upgrade of "
    "Millfield Regional Airport, ending two years of debate over noise, traffic and the "
    "cost to local taxpayers. Work on a longer runway and a larger terminal will start "
    "in the spring and should be finished within three years.",
    "The runway will grow by 600 metres so that larger jets can land in wet weather, "
    "which federal rules require for the routes the airport wants to win. The terminal "
    "will get four new gates, a second security lane and a bigger baggage hall. The "
    "state law that funds regional airports pays for about half of the work.",
    "Neighbours who opposed the plan had taken the county to court, arguing that the "
    "environmental review ignored the noise of night flights. A judge dismissed the "
    "lawsuit in March, and the residents' group withdrew its appeal last month after "
    "the board promised to plant trees along the eastern fence.",
    "Two airlines have said they would add flights once the runway opens: a daily "
    "route to the capital and a summer route to the coast. The airport handled 410,000 "
    "passengers last year, still below its record from before the pandemic.",
    "Travellers can follow the construction on the airport's website, where an online "
    "map shows which car parks will close and when. Users of the parking app will get "
    "alerts a week before their usual car park shuts, the airport said.",
    "The board also voted to ban night flights between midnight and five in the "
    "morning. Operators that break the curfew will be fined, and repeat offenders could "
    "lose their landing slots, under rules that take effect in January.",
    "An environmental study ordered by the state found that the longer runway would "
    "not harm the wetland to the north, provided drainage ponds are dug before the "
    "concrete is poured. The county must report water samples every quarter until "
    "the work is done, a condition the board accepted without debate.",
    "Builders expect about 300 people to work on the project at its peak, and the "
    "county has asked the main contractor to hire locally where it can. A training "
    "programme at the community college will prepare welders and electricians.",
    "The county will borrow about a third of the cost and expects landing fees and "
    "parking charges to repay the loan within twenty years. Two board members voted "
    "against the plan, saying the passenger forecasts were too hopeful.",
    "\"This is the biggest investment in the airport since it opened,\" the board chair "
    "said after the vote. \"It keeps Millfield on the map for the next thirty years, "
    "and the curfew means the people who live next to it can still sleep.\"",
])


def test_policy_words_away_from_any_platform_do_not_make_platform_policy() -> None:
    from dataclasses import replace

    taxonomy = default_taxonomy()
    assert 400 < len(AIRPORT_TEXT.split()) < 600
    assert "platform-policy" not in classify(taxonomy, AIRPORT_TITLE, AIRPORT_TEXT)
    policy = next(t for t in explain(taxonomy, AIRPORT_TITLE, AIRPORT_TEXT).tags
                  if t.name == "platform-policy")
    assert all(g.ok for g in policy.groups)  # a website, an app and users: the gate is met
    assert policy.paragraphs == (1, 10) and policy.score == 0
    assert {h.phrase for h in policy.outside} >= {"law", "rules", "ban", "court", "fined"}
    # Counted anywhere, the same words would add up to the tag by the rules alone.
    anywhere = Taxonomy(tuple(
        replace(t, learned=False, require=tuple(replace(g, within="article") for g in t.require))
        for t in taxonomy.tags))
    assert "platform-policy" in classify(anywhere, AIRPORT_TITLE, AIRPORT_TEXT)


def test_other_wording_fires() -> None:
    text = ("Lawmakers voted to require a forced sale of the app's American business by its "
            "Beijing-based owner, or a ban on the app in the United States. The White House "
            "said the Chinese company had nine months to divest. Users of the video app and "
            "the creators who earn a living on it fear it will go dark.")
    got = tags("Congress orders sale of Chinese-owned video app", text)
    assert {"platform-policy", "us-china"} <= set(got)


def test_chinese_text_fires_without_word_boundaries() -> None:
    text = ("大批美国网友涌入小红书，与中国用户直接交流。小红书上的中美网友互相学习语言、分享美食，"
            "不少博主表示粉丝数量一夜之间大涨。")
    got = tags("美国网友涌入小红书", text)
    assert "social-media" in got and "us-china" in got


def test_acronyms_match_only_in_capitals() -> None:
    taxonomy = rules("ai: {title: AI, phrases: {5: [AI]}, threshold: 1}")
    assert classify(taxonomy, "", "The AI lab shipped.") == ("ai",)
    assert classify(taxonomy, "", "Vicino ai negozi, said us.") == ()


# --- the rule language -----------------------------------------------------------


def test_ignore_hides_the_shorter_phrase_inside() -> None:
    taxonomy = rules("""
trade: {title: Trade, phrases: {5: [tariff*]}, ignore: [feed-in tariff*], threshold: 1}
""")
    assert classify(taxonomy, "", "A feed-in tariff and feed in tariffs.") == ()
    assert classify(taxonomy, "", "New tariffs on steel.") == ("trade",)


def test_required_groups_must_co_occur() -> None:
    taxonomy = rules("""
us-china:
  title: US-China
  phrases: {3: [talks]}
  require: {us: [United States, 美国], china: {min: 2, phrases: [China, 中国]}}
  threshold: 1
""")
    assert classify(taxonomy, "", "Talks with China and China again.") == ()
    assert classify(taxonomy, "", "United States talks with China.") == ()
    assert classify(taxonomy, "", "United States talks with China and China.") == ("us-china",)
    assert classify(taxonomy, "", "美国和中国举行talks，中国表示欢迎。") == ("us-china",)


def test_a_paragraph_bound_group_decides_where_phrases_count() -> None:
    taxonomy = rules("""
x:
  title: X
  phrases: {3: [ban, 禁令]}
  require: {platform: {within: paragraph, phrases: [app, 平台]}}
  threshold: 3
""")
    assert classify(taxonomy, "", "An app ban.\n\nMore news.") == ("x",)
    assert classify(taxonomy, "", "A ban.\n\nAn app.") == ()
    assert classify(taxonomy, "", "A ban.\n \t\n\nAn app.") == ()  # blank: spaces only
    assert classify(taxonomy, "", "A ban.\nAn app.") == ("x",)  # no blank line: one paragraph
    assert classify(taxonomy, "", "禁令。\n\n平台。") == ()
    assert classify(taxonomy, "", "平台禁令。\n\n其他。") == ("x",)
    # The title goes with the first paragraph.
    assert classify(taxonomy, "App ban", "Other news.\n\nMore.") == ("x",)
    assert classify(taxonomy, "Ban", "An app.\n\nMore.") == ("x",)
    assert classify(taxonomy, "Ban", "Other news.\n\nAn app.") == ()
    assert classify(taxonomy, "Ban", "\n \nAn app.\n\nMore.\n\n") == ("x",)  # no empty ones


def test_a_paragraph_bound_group_still_counts_its_min_in_the_whole_article() -> None:
    taxonomy = rules("""
x:
  title: X
  phrases: {3: [ban]}
  require: {platform: {min: 2, within: paragraph, phrases: [app]}}
  threshold: 3
""")
    assert classify(taxonomy, "", "An app ban.\n\nAnother app.") == ("x",)
    assert classify(taxonomy, "", "An app ban.\n\nNothing else.") == ()
    explained = explain(taxonomy, "", "An app ban.\n\nA ban.\n\nAnother app.").tags[0]
    assert explained.paragraphs == (2, 3)
    assert [(h.phrase, h.where, h.count) for h in explained.hits] == [("ban", "lead", 1)]
    assert [(h.phrase, h.where, h.count) for h in explained.outside] == [("ban", "lead", 1)]


def test_title_weighs_more_and_threshold_grows_with_length() -> None:
    taxonomy = rules("""
x: {title: X, phrases: {2: [widget]}, where: {title: 3, lead: 1, body: 1},
    threshold: {base: 5, per_1000_words: 10}}
""")
    assert classify(taxonomy, "widget", "widget") == ("x",)  # 6 + 2 >= 5
    assert classify(taxonomy, "", "widget widget") == ()  # 2 * sqrt(2) < 5
    long_text = "widget " * 3 + "filler " * 2000  # 6 < 5 + 20
    assert classify(taxonomy, "widget", long_text) == ()


def test_repeats_of_one_phrase_count_less_than_varied_words() -> None:
    taxonomy = rules("x: {title: X, phrases: {2: [tariff*, trade, duties]}, threshold: 9}")
    # A short text is all lead, where a match counts twice.
    assert classify(taxonomy, "", "tariffs tariffs tariffs tariffs") == ()  # 4 * sqrt(4) = 8
    assert classify(taxonomy, "", "tariffs, trade and duties") == ("x",)  # 4 + 4 + 4
    text = "x tariff x tariff x trade"
    hits = {h.phrase: h.points for h in explain(taxonomy, "", text).tags[0].hits}
    assert hits == {"tariff*": round(4 * 2**0.5, 2), "trade": 4.0}


def test_multi_word_phrases_match_whatever_else_the_text_holds() -> None:
    # A word is looked up together with the next one, so a word that starts
    # only longer phrases ("to" of "to train") tries none of them when the
    # next word does not fit; the matches must not change.
    taxonomy = rules("""
x: {title: X, phrases: {3: [to train, in-app payment*, U.S.], 1: [train]},
    ignore: [train station], threshold: 1}
""")
    explained = explain(taxonomy, "", "We want to train models. The train station. in-app payments")
    hits = {h.phrase: h.points for h in explained.tags[0].hits}
    assert hits == {"to train": 6.0, "in-app payment*": 6.0}
    assert classify(taxonomy, "", "to go to the U.S. by train") == ("x",)
    assert {h.phrase for h in explain(taxonomy, "", "to go to the u.s.").tags[0].hits} == set()


def test_negative_weights_weaken() -> None:
    taxonomy = rules("x: {title: X, phrases: {3: [goal], -3: [football]}, threshold: 3}")
    assert classify(taxonomy, "", "A goal.") == ("x",)
    assert classify(taxonomy, "", "A football goal.") == ()


def test_regex_phrases() -> None:
    taxonomy = rules(r"x: {title: X, phrases: {3: ['re:\bH\d{2,3}\b']}, threshold: 3}")
    assert classify(taxonomy, "", "The H100 chip") == ("x",)


def test_parse_taxonomy_reports_every_problem_with_its_path() -> None:
    raw = yaml.safe_load("""
good: {title: Good, phrases: {1: [ok]}}
bad:
  title: 7
  colour: red
  phrases: {heavy: [a], 2: [b, "re:(", 3, "", "a*b"], 3: not-a-list}
  ignore: text
  require: {us: {min: 0, phrases: [US]}, cn: {extra: 1, phrases: [China]}}
  where: {title: -1, middle: 2}
  threshold: {base: x, slope: 1}
Bad Name: {title: X, phrases: {1: [x]}}
missing: {title: Missing}
notamap: [1, 2]
""")
    problems: list[tuple[KeyPath, str]] = []
    taxonomy = parse_taxonomy(raw, lambda p, m: problems.append((p, m)))
    paths = [p for p, _ in problems]
    expected = [
        ("tags", "bad", "colour"),
        ("tags", "bad", "title"),
        ("tags", "bad", "phrases", "heavy"),
        ("tags", "bad", "phrases", 2, 1),
        ("tags", "bad", "phrases", 2, 3),
        ("tags", "bad", "phrases", 2, 4),
        ("tags", "bad", "phrases", 3),
        ("tags", "bad", "ignore"),
        ("tags", "bad", "require", "us", "min"),
        ("tags", "bad", "require", "cn", "extra"),
        ("tags", "bad", "where", "title"),
        ("tags", "bad", "where", "middle"),
        ("tags", "bad", "threshold", "base"),
        ("tags", "bad", "threshold", "slope"),
        ("tags", "Bad Name"),
        ("tags", "missing", "phrases"),
        ("tags", "notamap"),
    ]
    for path in expected:
        assert path in paths, (path, problems)
    assert len(problems) == len(expected), problems
    assert "regular expression" in dict(problems)[("tags", "bad", "phrases", 2, 1)]
    assert taxonomy.names == ("good",)  # the valid parts survive


def test_parse_taxonomy_checks_where_a_group_holds() -> None:
    raw = yaml.safe_load("""
x:
  title: X
  phrases: {1: [ban]}
  require: {a: {within: sentence, phrases: [app]}, b: {within: paragraph, phrases: [site]}}
""")
    problems: list[tuple[KeyPath, str]] = []
    taxonomy = parse_taxonomy(raw, lambda p, m: problems.append((p, m)))
    assert [p for p, _ in problems] == [("tags", "x", "require", "a", "within")]
    assert "article or paragraph" in problems[0][1]
    assert [g.within for g in taxonomy.tags[0].require] == ["article", "paragraph"]
    problems.clear()
    parse_taxonomy({"x": {"title": "X", "phrases": {1: ["a"]},
                          "require": {"g": {"near": 1, "phrases": ["b"]}}}},
                   lambda p, m: problems.append((p, m)))
    assert problems == [(("tags", "x", "require", "g", "near"),
                         "unknown key (expected min, within, phrases)")]


def test_two_tags_that_would_share_a_page_are_refused() -> None:
    problems: list[tuple[KeyPath, str]] = []
    body = {"title": "X", "phrases": {1: ["a"]}}
    taxonomy = parse_taxonomy({"us-china": body, "us_china": body},
                              lambda p, m: problems.append((p, m)))
    assert taxonomy.names == ("us-china",)
    assert problems == [(("tags", "us_china"),
                         "shares its page tags/us-china/ with tag 'us-china'; rename one")]


def test_parse_taxonomy_reports_a_non_mapping_and_duplicates() -> None:
    problems: list[tuple[KeyPath, str]] = []
    parse_taxonomy(["a"], lambda p, m: problems.append((p, m)), ("cfg", "tags"))
    assert problems[0][0] == ("cfg", "tags")
    problems.clear()
    parse_taxonomy({"x": {"title": "X", "phrases": {1: ["Ban"], 2: ["ban"]}}},
                   lambda p, m: problems.append((p, m)))
    assert problems and "twice" in problems[0][1]


def test_default_yaml_parses_without_problems() -> None:
    problems: list[object] = []
    parse_taxonomy(yaml.safe_load(default_taxonomy_yaml()), lambda p, m: problems.append(m))
    assert problems == []


# --- explain ---------------------------------------------------------------------


def test_explain_names_phrases_places_scores_and_thresholds() -> None:
    explanation = explain(default_taxonomy(), SEED_TITLE, seed_text())
    assert explanation.fired == ("platform-policy", "us-china", "social-media")
    social = next(t for t in explanation.tags if t.name == "social-media")
    assert social.fired and social.score >= social.threshold
    assert any(h.phrase == "TikTok" and h.where == "title" for h in social.hits)
    text = explanation.render()
    for expected in ("social-media: FIRED", "ai: no", "'TikTok' in title", "threshold",
                     "group us: ok", "group china: ok",
                     "group platform (within paragraph): ok",
                     "phrases count in 10 of 10 paragraphs: those holding group platform"):
        assert expected in text, expected


def test_explain_shows_the_phrases_left_outside_the_paragraphs() -> None:
    text = explain(default_taxonomy(), AIRPORT_TITLE, AIRPORT_TEXT).render()
    assert "platform-policy: no - score 0" in text
    assert "phrases count in 1 of 10 paragraphs: those holding group platform" in text
    assert "not counted  'ban' in body x1 (outside those paragraphs)" in text


# --- classify_jsonl --------------------------------------------------------------


def test_classify_jsonl_keeps_order_and_ids() -> None:
    lines = [
        json.dumps({"id": "a", "title": SEED_TITLE, "text": seed_text()}),
        "",
        json.dumps({"id": 2, "title": "Parade", "text": "Crowds watched the parade."}),
    ]
    out = [json.loads(line) for line in classify_jsonl(lines)]
    assert out == [
        {"id": "a", "tags": ["platform-policy", "us-china", "social-media"]},
        {"id": 2, "tags": []},
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [("{not json", "line 2: not valid JSON"), ("[1]", "line 2: expected a JSON object"),
     ('{"title": "x", "text": "y"}', "line 2: missing 'id'"),
     ('{"id": 1, "title": 3, "text": "y"}', "line 2: 'title' and 'text' must be strings")],
)
def test_classify_jsonl_names_the_bad_line(line: str, message: str) -> None:
    good = json.dumps({"id": 1, "title": "t", "text": "x"})
    with pytest.raises(DigestError, match=message):
        list(classify_jsonl([good, line]))


# --- robustness and speed ----------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_classify_never_raises(title: str, text: str) -> None:
    got = classify(default_taxonomy(), title, text)
    assert set(got) <= set(default_taxonomy().names)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["TikTok", "中国", "美国", "ban", "US", "ai", "-", " ", "\n",
                                 "小红书", "tariff", "feed-in", "İ", "ß", "\u200b", "U.S."])))
def test_classify_never_raises_on_phrase_soup(words: list[str]) -> None:
    text = "".join(words)
    explain(default_taxonomy(), text[:20], text).render()
    classify(default_taxonomy(), text, text)


def test_cjk_phrases_ignore_case_and_overlap() -> None:
    taxonomy = rules("""
x: {title: X, phrases: {3: [B站, 美中]}, require: {g: [中美]}, where: {lead: 1}, threshold: 1}
""")
    hits = {(h.phrase, h.count) for h in explain(taxonomy, "", "在b站和B站上，美中美").tags[0].hits}
    assert hits == {("B站", 2), ("美中", 1)}
    assert classify(taxonomy, "", "在b站和B站上，美中美") == ("x",)  # 中美 inside 美中美
    assert classify(taxonomy, "", "在b站和B站上，美中") == ()


def test_paragraph_starts_count_the_words_of_each_paragraph() -> None:
    from digest.tags.text import paragraph_spans, paragraph_starts, words

    samples = [
        "One.\n\nTwo words.\n \t\n\n\nThree, here.\n",
        "\n\nStarts blank\n\u3000\n\nafter an ideographic space line\n* * *\nend\n\n",
        "中国US美国\n\n美国\r\n\r\nÉcole ɐɑ café\n\n’’ ’s\n\n\x1fx\x1f 😀x",
        "\ud800lone\n\nsurrogate",
        "no blank line\nat all",
        "",
    ]
    for text in samples:
        spans = paragraph_spans(text)
        assert " ".join(text[a:b] for a, b in spans).split() == text.split()
        counts = [len(words(text[a:b], lower=True)) for a, b in spans]
        starts = [sum(counts[:i]) for i in range(len(counts))]
        assert paragraph_starts(text) == (starts, [a for a, _ in spans]), text
        assert sum(counts) == len(words(text, lower=True))
    assert paragraph_spans("\n\nA\n\nB\n \n") == [(0, 3), (5, 9)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["ban", "law", "rules", "fined", "terms of service", "users",
                                 "app", "TikTok", "online", "website", "平台", "禁令", "the",
                                 "\n\n", "\n", " "]), max_size=120),
       st.sampled_from(["", "App ban", "New rules"]))
def test_classify_agrees_with_explain_on_paragraph_bound_groups(words: list[str],
                                                                 title: str) -> None:
    # classify skips finding paragraphs for a tag that cannot fire anyway.
    text = " ".join(words)
    assert classify(default_taxonomy(), title, text) == explain(
        default_taxonomy(), title, text).fired


def test_byte_tokeniser_finds_the_same_words_as_the_word_regex() -> None:
    from digest.tags.text import WORD, words

    samples = [
        "Plain ASCII, with punctuation: US-China (talks) & 2025's \"deal\".",
        "Curly ‘quotes’ — dashes – and an ellipsis… around words",
        "İstanbul café Ωmega Москва naïve a\u0301b ɐɑ ͱx",
        "中国US美国 emoji 🏳️‍🌈 flags\u00a0and\u200bjoiners",
        "\ud800lone surrogate",
        "",
    ]
    for text in samples:
        found = WORD.findall(text)
        assert words(text, lower=False) == found
        low = "\x00".join(found).lower().split("\x00") if found else []
        assert words(text, lower=True) == low
