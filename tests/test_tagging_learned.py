"""The learned tagging layer: what it decides, how it explains it, how it is switched off."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from digest.cli import main
from digest.schema import KeyPath
from digest.tags.classify import classify, explain
from digest.tags.learned import FEATURES, default_models, parse_models
from digest.tags.rules import Taxonomy, default_taxonomy, parse_taxonomy

SEED = Path(__file__).parent / "fixtures" / "seed" / "page.txt"


def tags(title: str, text: str) -> tuple[str, ...]:
    return classify(default_taxonomy(), title, text)


def rules_only() -> Taxonomy:
    return Taxonomy(tuple(replace(t, learned=False) for t in default_taxonomy().tags))


# A buying guide full of the words of three topics (customer data, AI
# features, revenue): the rules tag it ai, privacy-security and
# trade-economy; it is about none of them.
CRM_TITLE = 'The best CRM software for small businesses in 2026'
CRM = "\n\n".join([
    ('Choosing a customer relationship management (CRM) system is one of the biggest '
     'software decisions a small business makes. The right CRM keeps your customer data in'
     ' one place, shows your sales team which deals need attention and helps you forecast '
     'revenue. We compared eight popular options on price, ease of use and the features '
     'small teams actually need.'),
    ('Our top pick is easy to set up and affordable, starting at 15 dollars per user per '
     'month. Its pipeline view makes it simple to track every deal, and built-in email '
     'templates save your sales reps hours each week. The AI assistant drafts follow-up '
     'emails and summarises calls, and its predictive lead scoring uses machine learning '
     'to flag the contacts most likely to buy.'),
    ('If your business sells online, consider a CRM that connects to your e-commerce '
     'platform. Our runner-up syncs orders, refunds and customer records automatically, so'
     " your support team sees a customer's full history before replying. Its reports show "
     'revenue growth by product and by region, and its dashboards update in real time.'),
    ('Data security matters too. Look for a provider that encrypts customer data, supports'
     ' two-factor authentication and lets you set permissions so that each employee sees '
     'only the records they need. Check where your data is stored and whether the vendor '
     'complies with privacy rules such as GDPR if you have customers in Europe. Ask how '
     'you can export your data if you decide to switch.'),
    ('Pricing varies widely. Free plans are fine for a solo founder but usually limit '
     'contacts and automation. Most growing teams end up on a mid-tier plan between 25 and'
     ' 60 dollars per user per month; enterprise plans add AI forecasting, advanced '
     'analytics and dedicated support. Watch for extra fees for integrations, storage and '
     'onboarding.'),
    ('Before you commit, run a free trial with two or three of your reps for a couple of '
     'weeks. Import a sample of your contacts, build a simple pipeline and see which tool '
     'your team actually opens every day. The best CRM is the one your people will use.'),
])


# Ordinary pages in the shape of the false alarms reported in issue 17,
# written for this test (none is in the training data): each repeats a
# topic's generic words without being about the topic.
ORDINARY = {
    "Our 9 favourite standing desks, tested for a month": (
        "We spent a month working at nine standing desks to find the ones worth your money. "
        "Our testers tracked how quickly each desk rose, how much it wobbled at full height "
        "and how loud the motors were.\n\n"
        "Our top pick costs about 500 dollars and has a sturdy frame, memory presets and a "
        "motor you can barely hear. It lost points for a fiddly cable tray. If you are on a "
        "budget, the runner-up delivers most of the stability for 40 percent less, and its "
        "sales price drops often during holiday deals.\n\n"
        "Before you buy, measure your height and check the desk's range: taller people need "
        "a desk that rises to at least 125 centimetres. Consider a model with a crossbar if "
        "you plan to put two monitors on it. Most come with a five-year warranty on the "
        "frame and two years on the motor, and a few let you return the desk within 100 "
        "days if it does not suit you. Track your posture for a week before deciding."
    ),
    "How to keep your houseplants alive through winter": (
        "Shorter days and dry indoor air are hard on houseplants. A few changes to your "
        "routine will keep most of them healthy until spring.\n\n"
        "Water less. Plants grow slowly in winter and need less water; check the soil with "
        "your finger and water only when the top few centimetres are dry. Move plants "
        "closer to a bright window, but keep leaves from touching cold glass.\n\n"
        "Raise the humidity by grouping plants together or setting them on a tray of wet "
        "pebbles. Keep them away from radiators and draughty doors. Hold off on fertiliser "
        "until new growth appears, and watch for spider mites, which thrive in dry air.\n\n"
        "If a plant drops a few leaves, do not panic: it is adjusting to the light. Record "
        "when you water each plant in a notebook or an app so you can spot patterns, and "
        "share cuttings with friends so a favourite plant is never lost."
    ),
    "Review: a new novel follows a family of fishermen over three generations": (
        "The novel opens in a small harbour town in 1952, where a boy watches his father "
        "mend nets by lamplight, and closes seventy years later with the boy's "
        "granddaughter selling the last boat. In between is a patient, moving portrait of "
        "a family and a trade in decline.\n\n"
        "The author, a former fisheries inspector, knows the work intimately: the price of "
        "cod at the morning market, the records kept in a salt-stained logbook, the "
        "security of a good season and the fear of a bad one. Her prose is plain and "
        "exact, and she never sentimentalises the sea.\n\n"
        "The middle section, set during the collapse of the fishing industry, is the "
        "strongest. The family's arguments over whether to sell their quota are painful "
        "and true. The final chapters feel rushed, and a late romance adds little, but "
        "this is a book that stays with you. Four stars."
    ),
}


@pytest.mark.parametrize("title", sorted(ORDINARY))
def test_ordinary_pages_get_no_tag(title: str) -> None:
    assert tags(title, ORDINARY[title]) == ()


def test_a_buying_guide_full_of_topic_words_gets_no_tag() -> None:
    assert set(classify(rules_only(), CRM_TITLE, CRM)) == {"ai", "privacy-security",
                                                           "trade-economy"}
    assert tags(CRM_TITLE, CRM) == ()


def test_the_learned_layer_only_removes_tags() -> None:
    # It runs where the rules fire, so anything it tags the rules tag too.
    lines = SEED.read_text(encoding="utf-8")
    pages = [*ORDINARY.items(), (CRM_TITLE, CRM), ("A journey from TikTok to RedNote", lines)]
    for title, text in pages:
        assert set(tags(title, text)) <= set(classify(rules_only(), title, text))


def test_explain_shows_what_the_model_weighed() -> None:
    text = ("Shares of the chipmaker fell 8 percent after it cut its revenue forecast, "
            "blaming new tariffs and weak demand from carmakers. Analysts said the "
            "quarterly results showed the trade war reaching the supply chain.")
    explanation = explain(default_taxonomy(), "Chipmaker cuts forecast as tariffs bite", text)
    trade = next(t for t in explanation.tags if t.name == "trade-economy")
    assert trade.rules_fired and trade.model is not None and trade.fired
    amounts = {c.feature: c.amount for c in trade.model.contributions}
    assert set(amounts) == set(FEATURES)
    logit = trade.model.bias + sum(amounts.values())
    assert trade.model.probability == pytest.approx(1 / (1 + math.exp(-logit)))
    rendered = explanation.render()
    assert "trade-economy: FIRED" in rendered
    assert "model: about the topic - probability" in rendered
    assert "title_top = " in rendered  # a feature, its value and its weight


def test_explain_says_when_the_model_overrules_the_rules() -> None:
    explanation = explain(rules_only(), CRM_TITLE, CRM)
    ruled = [t.name for t in explanation.tags if t.fired]
    overruled = [t for t in explain(default_taxonomy(), CRM_TITLE, CRM).tags if t.rules_fired]
    assert ruled and [t.name for t in overruled] == ruled
    for t in overruled:
        assert not t.fired and t.model is not None and not t.model.fired


def test_learned_false_keeps_the_threshold(tmp_path: Path) -> None:
    title = "Our 9 favourite standing desks, tested for a month"
    text = ORDINARY[title]
    raw = yaml.safe_load("""
