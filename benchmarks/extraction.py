"""Extraction benchmark: digest's extractor against trafilatura, same pages, same run.

Data (benchmarks/data/): 44 pages of the Zyte/Scrapinghub article-extraction
benchmark (MIT, see extraction/LICENSE) with their ground truth, the same
pages as plain-text dumps, and score.py, the benchmark's published metric.

For each extractor and input form it prints F1, precision, recall and
documents per second on one core. Ours is scored on the ``text`` field (the
plain text of the Markdown body); trafilatura runs with default settings.
Both are warmed up on one page first so one-off imports are not timed.
Speed is CPU time of this process (one core), best of three passes, so a
busy machine slows both extractors alike instead of adding noise.

Overfitting guard: the pages are split in two fixed halves by the first hex
digit of their key (even / odd); F1 is printed for each half as well. A
change of method tuned on one half must hold on the other. For text dumps
the number of outputs holding a line of the injected SEO spam is printed
(the target is zero).

usage: python benchmarks/extraction.py
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

from digest.errors import ExtractError
from digest.extract.html import extract_page

DATA = Path(__file__).parent / "data"
log = logging.getLogger("bench")


def _load_score() -> object:
    spec = importlib.util.spec_from_file_location("score", DATA / "extraction" / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ours(data: bytes) -> str:
    try:
        return extract_page(data).text
    except ExtractError:
        return ""


def trafilatura_html(data: bytes) -> str:
    return trafilatura.extract(data) or ""


def trafilatura_text(data: bytes) -> str:
    # trafilatura reads HTML; a dump is wrapped one <p> per line, the most
    # faithful HTML a copied page maps to.
    import html

    lines = data.decode("utf-8", "replace").splitlines()
    page = "<html><body>" + "".join(f"<p>{html.escape(li)}</p>" for li in lines if li.strip())
    return trafilatura.extract(page + "</body></html>") or ""


# Words of the SEO spam injected into the dumps (a check of the output, not
# something the extractor is told).
_SPAM_MARKS = (
    "主站蜘蛛池",
    "Partner links",
    "精品",
    "毛片",
    "亚洲",
    "久久",
    "casino bonus",
    "viagra",
)


def _fold(key: str) -> int:
    return int(key[0], 16) % 2


def run(
    name: str,
    fn: Callable[[bytes], str],
    docs: dict[str, bytes],
    truth: dict[str, dict[str, str]],
    *,
    spam: bool = False,
) -> None:
    score = _load_score()
    fn(next(iter(docs.values())))  # warm-up
    elapsed = float("inf")
    for _ in range(3):
        start = time.process_time()
        outputs = {key: fn(data) for key, data in docs.items()}
        elapsed = min(elapsed, time.process_time() - start)
    predictions = {key: {"articleBody": text} for key, text in outputs.items()}
    m = score.score(truth, predictions)  # type: ignore[attr-defined]
    halves = []
    for fold in (0, 1):
        keys = [key for key in truth if _fold(key) == fold]
        part = score.score(  # type: ignore[attr-defined]
            {k: truth[k] for k in keys}, {k: predictions[k] for k in keys}
        )
        halves.append(f"{part['f1']:.3f}")
    extra = ""
    if spam:
        kept = sum(any(mark in text for mark in _SPAM_MARKS) for text in outputs.values())
        extra = f"  spam kept in {kept}"
    print(
        f"{name:<28} F1 {m['f1']:.3f}  P {m['precision']:.3f}  R {m['recall']:.3f}"
        f"  {len(docs) / elapsed:6.1f} docs/s  (n={m['n']}; halves {' / '.join(halves)}){extra}"
    )


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    truth = json.loads((DATA / "extraction" / "ground-truth.json").read_text())
    html_docs = {
        key: gzip.decompress((DATA / "extraction" / "html" / f"{key}.html.gz").read_bytes())
        for key in truth
    }
    text_docs = {key: (DATA / "textdump" / f"{key}.txt").read_bytes() for key in truth}
    print("HTML pages")
    run("  trafilatura (default)", trafilatura_html, html_docs, truth)
    run("  digest", ours, html_docs, truth)
    print("Text dumps")
    run("  trafilatura (one <p>/line)", trafilatura_text, text_docs, truth, spam=True)
    run("  digest", ours, text_docs, truth, spam=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
