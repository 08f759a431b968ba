"""Train the learned tagging layer: digest/data/tag-model.json from the development data.

For each default tag, every development item on which the tag's rules fire
is one example: its features (digest.tags.learned.FEATURES) and whether the
tag is in its labels. A logistic regression with an L2 penalty, fitted by
Newton's method in plain Python, gives the weights. The probability a tag
needs (its cutoff) is chosen by 5-fold cross-validation on the same
examples: the cutoff of least cost, where a tag on an item labelled with no
tag at all (an ordinary article) costs FALSE_ALARM and any other error 1.
The same data always gives the same file. The blind set
(benchmarks/tagdata.py) is never read.

Usage: python benchmarks/train_tagging.py [--check]
  --check  exit 1 if the packaged file differs from what training gives
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tagdata import Item, development, fold

from digest.tags.classify import evidence
from digest.tags.learned import FEATURES
from digest.tags.rules import Taxonomy, default_taxonomy

OUT = Path(__file__).parents[1] / "digest" / "data" / "tag-model.json"
PENALTY = 1.0  # L2 on the weights (not the bias): features are on a log scale, ~0-5
MIN_CLASS = 10  # examples of each kind a tag needs for a model
# A tag on a story about none of the topics is worse than a missed tag: the
# issue's bars are at most 2 % of ordinary articles tagged and F1 of 0.90.
FALSE_ALARM = 3.0
# With a false alarm costing 3 and a miss 1, a well-calibrated model's best
# cutoff lies between 0.5 (the other errors) and 0.75 (false alarms alone):
# the grid spans that, and a little more.
CUTOFFS = tuple(round(0.50 + 0.05 * i, 2) for i in range(7))  # 0.50 ... 0.80
CUTOFF_SALT = "digest-tagging-cutoff:"  # its folds differ from the benchmark's


@dataclass(frozen=True)
class Example:
    """One item on which a tag's rules fire."""

    values: tuple[float, ...]
    positive: bool  # labelled with the tag
    ordinary: bool  # labelled with no tag at all
    key: str  # the item's id and title: its cross-validation fold


def rules_only(taxonomy: Taxonomy) -> Taxonomy:
    """The taxonomy with the learned layer switched off: the features do not
    depend on it, and the candidates are where the rules alone fire."""
    return Taxonomy(tuple(replace(t, learned=False) for t in taxonomy.tags))


def examples(taxonomy: Taxonomy, items: Sequence[Item]) -> dict[str, list[Example]]:
    """Per tag, the examples of the items where its rules fire."""
    out: dict[str, list[Example]] = {name: [] for name in taxonomy.names}
    for item in items:
        for ev in evidence(taxonomy, item.title, item.text):
            if ev.rules_fired:
                out[ev.name].append(Example(ev.values, ev.name in item.labels,
                                            not item.labels, item.id + item.title))
    return out


def fit(data: Sequence[Example], penalty: float = PENALTY) -> tuple[float, list[float]]:
    """Logistic regression by Newton's method: (bias, weights)."""
    k = len(FEATURES) + 1
    beta = [0.0] * k
    rows = [((1.0, *e.values), 1.0 if e.positive else 0.0) for e in data]
    for _ in range(50):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for x, y in rows:
            z = sum(b * v for b, v in zip(beta, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            w = p * (1.0 - p)
            for i in range(k):
                grad[i] += (p - y) * x[i]
                row, xi = hess[i], x[i] * w
                for j in range(i, k):
                    row[j] += xi * x[j]
        for i in range(1, k):
            grad[i] += penalty * beta[i]
            hess[i][i] += penalty
        for i in range(k):
            for j in range(i):
                hess[i][j] = hess[j][i]
        step = _solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return beta[0], beta[1:]


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """x with a x = b, by Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def logit(model: tuple[float, list[float]], values: Sequence[float]) -> float:
    return model[0] + sum(w * v for w, v in zip(model[1], values, strict=True))


def choose_cutoff(data: Sequence[Example], folds: int = 5) -> float:
    """The cutoff of least cross-validated cost (ties: the one nearest 0.5).

    Each example is scored by a model fitted without its fold; a miss or a
    tag on an item with other tags costs 1, a tag on an item labelled with no
    tag costs FALSE_ALARM.
    """
    which = [fold(e.key, folds, CUTOFF_SALT) for e in data]
    scores = [0.0] * len(data)
    for f in range(folds):
        model = fit([e for e, k in zip(data, which, strict=True) if k != f])
        for i, (e, k) in enumerate(zip(data, which, strict=True)):
            if k == f:
                scores[i] = logit(model, e.values)

    def cost(cutoff: float) -> tuple[float, float]:
        limit = math.log(cutoff / (1 - cutoff))
        total = 0.0
        for e, z in zip(data, scores, strict=True):
            if e.positive != (z >= limit):
                total += FALSE_ALARM if e.ordinary else 1.0
        return total, abs(cutoff - 0.5)

    return min(CUTOFFS, key=cost)


def train(taxonomy: Taxonomy, items: Sequence[Item]) -> dict[str, object]:
    """The weights file's data for these items.

    A tag whose rules were (almost) never wrong, or (almost) never right, on
    the development data gets no model: there is nothing to learn, and the
    rules alone decide it.
    """
    tags = {}
    for name, data in examples(rules_only(taxonomy), items).items():
        positive = sum(1 for e in data if e.positive)
        if min(positive, len(data) - positive) < MIN_CLASS:
            continue
        bias, weights = fit(data)
        tags[name] = {"bias": round(bias, 4), "cutoff": choose_cutoff(data),
                      "weights": {f: round(w, 4) for f, w in zip(FEATURES, weights, strict=True)},
                      "examples": len(data), "positive": positive}
    return {"about": "weights of the learned tagging layer (digest/tags/learned.py), written "
                     "by benchmarks/train_tagging.py from the development sets",
            "tags": tags}


def all_development() -> list[Item]:
    return [item for items in development().values() for item in items]


def main(argv: Sequence[str]) -> int:
    data = train(default_taxonomy(), all_development())
    text = json.dumps(data, indent=1) + "\n"
    if "--check" in argv:
        same = OUT.read_text(encoding="utf-8") == text
        print("tag-model.json is", "up to date" if same else "STALE: run this script")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    for name in default_taxonomy().names:
        body = data["tags"].get(name)  # type: ignore[attr-defined]
        print(f"{name:17}", f"{body['examples']:4d} examples, {body['positive']:4d} positive"
              if body else "no model: the rules alone decide")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
