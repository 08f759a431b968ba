"""Tagging quality and speed: the default taxonomy against labeled items.

Prints per-tag precision, recall and F1, micro- and macro-F1 and items per
second for digest's tagger and, in the same run, for a naive baseline (a tag
fires when any of its phrases occurs anywhere), over:

- briefs-dev: 40 labeled news briefs (the set the rules were checked against),
- aeb: the 44 articles of the extraction benchmark (text = articleBody),
- dev (combined): both of the above,
- holdout-1..5: 32, 24, 20, 20 and 20 briefs written for this benchmark in
  other wording (tricky negatives, Chinese items); each was scored blind once
  (micro-F1 0.80, 0.75, 0.89, 0.88, 0.80), then the rules' general
  vocabulary or weights were revised after a look at its misses,
- holdout-6: 20 more such briefs, written after those rules were done
  (blind first score 0.87); later revisions looked at its misses,
- holdout-7: 42 briefs (11 in Chinese), scored blind once at micro-F1 0.89
  (ai 0.73, privacy-security 0.77); the vocabulary was then widened from the
  definitions in TAXONOMY.md and checked on the older sets only,
- holdout-8: 30 briefs (8 in Chinese) written after that revision, scored
  blind once at micro-F1 0.88 (privacy-security 0.57, trade-economy 0.80);
  privacy-security and trade-economy were then widened from the definitions,
- holdout-9: 30 briefs (8 in Chinese, 5 tricky negatives) written and labeled
  after that widening and never used to change the rules: the honest estimate
  for unseen articles (its blind first score is what this file reports),
- holdout-10: 40 briefs (10 in Chinese, 9 tricky negatives) written by a
  helper who saw only TAXONOMY.md and briefs-dev, never the rules: blind
  first score micro-F1 0.93 (every tag >= 0.86),
- holdout-11: 18 long articles (~500 words, 3 in Chinese, 6 that mention tag
  topics only in passing) written the same way: blind first score micro-F1
  0.88 (platform-policy 0.67: four long stories full of generic rule words).
  Paragraph-bound groups (`within: paragraph`, no new phrases) were then
  designed against those misses, so this set is no longer blind,
- holdout-12: 20 long articles (400-900 words, 4 in Chinese, 8 decoys that use
  tag words in another sense) written by a third helper from TAXONOMY.md alone
  and kept from whoever changed the rules: micro-F1 0.84 with the rules before
  the paragraph-bound groups (platform-policy 0.57), 0.93 with them, scored
  once each and never tuned on: the check that the method change generalises.

Usage: python benchmarks/tagging.py [--misses] [--check]
  --misses  list every false positive and false negative
  --check   exit 1 when a target (micro-F1 >= 0.90, every tag F1 >= 0.80) is missed
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.tags.classify import classify
from digest.tags.rules import Taxonomy, default_taxonomy

DATA = Path(__file__).parent / "data" / "tagging"

Item = tuple[str, str, str, frozenset[str]]  # id, title, text, labels
Tagger = Callable[[str, str], Sequence[str]]


def load_briefs(name: str) -> list[Item]:
    with open(DATA / name, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [(r["id"], r["title"], r["text"], frozenset(r["labels"])) for r in rows]


def load_aeb() -> list[Item]:
    labels = json.loads((DATA / "aeb-dev-labels.json").read_text(encoding="utf-8"))
    texts = json.loads((DATA / "aeb-texts.json").read_text(encoding="utf-8"))
    # The benchmark gives no titles: the text alone is what the tagger sees.
    return [(key[:8], "", texts[key], frozenset(tags)) for key, tags in labels.items()]


def baseline(taxonomy: Taxonomy) -> Tagger:
    """A tag fires when any of its positive phrases occurs anywhere, once."""
    import re

    patterns = []
    for tag in taxonomy.tags:
        words = [p.text for p in tag.phrases if p.weight > 0 and not p.text.startswith("re:")]
        alts = []
        for w in words:
            star = w.endswith("*")
            core = re.escape(w.rstrip("*"))
            cjk = any("\u3000" <= c <= "\u9fff" for c in w)
            end = r"\w*" if star else r"\b"
            alts.append(core if cjk else rf"\b{core}{end}")
        patterns.append((tag.name, re.compile("|".join(alts), re.IGNORECASE)))

    def naive(title: str, text: str) -> list[str]:
        both = f"{title}\n{text}"
        return [name for name, pattern in patterns if pattern.search(both)]

    return naive


@dataclass(frozen=True)
class Scores:
    per_tag: dict[str, tuple[float, float, float, int]]  # precision, recall, F1, support
    micro: float
    macro: float
    per_second: float


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(tagger: Tagger, items: list[Item], names: Sequence[str]) -> tuple[Scores, list[str]]:
    # The best of several rounds: other processes on a shared machine only
    # ever make a round slower, so the fastest round is the tagger's own speed.
    best = float("inf")
    for _ in range(7):
        start = time.process_time()
        predicted = [frozenset(tagger(title, text)) for _, title, text, _ in items]
        best = min(best, time.process_time() - start)
    per_second = len(items) / best if best > 0 else float("inf")
    per_tag = {}
    totals = [0, 0, 0]
    misses = []
    for name in names:
        tp = fp = fn = 0
        for (key, title, _, gold), got in zip(items, predicted, strict=True):
            if name in got and name in gold:
                tp += 1
            elif name in got:
                fp += 1
                misses.append(f"  FP {name:17} {key} {title[:60]}")
            elif name in gold:
                fn += 1
                misses.append(f"  FN {name:17} {key} {title[:60]}")
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
        p, r, f = _f1(tp, fp, fn)
        per_tag[name] = (p, r, f, tp + fn)
    micro = _f1(*totals)[2]
    macro = sum(v[2] for v in per_tag.values()) / len(per_tag)
    return Scores(per_tag, micro, macro, per_second), misses


def render(title: str, ours: Scores, base: Scores) -> str:
    lines = [f"\n## {title}", f"{'tag':18} {'support':>7}  {'P':>5} {'R':>5} {'F1':>5}   "
             f"{'base P':>6} {'base R':>6} {'base F1':>7}"]
    for name, (p, r, f, n) in ours.per_tag.items():
        bp, br, bf, _ = base.per_tag[name]
        ours_part = f"{name:18} {n:7d}  {p:5.2f} {r:5.2f} {f:5.2f}"
        lines.append(f"{ours_part}   {bp:6.2f} {br:6.2f} {bf:7.2f}")
    lines.append(f"{'micro-F1':18} {'':7}  {'':5} {'':5} {ours.micro:5.2f}   {'':6} {'':6} "
                 f"{base.micro:7.2f}")
    lines.append(f"{'macro-F1':18} {'':7}  {'':5} {'':5} {ours.macro:5.2f}   {'':6} {'':6} "
                 f"{base.macro:7.2f}")
    lines.append(f"items/second: ours {ours.per_second:,.0f}, baseline {base.per_second:,.0f}")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    taxonomy = default_taxonomy()
    names = taxonomy.names

    def ours(title: str, text: str) -> Sequence[str]:
        return classify(taxonomy, title, text)

    naive = baseline(taxonomy)
    briefs, aeb = load_briefs("briefs-dev.jsonl"), load_aeb()
    sets = [("briefs-dev (40)", briefs), ("aeb (44 articles)", aeb),
            ("dev combined (84)", briefs + aeb),
            ("holdout-1 (own briefs; vocabulary widened after one look)",
             load_briefs("briefs-holdout.jsonl")),
            ("holdout-2 (own briefs; vocabulary widened after one look)",
             load_briefs("briefs-holdout2.jsonl")),
            ("holdout-3 (own briefs; scored blind at micro-F1 0.89, then widened)",
             load_briefs("briefs-holdout3.jsonl")),
            ("holdout-4 (own briefs; scored blind at micro-F1 0.88, then reweighted)",
             load_briefs("briefs-holdout4.jsonl")),
            ("holdout-5 (own briefs; scored blind at micro-F1 0.80, then widened)",
             load_briefs("briefs-holdout5.jsonl")),
            ("holdout-6 (own briefs; scored blind at micro-F1 0.87, later tuned on)",
             load_briefs("briefs-holdout6.jsonl")),
            ("holdout-7 (own briefs; scored blind at micro-F1 0.89, not tuned on)",
             load_briefs("briefs-holdout7.jsonl")),
            ("holdout-8 (own briefs; scored blind at micro-F1 0.88, then widened)",
             load_briefs("briefs-holdout8.jsonl")),
            ("holdout-9 (own briefs, written last, never tuned on)",
             load_briefs("briefs-holdout9.jsonl")),
            ("holdout-10 (briefs written blind from TAXONOMY.md, never tuned on)",
             load_briefs("briefs-holdout10.jsonl")),
            ("holdout-11 (long articles; scored blind at 0.88, then the method changed)",
             load_briefs("articles-holdout11.jsonl")),
            ("holdout-12 (long articles written blind, never tuned on)",
             load_briefs("articles-holdout12.jsonl"))]
    print("# Tagging benchmark: digest's rules vs a naive any-phrase baseline")
    failed = False
    for title, items in sets:
        scores, misses = evaluate(ours, items, names)
        base, _ = evaluate(naive, items, names)
        print(render(f"{title}, {len(items)} items", scores, base))
        if "--misses" in argv and misses:
            print("\n".join(misses))
        if title.startswith(("dev", "holdout")):  # targets: dev and every holdout
            failed |= scores.micro < 0.90 or min(v[2] for v in scores.per_tag.values()) < 0.80
    print("\ntargets (micro-F1 >= 0.90, every tag F1 >= 0.80 on dev and every holdout):",
          "MISSED" if failed else "met")
    return 1 if failed and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
