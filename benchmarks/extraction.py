"""Extraction benchmark: digest's extractor against trafilatura, same pages, same run.

Data (benchmarks/data/): 44 pages of the Zyte/Scrapinghub article-extraction
benchmark (MIT, see extraction/LICENSE) with their ground truth, the same
pages as plain-text dumps, and score.py, the benchmark's published metric.

For each extractor and input form it prints F1, precision, recall and
documents per second on one core. Ours is scored on the ``text`` field (the
plain text of the Markdown body); trafilatura runs with default settings.
Both are warmed up on one page first so one-off imports are not timed.

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
from digest.extract import extract_page

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


def run(
    name: str, fn: Callable[[bytes], str], docs: dict[str, bytes], truth: dict[str, dict[str, str]]
) -> None:
    score = _load_score()
    fn(next(iter(docs.values())))  # warm-up
    start = time.perf_counter()
    predictions = {key: {"articleBody": fn(data)} for key, data in docs.items()}
    elapsed = time.perf_counter() - start
    m = score.score(truth, predictions)  # type: ignore[attr-defined]
    print(
        f"{name:<28} F1 {m['f1']:.3f}  P {m['precision']:.3f}  R {m['recall']:.3f}"
        f"  {len(docs) / elapsed:6.1f} docs/s  (n={m['n']})"
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
    run("  trafilatura (one <p>/line)", trafilatura_text, text_docs, truth)
    run("  digest", ours, text_docs, truth)
    return 0


if __name__ == "__main__":
    sys.exit(main())
