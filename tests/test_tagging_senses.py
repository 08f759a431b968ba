"""Words with another sense told by their neighbours: a tag's ``unless_near``."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.schema import KeyPath
from digest.tags.classify import classify, explain
from digest.tags.rules import Sense, Taxonomy, default_taxonomy, parse_taxonomy

Problems = list[tuple[KeyPath, str]]


def rules(yaml_text: str) -> Taxonomy:
    problems: Problems = []
    taxonomy = parse_taxonomy(yaml.safe_load(yaml_text), lambda p, m: problems.append((p, m)))
    assert problems == []
    return taxonomy


def problems_of(yaml_text: str) -> Problems:
    problems: Problems = []
    parse_taxonomy(yaml.safe_load(yaml_text), lambda p, m: problems.append((p, m)))
    return problems


def tags(title: str, text: str) -> tuple[str, ...]:
    return classify(default_taxonomy(), title, text)


MUSIC = rules("""
music-business:
  title: Music business
  phrases: {3: [label*, royalt*]}
  unless_near: {label*: [warning, food, white]}
  threshold: 3
""")


def test_a_word_near_a_listed_word_does_not_count() -> None:
    assert classify(MUSIC, "", "The singer left her label last year.") == ("music-business",)
    assert classify(MUSIC, "", "Read the food label first.") == ()
    assert classify(MUSIC, "", "Every label of the white wine was torn.") == ()  # 4 words away


def test_the_window_is_five_words_on_each_side() -> None:
    far = "White walls, a red door and a blue roof; the label is new."
    assert classify(MUSIC, "", far) == ("music-business",)  # 'white' is 11 words before
    near = "The label is new and the paint on its walls is white."
    assert classify(MUSIC, "", near) == ("music-business",)  # 'white' is 10 words after
    assert classify(MUSIC, "", "The label, painted bright white, is new.") == ()


def test_other_phrases_and_other_matches_still_count() -> None:
    text = "A food label, and royalties for the label's artists."
    explanation = explain(MUSIC, "", text)
    (tag,) = explanation.tags
    assert [(h.phrase, h.count) for h in tag.hits] == [("royalt*", 1), ("label*", 1)]
    assert [(h.phrase, h.count, near) for h, near in tag.senses] == [("label*", 1, "food")]
    assert "not counted  'label*' in lead x1 (another sense, next to 'food')" in (
        explanation.render())


def test_phrases_of_several_words_carry_their_own_sense() -> None:
    taxonomy = rules("""
t:
  title: T
  phrases: {3: [label*, warning label*]}
  unless_near: {label*: [food]}
  threshold: 3
""")
    assert classify(taxonomy, "", "Food makers must print a warning label.") == ("t",)
    assert classify(taxonomy, "", "Food makers must print a label.") == ()


def test_a_required_group_loses_the_other_sense_too() -> None:
    taxonomy = rules("""
policy:
  title: Policy
  phrases: {5: [bans]}
  require: {platform: [platform*, app]}
  unless_near: {platform*: [train*, station*]}
  threshold: 3
""")
    assert classify(taxonomy, "", "The regulator bans the video platform.") == ("policy",)
    assert classify(taxonomy, "", "The operator bans bikes from trains and platforms.") == ()
    assert classify(taxonomy, "", "The city bans the app at the station platform.") == (
        "policy",)  # the app holds the group; the platform is the station's


def test_one_list_for_several_words() -> None:
    taxonomy = rules("""
t:
  title: T
  phrases: {3: [revenue*, profit*]}
  unless_near: {"revenue*, profit*": [your]}
  threshold: 3
""")
    (tag,) = taxonomy.tags
    assert tag.unless_near == (Sense("revenue*", ("your",)), Sense("profit*", ("your",)))
    assert classify(taxonomy, "", "Grow your revenue and your profits.") == ()
    assert classify(taxonomy, "", "The firm's revenue and profits rose.") == ("t",)


@pytest.mark.parametrize(
    ("unless_near", "expected"),
    [("{label*: [food], colour: [red]}",
      [("colour", "'colour' matches none of the tag's one-word phrases (in phrases or "
                  "require)")]),
     ("{record label: [food]}",
      [("record label", "a key is one word, maybe ending in '*', or several separated by "
                        "commas (label, platform*)")]),
     ("{label*: [food, 're:x+', 中国]}",
      [("label*", "'re:x+': the words near which it has another sense are plain words, "
                  "maybe ending in '*'"),
       ("label*", "'中国': the words near which it has another sense are plain words, "
                  "maybe ending in '*'")]),
     ("[label]", None)],
)
def test_unless_near_problems_are_named(unless_near: str,
                                        expected: list[tuple[str, str]] | None) -> None:
    problems = problems_of(f"""