trade-economy:
  title: Trade
  learned: false
  phrases: {2: [percent, sales, price, deals, budget]}
  threshold: 3
""")
    problems: list[str] = []
    plain = parse_taxonomy(raw, lambda p, m: problems.append(m))
    assert problems == [] and plain.tags[0].learned is False
    assert classify(plain, title, text) == ("trade-economy",)
    learned = Taxonomy((replace(plain.tags[0], learned=True),))
    assert classify(learned, title, text) == ()  # the packaged model reads the same evidence


def test_a_hand_written_tag_without_a_model_decides_by_threshold() -> None:
    taxonomy = parse_taxonomy(
        yaml.safe_load("gardening: {title: Gardening, phrases: {3: [houseplant*, soil]}, "
                       "threshold: 3}"), lambda p, m: None)
    title = "How to keep your houseplants alive through winter"
    assert "gardening" not in default_models()
    assert classify(taxonomy, title, ORDINARY[title]) == ("gardening",)


def test_learned_must_be_a_boolean() -> None:
    problems: list[tuple[KeyPath, str]] = []
    parse_taxonomy({"x": {"title": "X", "phrases": {1: ["a"]}, "learned": "yes"}},
                   lambda p, m: problems.append((p, m)))
    assert problems == [(("tags", "x", "learned"), "expected true or false")]


def test_the_packaged_weights_are_read_by_feature_name() -> None:
    models = default_models()
    assert set(models) <= set(default_taxonomy().names) and models
    weights = Path(__file__).parents[1] / "digest" / "data" / "tag-model.json"
    raw = json.loads(weights.read_text(encoding="utf-8"))
    ai = raw["tags"]["ai"]
    assert models["ai"].weights == tuple(ai["weights"].get(f, 0.0) for f in FEATURES)


@pytest.mark.parametrize(
    ("raw", "message"),
    [({}, "no 'tags' mapping"),
     ({"tags": {"ai": {"bias": 0, "weights": {"colour": 1}}}}, "unknown features"),
     ({"tags": {"ai": {"bias": 0, "weights": {}, "cutoff": 1.5}}}, "between 0 and 1"),
     ({"tags": {"ai": {"weights": {}}}}, "'ai'")],
)
def test_a_broken_weights_file_is_named(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_models(raw)


def test_cli_explain_prints_the_model_for_a_stored_article(tmp_path: Path) -> None:
    article = tmp_path / "crm.md"
    front = yaml.safe_dump({"title": CRM_TITLE, "url": "https://example.org/c"})
    article.write_text(f"---\n{front}---\n\n{CRM}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["tags", "explain", str(article)])
    assert result.exit_code == 0, result.output
    assert "tags: (none)" in result.output
    assert "model: not about the topic - probability" in result.output
