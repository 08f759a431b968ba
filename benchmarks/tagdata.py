"""The labeled tagging data, split once into a development part and a blind part.

Sets (all under benchmarks/data/tagging, labeled by TAXONOMY.md):

- briefs-dev, aeb and holdout-1..12: the sets the rules were written and
  tuned against over time (see benchmarks/tagging.py); all development now;
- wcxb-dev: the 709 development pages of WCXB (CC-BY-4.0, WCXB-LICENSE):
  2025 web articles, mostly about none of the six topics; ten pages whose
  topic is unclear have no labels and are left out;
- articles-dev17: 54 news articles written for issue 17: 30 off-topic
  stories in the shape of the reported false alarms (advice columns,
  health studies full of percentages, crime stories full of records,
  buying guides) and 24 topic stories.

A quarter of wcxb-dev and articles-dev17 (a fixed hash of the id) was the
blind part of the first round of issue 17; it was scored once and looked
at, so it is development data now.

- articles-blind17b: 88 news stories and web pages written for the second
  round of issue 17 before any tuning (56 about none of the six topics, many
  with topic words in another sense; 32 topical). It was that round's blind
  set, scored once (docs/design/tagging.md), and is development data now.

The blind set is articles-blind17c: 74 news stories and web pages (50 about
none of the six topics, 24 topical), written after articles-blind17b was
scored and before the rules were revised after a look at its misses.
Nothing is tuned or trained on it; it is scored only to report the blind
estimate.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data" / "tagging"
OLDER = [("briefs-dev", "briefs-dev.jsonl")] + [
    (f"holdout-{n}", f"briefs-holdout{'' if n == 1 else n}.jsonl") for n in range(1, 11)
] + [("holdout-11", "articles-holdout11.jsonl"), ("holdout-12", "articles-holdout12.jsonl")]
NEWER = [("news17", "articles-dev17.jsonl"), ("news17b", "articles-blind17b.jsonl")]
BLIND = [("news17c", "articles-blind17c.jsonl")]


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    text: str
    labels: frozenset[str]


def fold(item_id: str, folds: int, salt: str = "digest-tagging-fold:") -> int:
    """The cross-validation fold of a development item (another salt, other folds)."""
    return int(hashlib.sha256((salt + item_id).encode()).hexdigest()[:8], 16) % folds


def _rows(name: str) -> list[dict[str, object]]:
    path = DATA / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _items(rows: list[dict[str, object]]) -> list[Item]:
    out = []
    for r in rows:
        labels = r["labels"]
        if labels is None:  # no clear topic: not scored
            continue
        assert isinstance(labels, list)
        out.append(Item(str(r["id"]), str(r["title"]), str(r["text"]), frozenset(labels)))
    return out


def aeb() -> list[Item]:
    labels = json.loads((DATA / "aeb-dev-labels.json").read_text(encoding="utf-8"))
    texts = json.loads((DATA / "aeb-texts.json").read_text(encoding="utf-8"))
    # The benchmark gives no titles: the text alone is what the tagger sees.
    return [Item("aeb-" + key[:8], "", texts[key], frozenset(tags))
            for key, tags in labels.items()]


def wcxb() -> list[Item]:
    # Titles and texts are the extraction benchmark's reviewed ones; only the
    # labels are kept here (null: no clear topic, not scored).
    truth = json.loads(gzip.decompress((DATA.parent / "wcxb" / "ground-truth.json.gz").read_bytes()))
    labels = json.loads((DATA / "wcxb-dev-labels.json").read_text(encoding="utf-8"))
    return _items([{"id": "wcxb-" + key, "title": truth[key]["title"],
                    "text": truth[key]["articleBody"], "labels": tags}
                   for key, tags in labels.items()])


def development() -> dict[str, list[Item]]:
    """Every development set by name."""
    sets = {name: _items(_rows(file)) for name, file in OLDER}
    sets["aeb"] = aeb()
    sets["wcxb"] = wcxb()
    sets.update({name: _items(_rows(file)) for name, file in NEWER})
    return sets


def blind_sets() -> dict[str, list[Item]]:
    """The blind part: score it only for the final estimate."""
    return {name + "-blind": _items(_rows(file)) for name, file in BLIND}
