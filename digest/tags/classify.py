"""Which tags an article gets, and why: classify and explain with one scan.

A tag fires when its rules hold (groups met, score at the threshold) and,
for a tag the learned layer has weights for, when the model agrees that the
article is about the topic. The compiled matcher of a taxonomy is built
once, on first use, and kept for the life of the process (a taxonomy is
immutable; there are very few).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from digest.errors import TagInputError
from digest.tags.learned import TagModel, Verdict, default_models, features
from digest.tags.matcher import Matcher, Scan
from digest.tags.rules import TagDef, Taxonomy, default_taxonomy

__all__ = [
    "Evidence",
    "Explanation",
    "GroupResult",
    "PhraseHit",
    "TagExplanation",
    "classify",
    "classify_jsonl",
    "evidence",
    "explain",
    "matcher_for",
]


_MATCHERS: dict[int, tuple[Taxonomy, Matcher]] = {}


def matcher_for(taxonomy: Taxonomy) -> Matcher:
    """The compiled matcher of a taxonomy, built on first use.

    Keyed by identity: hashing a taxonomy walks every phrase, and the same
    taxonomy object is shared by a whole run. The entry holds the taxonomy,
    so its id cannot be reused while the matcher lives.
    """
    entry = _MATCHERS.get(id(taxonomy))
    if entry is None:
        entry = _MATCHERS[id(taxonomy)] = (taxonomy, Matcher(taxonomy.tags))
    return entry[1]


@dataclass(frozen=True)
class PhraseHit:
    """How often one phrase matched in one place, and the points it gave."""

    phrase: str
    where: str  # "title", "lead" or "body"
    count: int
    points: float


@dataclass(frozen=True)
class GroupResult:
    name: str
    count: int
    min: int
    hits: tuple[PhraseHit, ...]
    within: str = "article"

    @property
    def ok(self) -> bool:
        return self.count >= self.min


@dataclass(frozen=True)
class TagExplanation:
    name: str
    score: float
    threshold: float
    words: float
    fired: bool
    hits: tuple[PhraseHit, ...]
    groups: tuple[GroupResult, ...] = ()
    # For a tag with paragraph-bound groups: the phrases that matched outside
    # the paragraphs holding those groups (no points), and (paragraphs where
    # the phrases count, paragraphs in all).
    outside: tuple[PhraseHit, ...] = ()
    paragraphs: tuple[int, int] | None = None
    # Matches that a word near them gives another sense (unless_near), with
    # the words that did: they count nothing.
    senses: tuple[tuple[PhraseHit, str], ...] = ()
    # The rules' verdict alone, and the learned layer's where it was asked
    # (the rules held and the tag has weights).
    rules_fired: bool = False
    model: Verdict | None = None


@dataclass(frozen=True)
class Explanation:
    """Why each tag of the taxonomy fired or not, for one article."""

    tags: tuple[TagExplanation, ...] = field(default=())

    @property
    def fired(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tags if t.fired)

    def render(self) -> str:
        lines = [f"tags: {', '.join(self.fired) or '(none)'}"]
        for t in self.tags:
            verdict = "FIRED" if t.fired else "no"
            lines.append(
                f"\n{t.name}: {verdict} - score {t.score:g}, threshold {t.threshold:.1f}"
                f" ({t.words:.0f} words)"
            )
            if t.model is not None:
                lines.extend(_render_model(t.model))
            for h in sorted(t.hits, key=lambda h: -abs(h.points)):
                lines.append(f"  {h.points:+g}  {h.phrase!r} in {h.where} x{h.count}")
            if not t.hits:
                lines.append("  no phrase matched")
            for g in t.groups:
                state = "ok" if g.ok else "MISSING"
                found = ", ".join(f"{h.phrase!r} in {h.where} x{h.count}" for h in g.hits)
                name = f"{g.name} (within {g.within})" if g.within != "article" else g.name
                lines.append(f"  group {name}: {state} ({g.count}/{g.min}) {found}".rstrip())
            if t.paragraphs is not None:
                counted, total = t.paragraphs
                bound = " and ".join(g.name for g in t.groups if g.within == "paragraph")
                lines.append(f"  phrases count in {counted} of {total} paragraphs: those"
                             f" holding group {bound} (the title goes with the first)")
            for h in t.outside:
                lines.append(f"  not counted  {h.phrase!r} in {h.where} x{h.count}"
                             " (outside those paragraphs)")
            for h, near in t.senses:
                lines.append(f"  not counted  {h.phrase!r} in {h.where} x{h.count}"
                             f" (another sense, next to {near!r})")
        return "\n".join(lines)


def _render_model(v: Verdict) -> list[str]:
    verdict = "about the topic" if v.fired else "not about the topic"
    lines = [f"  model: {verdict} - probability {v.probability:.2f}, needs {v.cutoff:.2f}"
             f" (bias {v.bias:+.2f}; value x weight:)"]
    for c in sorted(v.contributions, key=lambda c: -abs(c.amount)):
        if c.value:
            lines.append(f"    {c.amount:+6.2f}  {c.feature} = {c.value:.2f} x {c.weight:+.2f}")
    return lines


def _rules(tag: TagDef, scan: Scan, index: int) -> tuple[float, float, bool]:
    score = scan.scores[index]
    needed = tag.threshold.needed(scan.words)
    groups_ok = all(scan.group_counts[index][i] >= g.min for i, g in enumerate(tag.require))
    return score, needed, score > 0 and score >= needed and groups_ok


Models = Mapping[str, TagModel]


def _model(tag: TagDef, models: Models | None) -> TagModel | None:
    if not tag.learned:
        return None
    return (default_models() if models is None else models).get(tag.name)


def classify(taxonomy: Taxonomy, title: str, text: str,
             models: Models | None = None) -> tuple[str, ...]:
    """The names of the tags that fire for this article, in taxonomy order.

    ``models`` replaces the packaged weights of the learned layer (the
    benchmark compares weights this way).
    """
    matcher = matcher_for(taxonomy)
    scan = matcher.scan(title or "", text or "", record=False)
    fired = []
    for i, tag in enumerate(taxonomy.tags):
        _, needed, ok = _rules(tag, scan, i)
        model = _model(tag, models) if ok else None
        if ok and (model is None or model.fires(features(scan, i, matcher.top[i], needed))):
            fired.append(tag.name)
    return tuple(fired)


@dataclass(frozen=True)
class Evidence:
    """The rules' verdict on one tag and the learned layer's features (for training)."""

    name: str
    rules_fired: bool
    values: tuple[float, ...]


def evidence(taxonomy: Taxonomy, title: str, text: str) -> tuple[Evidence, ...]:
    """Per tag: whether its rules fire, and the features the learned layer would read."""
    matcher = matcher_for(taxonomy)
    scan = matcher.scan(title or "", text or "", record=False)
    out = []
    for i, tag in enumerate(taxonomy.tags):
        _, needed, ok = _rules(tag, scan, i)
        out.append(Evidence(tag.name, ok, features(scan, i, matcher.top[i], needed)))
    return tuple(out)


def explain(taxonomy: Taxonomy, title: str, text: str,
            models: Models | None = None) -> Explanation:
    """Every tag's score, threshold, verdict and the phrases behind them."""
    matcher = matcher_for(taxonomy)
    scan = matcher.scan(title or "", text or "", record=True)
    out = []
    for i, tag in enumerate(taxonomy.tags):
        score, needed, rules_fired = _rules(tag, scan, i)
        model = _model(tag, models) if rules_fired else None
        verdict = model.verdict(features(scan, i, matcher.top[i], needed)) if model else None
        fired = rules_fired and (verdict is None or verdict.fired)
        hits = tuple(PhraseHit(*h) for h in scan.hits[i])
        groups = tuple(
            GroupResult(
                g.name,
                scan.group_counts[i][gi],
                g.min,
                tuple(PhraseHit(*h) for h in scan.group_hits[i][gi]),
                g.within,
            )
            for gi, g in enumerate(tag.require)
        )
        rounded = round(score, 2)
        outside = tuple(PhraseHit(*h) for h in scan.outside[i])
        senses = tuple((PhraseHit(p, where, n, 0.0), near)
                       for p, where, n, near in scan.senses[i])
        out.append(TagExplanation(tag.name, rounded, needed, scan.words, fired, hits, groups,
                                  outside, scan.paragraphs[i], senses, rules_fired, verdict))
    return Explanation(tuple(out))


def classify_jsonl(lines: Iterable[str], taxonomy: Taxonomy | None = None) -> Iterator[str]:
    """``{"id", "title", "text"}`` lines in, ``{"id", "tags"}`` lines out, in order.

    Raises TagInputError naming the line number at the first unusable line;
    the lines before it have been yielded already.
    """
    taxonomy = taxonomy if taxonomy is not None else default_taxonomy()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # a blank line (often the last one) is not an article
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise TagInputError(f"line {number}: not valid JSON ({exc})") from None
        if not isinstance(item, dict):
            raise TagInputError(f"line {number}: expected a JSON object")
        title, text = item.get("title") or "", item.get("text") or ""
        if "id" not in item:
            raise TagInputError(f"line {number}: missing 'id'")
        if not isinstance(title, str) or not isinstance(text, str):
            raise TagInputError(f"line {number}: 'title' and 'text' must be strings")
        tags = classify(taxonomy, title, text)
        yield json.dumps({"id": item["id"], "tags": list(tags)}, ensure_ascii=False)
