"""The learned layer: whether an article is about a tag's topic, from the rules' own evidence.

The rules find a tag's phrases and score them; many ordinary pages reach a
threshold on generic words alone ("data", "sales", "security" said often
enough). For the tags it knows, a small logistic model reads a dozen figures
of that evidence (where the topic phrases stand, how dense and how spread
they are, how much of the score is context words) and decides whether the
topic is what the article is about. It runs only where the rules would fire,
so it can only remove tags, never add any. Its weights are in
``digest/data/tag-model.json``, written by ``benchmarks/train_tagging.py``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from digest.tags.matcher import SPREAD, Scan

__all__ = ["FEATURES", "Contribution", "TagModel", "Verdict", "default_models", "features",
           "parse_models"]

# What each feature measures; a point is one match of a top phrase (the tag's
# highest weight) where it counts least, so a top phrase in the title is 3.
FEATURES: Mapping[str, str] = {
    "title_top": "topic phrases in the title",
    "title_other": "context words in the title",
    "lead_top": "topic phrases in the lead",
    "lead_other": "context words in the lead",
    "body_top": "topic phrases per 1,000 words of the body",
    "body_other": "context words per 1,000 words of the body",
    "distinct_top": "different topic phrases",
    "distinct_other": "different context words",
    "spread_top": "share of the text's parts holding a topic phrase",
    "spread_any": "share of the text's parts holding any of the tag's phrases",
    "margin": "the rules' score over their threshold (log)",
    "negative": "phrases with negative weight",
    "addressed": "words addressing the reader (you, your) per 100 words",
}


def features(scan: Scan, index: int, top: float, needed: float) -> tuple[float, ...]:
    """The features of tag ``index`` in one scan, in FEATURES order.

    ``top`` is the tag's highest phrase weight, the unit of points, and
    ``needed`` the rules' threshold for this text.
    """
    p = scan.parts[index]
    unit = top if top > 0 else 1.0
    per_1000 = 1000.0 / max(scan.words, 100.0)
    top_parts, any_parts = scan.spread[index]
    log = math.log1p
    return (
        log(p[0] / unit), log(p[1] / unit), log(p[2] / unit), log(p[3] / unit),
        log(p[4] / unit * per_1000), log(p[5] / unit * per_1000),
        log(p[6]), log(p[7]),
        top_parts.bit_count() / SPREAD, (top_parts | any_parts).bit_count() / SPREAD,
        max(-3.0, min(3.0, math.log((max(scan.scores[index], 0.0) + 1.0) / (needed + 1.0)))),
        log(p[8] / unit),
        log(100.0 * scan.you / max(scan.words, 100.0)),
    )


@dataclass(frozen=True)
class Contribution:
    """One feature's value, its weight, and what the two add to the model's score."""

    feature: str
    value: float
    weight: float

    @property
    def amount(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True)
class Verdict:
    """The model's decision for one tag of one article, and what pushed it."""

    probability: float
    cutoff: float
    bias: float
    contributions: tuple[Contribution, ...]

    @property
    def fired(self) -> bool:
        return self.probability >= self.cutoff


@dataclass(frozen=True)
class TagModel:
    """Logistic weights for one tag, in FEATURES order, and the probability it needs."""

    bias: float
    weights: tuple[float, ...]
    cutoff: float = 0.5

    def logit(self, values: tuple[float, ...]) -> float:
        return self.bias + sum(w * v for w, v in zip(self.weights, values, strict=True))

    def fires(self, values: tuple[float, ...]) -> bool:
        # p >= cutoff, compared as logits: no exp on the hot path.
        return self.logit(values) >= math.log(self.cutoff / (1.0 - self.cutoff))

    def verdict(self, values: tuple[float, ...]) -> Verdict:
        z = self.logit(values)
        probability = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        parts = tuple(Contribution(name, v, w)
                      for name, v, w in zip(FEATURES, values, self.weights, strict=True))
        return Verdict(probability, self.cutoff, self.bias, parts)


def parse_models(raw: object) -> dict[str, TagModel]:
    """The tag models of a weights file's data; ValueError names what is wrong.

    The file maps tag names to a bias, a cutoff and a weight per feature
    name; a feature it does not name weighs nothing.
    """
    tags = raw.get("tags") if isinstance(raw, Mapping) else None
    if not isinstance(tags, Mapping):
        raise ValueError("the weights file has no 'tags' mapping")
    out = {}
    for name, body in tags.items():
        try:
            named = {str(k): float(v) for k, v in body["weights"].items()}
            model = TagModel(float(body["bias"]), tuple(named.pop(f, 0.0) for f in FEATURES),
                             float(body.get("cutoff", 0.5)))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"tag {name!r}: {exc!r}") from None
        if named:
            raise ValueError(f"tag {name!r}: unknown features {sorted(named)}")
        if not 0.0 < model.cutoff < 1.0:
            raise ValueError(f"tag {name!r}: the cutoff is a probability between 0 and 1")
        out[str(name)] = model
    return out


@cache
def default_models() -> dict[str, TagModel]:
    """The packaged weights, by tag name; a broken packaged file is a bug, so it raises."""
    text = resources.files("digest").joinpath("data/tag-model.json").read_text(encoding="utf-8")
    return parse_models(json.loads(text))