t:
  title: T
  phrases: {{3: [label*, food label*]}}
  unless_near: {unless_near}
""")
    if expected is None:
        assert [p for p, _ in problems] == [("tags", "t", "unless_near")]
    else:
        assert problems == [(("tags", "t", "unless_near", key), m) for key, m in expected]


# --- the default taxonomy: the word senses named in issue 17 ------------------------


def test_a_white_label_product_launch_is_not_platform_policy() -> None:
    text = ("Paycraft has launched a white-label lending platform that lets regional banks "
            "offer instant loans under their own brand. The platform handles credit checks, "
            "payments and compliance reporting, and banks can put their own label on the app."
            "\n\nThree banks in the Midwest have signed up, the company said, and the platform"
            " will be available to credit unions next spring.")
    assert "platform-policy" not in tags("Paycraft launches white-label lending platform",
                                          text)


def test_a_ban_on_trains_and_platforms_is_not_platform_policy() -> None:
    text = ("The city's metro operator has banned hoverboards from its trains and station "
            "platforms after a battery fire on a crowded platform last month. Passengers who "
            "ignore the ban face a fine of 200 dollars under the new rules.\n\nStaff will "
            "check platforms at busy stations, and posters explain the rules to riders.")
    assert tags("Metro bans hoverboards from trains and platforms", text) == ()


def test_crime_footage_and_court_records_are_not_privacy() -> None:
    text = ("Two prison officers were charged on Friday with falsifying records after an "
            "inmate was left alone in his cell for nine hours. Prosecutors said the officers "
            "signed logs claiming they had checked on him every half hour.\n\nSurveillance "
            "footage from the wing showed that nobody entered the corridor that night, and "
            "court records show the officers later changed the records by hand.")
    assert tags("Prison officers charged over falsified records", text) == ()


def test_athletes_of_both_countries_are_not_us_china() -> None:
    text = ("SHANGHAI — China's Wu Yibing beat the American Taylor Fritz 7-5, 6-4 on Friday to "
            "reach the semi-finals of the Shanghai Masters, cheered on by a home crowd. The "
            "Chinese player, ranked 58th, broke the US number one twice in the second set.\n\n"
            "Fritz, the tournament's second seed, said Wu had played the best tennis of his "
            "career. Wu will face Jannik Sinner for a place in the final.")
    assert tags("Wu stuns Fritz to reach Shanghai semi-finals", text) == ()
    relations = ("Chinese and American negotiators ended two days of trade talks in Geneva, "
                 "agreeing to cut tariffs while Washington and Beijing keep discussing chip "
                 "export controls.")
    assert "us-china" in tags("US and China agree to cut tariffs after Geneva talks", relations)


def test_crime_cctv_traffic_cameras_and_records_systems_are_not_privacy() -> None:
    pages = {
        "Police appeal after van stolen from builders' yard": (
            "Detectives have released CCTV images of two men after a van and power tools "
            "worth 30,000 pounds were stolen from a builders' yard on Sunday night. Officers "
            "want to identify the men, who were seen on the yard's cameras at 2am."),
        "Speed cameras to go live on the bypass": (
            "Average speed cameras that use number plate recognition will go live on the "
            "bypass next week. Drivers caught above the 40mph limit will be fined."),
        "Hospital switches on its new electronic health records": (
            "The hospital moved from paper notes to an electronic health records system over "
            "the weekend. Staff were trained for months, and patients' records are now "
            "updated at the bedside."),
    }
    for title, text in pages.items():
        assert "privacy-security" not in tags(title, text), title


def test_the_topic_senses_still_tag() -> None:
    label = ("YouTube will require creators to label realistic videos made with generative "
             "tools, and will add a warning label itself where they do not, under new rules "
             "announced on Tuesday. Channels that repeatedly fail to label such videos may "
             "be suspended from the platform's partner programme.")
    assert "platform-policy" in tags("YouTube to require labels on realistic AI videos", label)
    spying = ("Police in the city have installed 400 cameras with facial recognition, and "
              "civil liberties groups say the mass surveillance of protesters breaks privacy "
              "law. Records of every face scanned are kept for a year.")
    assert "privacy-security" in tags("Surveillance cameras spread across the city", spying)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["label", "labels", "food", "white", "royalties", "the",
                                 "warning", "\n\n", "platform", "trains"]), max_size=40))
def test_classify_agrees_with_explain(words: list[str]) -> None:
    text = " ".join(words)
    for taxonomy in (MUSIC, default_taxonomy()):
        assert classify(taxonomy, "", text) == explain(taxonomy, "", text).fired
