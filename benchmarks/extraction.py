"""Extraction benchmark: digest beside trafilatura and readability-lxml, same pages, same run.

Four sets (benchmarks/data/), each scored by its own ``score.py``:

- ``extraction``: 44 pages of the Zyte/Scrapinghub article-extraction benchmark
  (MIT) as HTML; F1 over 4-word shingles; no snippets or metadata;
- ``extraction-text``: the same pages as plain-text page dumps;
- ``wcxb``: the 709 article pages of WCXB's development split (CC-BY-4.0) as
  HTML; word-level F1 (bag of lowercase ``\\w+`` tokens), must-have snippets
  (share of ``with`` found) and must-not-have (share of ``without`` left in);
- ``wcxb-text``: the same pages as plain-text dumps, same ground truth.

Figures per extractor and set:

- F1, P, R: the set's metric, averaged over pages; F1 of each half as well.
- whole: "paragraphs kept whole". A ground-truth paragraph is a block between
  blank lines holding at least 8 lowercase ``\\w+`` tokens; it is kept whole
  when its token sequence occurs as one contiguous run of the output's token
  sequence (Markdown links and images reduced to their text first). The figure
  is the share of all such paragraphs of the set (pooled over pages).
- title / author / date (WCXB sets, pages whose ground truth has the field):
  title: equal after NFKC, lowercasing and keeping only ``\\w+`` tokens;
  author: the Dice overlap of the two sets of lowercase name tokens is at
  least 0.5 ("Dylan Bailey" matches "Dylan Bailey, MS, RD"); date: the same
  calendar day as the page states it (the date in the offset it was read with).
  digest's values are those of the article ``digest extract`` prints
  (``extract_page`` then ``build_article``, as digest.ingest.preview does);
  trafilatura's come from ``extract_metadata``; readability has a title only.
- pages/s: pages per second of CPU time of this process (one core), best of
  ``--passes`` passes, after a warm-up page, so a busy machine slows every
  extractor alike instead of adding noise. Only the body extraction is timed.

HTML pages are given their URL, as ``digest fetch`` knows it; text dumps have
none, as with ``digest add page.txt``. trafilatura and readability read a dump
wrapped one ``<p>`` per line, the most faithful HTML a copied page maps to.

Overfitting guard: every set is split in two fixed halves, by the parity of a
WCXB page's number and of the first hex digit of an extraction page's key. A
change of method tuned on one half must hold on the other. For text dumps the
number of outputs holding a line of the injected SEO spam is printed.

usage: python benchmarks/extraction.py [--sets wcxb,extraction] [--passes 3] [--worse]
  --worse lists, per set, the pages where digest's F1 is below trafilatura's by
  more than 0.02.
"""

from __future__ import annotations

import argparse
import gzip
import html
import importlib.util
import json
import logging
import re
import sys
import time
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import lxml.html
import trafilatura
from readability import Document

from digest.errors import ExtractError
from digest.extract.page import extract_page
from digest.ingest.assemble import build_article
from digest.model import Extracted
from digest.tags.rules import default_taxonomy

DATA = Path(__file__).parent / "data"
TOKEN = re.compile(r"\w+")
MIN_PARAGRAPH_WORDS = 8
WORSE_MARGIN = 0.02


# -- the sets ---------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    key: str
    data: bytes
    url: str | None


@dataclass(frozen=True)
class BenchSet:
    name: str
    label: str
    kind: str  # "html" or "text"
    pages: list[Page]
    truth: dict[str, dict[str, Any]]
    score: ModuleType


def _load_score(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"score_{folder.name}", folder / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _half(key: str) -> int:
    return int(key) % 2 if key.isdigit() else int(key[0], 16) % 2


def load_sets(names: list[str]) -> list[BenchSet]:
    sets = []
    ext_truth = json.loads((DATA / "extraction" / "ground-truth.json").read_text())
    wcxb_truth = json.loads(gzip.decompress((DATA / "wcxb" / "ground-truth.json.gz").read_bytes()))
    ext_score, wcxb_score = _load_score(DATA / "extraction"), _load_score(DATA / "wcxb")
    for name in names:
        if name == "extraction":
            pages = [Page(k, gzip.decompress((DATA / "extraction" / "html" / f"{k}.html.gz")
                                             .read_bytes()), v.get("url")) for k, v in ext_truth.items()]
            sets.append(BenchSet(name, "Extraction set, HTML", "html", pages, ext_truth, ext_score))
        elif name == "extraction-text":
            pages = [Page(k, (DATA / "textdump" / f"{k}.txt").read_bytes(), None) for k in ext_truth]
            sets.append(BenchSet(name, "Extraction set, text dumps", "text", pages, ext_truth,
                                 ext_score))
        elif name == "wcxb":
            pages = [Page(k, gzip.decompress((DATA / "wcxb" / "html" / f"{k}.html.gz")
                                             .read_bytes()), v.get("url")) for k, v in wcxb_truth.items()]
            sets.append(BenchSet(name, "WCXB dev, HTML", "html", pages, wcxb_truth, wcxb_score))
        elif name == "wcxb-text":
            pages = [Page(k, gzip.decompress((DATA / "wcxb-textdump" / f"{k}.txt.gz")
                                             .read_bytes()), None) for k in wcxb_truth]
            sets.append(BenchSet(name, "WCXB dev, text dumps", "text", pages, wcxb_truth,
                                 wcxb_score))
        else:
            raise SystemExit(f"unknown set {name!r}")
    return sets


# -- the extractors ------------------------------------------------------------------


@dataclass(frozen=True)
class Meta:
    title: str | None = None
    author: str | None = None
    published: date | None = None


@dataclass(frozen=True)
class Extractor:
    name: str
    run: Callable[[bytes, str | None, str], Any]  # timed: the body extraction
    text: Callable[[Any], str]
    meta: Callable[[Any, bytes, str | None, str], Meta] | None  # untimed
    has: tuple[str, ...] = ("title", "author", "date")


_TAXONOMY = default_taxonomy()
_FETCHED = datetime.now(UTC).replace(microsecond=0)


def _digest_run(data: bytes, url: str | None, kind: str) -> Extracted | None:
    try:
        return extract_page(data, url=url)
    except ExtractError:
        return None


def _digest_meta(result: Extracted | None, data: bytes, url: str | None, kind: str) -> Meta:
    if result is None:
        return Meta()
    # What digest.ingest.preview builds for `digest extract`.
    page_url = url or result.url or result.canonical_url or "file:///page"
    article = build_article(result, source=None, source_name=result.site_name or "",
                            url=page_url, taxonomy=_TAXONOMY, fetched=_FETCHED)
    title = None if article.title == page_url else article.title
    day = article.published.date() if article.published and not article.date_missing else None
    return Meta(title, article.author, day)


def _as_html(data: bytes, kind: str) -> bytes | str:
    if kind == "html":
        return data
    lines = data.decode("utf-8", "replace").splitlines()
    return "<html><body>" + "".join(
        f"<p>{html.escape(li)}</p>" for li in lines if li.strip()) + "</body></html>"


def _traf_run(data: bytes, url: str | None, kind: str) -> str:
    return trafilatura.extract(_as_html(data, kind), url=url) or ""


def _traf_meta(result: str, data: bytes, url: str | None, kind: str) -> Meta:
    doc = trafilatura.extract_metadata(_as_html(data, kind), default_url=url)
    if doc is None:
        return Meta()
    return Meta(doc.title, doc.author, _iso_day(doc.date))


_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br", "pre",
           "blockquote", "table", "ul", "ol", "section", "article", "figure")


def _html_text(markup: str) -> str:
    if not markup.strip():
        return ""
    root = lxml.html.fromstring(markup)
    for el in root.iter(*_BLOCKS):
        el.tail = "\n\n" + (el.tail or "")
    return str(root.text_content())


def _readability_run(data: bytes, url: str | None, kind: str) -> tuple[str, Document]:
    doc = Document(_as_html(data, kind), url=url)
    try:
        return doc.summary(), doc
    except Exception:  # readability gives up on some pages: an empty output
        return "", doc


def _readability_meta(result: tuple[str, Document], data: bytes, url: str | None,
                      kind: str) -> Meta:
    try:
        return Meta(title=result[1].short_title())
    except Exception:
        return Meta()


EXTRACTORS = [
    Extractor("digest", _digest_run, lambda r: r.text if r is not None else "", _digest_meta),
    Extractor("trafilatura", _traf_run, lambda r: r, _traf_meta),
    Extractor("readability-lxml", _readability_run, lambda r: _html_text(r[0]),
              _readability_meta, has=("title",)),
]


# -- the figures ---------------------------------------------------------------------


def _iso_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _words(text: str) -> list[str]:
    return TOKEN.findall(unicodedata.normalize("NFKC", text or "").lower())


def title_match(truth: str, got: str | None) -> bool:
    return bool(got) and _words(truth) == _words(got or "")


def author_match(truth: str, got: str | None) -> bool:
    a, b = set(_words(truth)), set(_words(got or ""))
    return bool(a and b) and 2 * len(a & b) / (len(a) + len(b)) >= 0.5


def _plain(score: ModuleType, text: str) -> str:
    return str(score.plain(text))


def paragraphs_whole(truth_body: str, output: str) -> tuple[int, int]:
    """(kept whole, counted): see the module docstring."""
    haystack = " " + " ".join(_words(output)) + " "
    kept = counted = 0
    for para in re.split(r"\n\s*\n", truth_body):
        words = _words(para)
        if len(words) < MIN_PARAGRAPH_WORDS:
            continue
        counted += 1
        kept += (" " + " ".join(words) + " ") in haystack
    return kept, counted


_SPAM_MARKS = ("主站蜘蛛池", "Partner links", "精品", "毛片", "亚洲", "久久", "casino bonus", "viagra")


@dataclass
class Result:
    extractor: Extractor
    bench: BenchSet
    texts: dict[str, str]
    metas: dict[str, Meta]
    seconds: float
    figures: dict[str, float] = field(default_factory=dict)


def measure(ex: Extractor, bench: BenchSet, passes: int) -> Result:
    ex.run(bench.pages[0].data, bench.pages[0].url, bench.kind)  # warm-up
    best = float("inf")
    raw: dict[str, Any] = {}
    for n in range(passes):
        start = time.process_time()
        outs = {p.key: ex.run(p.data, p.url, bench.kind) for p in bench.pages}
        best = min(best, time.process_time() - start)
        if n == 0:
            raw = outs
    texts = {k: ex.text(v) for k, v in raw.items()}
    metas = {}
    if ex.meta is not None and any("title" in t for t in bench.truth.values()):
        metas = {p.key: ex.meta(raw[p.key], p.data, p.url, bench.kind) for p in bench.pages}
    res = Result(ex, bench, texts, metas, best)
    res.figures = figures(res)
    return res


def figures(res: Result) -> dict[str, float]:
    bench, score = res.bench, res.bench.score
    preds = {k: {"articleBody": t} for k, t in res.texts.items()}
    m = score.score(bench.truth, preds)
    out = {"f1": m["f1"], "p": m["precision"], "r": m["recall"]}
    if "with" in m:
        out["with"], out["without"] = m["with"], m["without"]
    for h in (0, 1):
        keys = [k for k in bench.truth if _half(k) == h]
        out[f"half{h}"] = score.score({k: bench.truth[k] for k in keys},
                                      {k: preds[k] for k in keys})["f1"]
    kept = counted = 0
    for k, t in bench.truth.items():
        a, b = paragraphs_whole(t["articleBody"], _plain(score, res.texts[k]))
        kept, counted = kept + a, counted + b
    out["whole"] = kept / max(1, counted)
    if res.metas:
        checks = {"title": title_match, "author": author_match}
        for fld in ("title", "author", "date"):
            if fld not in res.extractor.has:
                continue
            hits = total = 0
            for k, t in bench.truth.items():
                want = t.get("publish_date" if fld == "date" else fld)
                if not want:
                    continue
                total += 1
                meta = res.metas[k]
                if fld == "date":
                    hits += meta.published is not None and meta.published == _iso_day(want)
                else:
                    hits += checks[fld](want, getattr(meta, fld))
            out[fld] = hits / max(1, total)
    if bench.kind == "text":
        out["spam"] = sum(any(s in t for s in _SPAM_MARKS) for t in res.texts.values())
    out["pps"] = len(bench.pages) / res.seconds if res.seconds else float("inf")
    return out


def per_page_f1(bench: BenchSet, texts: dict[str, str]) -> dict[str, float]:
    return {k: bench.score.score({k: t}, {k: {"articleBody": texts[k]}})["f1"]
            for k, t in bench.truth.items()}


# -- the report -----------------------------------------------------------------------


def _cell(figs: dict[str, float], key: str, fmt: str = "{:.3f}") -> str:
    return fmt.format(figs[key]) if key in figs else "-"


def print_table(bench: BenchSet, results: list[Result]) -> None:
    print(f"\n{bench.label} ({len(bench.pages)} pages)")
    head = (f"{'extractor':<18} {'F1':>5} {'P':>5} {'R':>5}  {'halves':<11}  {'with':>5}"
            f" {'w/out':>5} {'whole':>5}  {'title':>5} {'auth':>5} {'date':>5}  {'pages/s':>7}")
    print(head)
    for res in results:
        f = res.figures
        halves = f"{f['half0']:.3f}/{f['half1']:.3f}"
        spam = f"  spam kept in {int(f['spam'])}" if "spam" in f else ""
        print(f"{res.extractor.name:<18} {f['f1']:.3f} {f['p']:.3f} {f['r']:.3f}  {halves:<11}"
              f"  {_cell(f, 'with'):>5} {_cell(f, 'without'):>5} {f['whole']:.3f}"
              f"  {_cell(f, 'title'):>5} {_cell(f, 'author'):>5} {_cell(f, 'date'):>5}"
              f"  {f['pps']:7.1f}{spam}")
    ours = next(r for r in results if r.extractor.name == "digest")
    traf = next((r for r in results if r.extractor.name == "trafilatura"), None)
    if traf is not None:
        print(f"digest speed: {ours.figures['pps'] / traf.figures['pps']:.2f}x trafilatura's")


def print_worse(bench: BenchSet, results: list[Result]) -> None:
    ours = next(r for r in results if r.extractor.name == "digest")
    traf = next(r for r in results if r.extractor.name == "trafilatura")
    a, b = per_page_f1(bench, ours.texts), per_page_f1(bench, traf.texts)
    worse = sorted((a[k] - b[k], k) for k in a if a[k] < b[k] - WORSE_MARGIN)
    better = sum(a[k] > b[k] + WORSE_MARGIN for k in a)
    print(f"{bench.label}: digest worse than trafilatura by > {WORSE_MARGIN} on "
          f"{len(worse)} pages, better on {better}")
    for gap, k in worse:
        print(f"  {k:<12.12} digest {a[k]:.3f}  trafilatura {b[k]:.3f}  ({gap:+.3f})"
              f"  {bench.truth[k].get('url') or ''}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sets", default="extraction,extraction-text,wcxb,wcxb-text",
                        help="comma-separated: extraction, extraction-text, wcxb, wcxb-text")
    parser.add_argument("--extractors", default="digest,trafilatura,readability-lxml")
    parser.add_argument("--passes", type=int, default=3, help="timed passes (best is kept)")
    parser.add_argument("--worse", action="store_true",
                        help="list the pages where digest is worse than trafilatura")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)
    warnings.simplefilter("ignore")
    chosen = [e for e in EXTRACTORS if e.name in args.extractors.split(",")]
    for bench in load_sets(args.sets.split(",")):
        results = [measure(ex, bench, args.passes) for ex in chosen]
        print_table(bench, results)
        if args.worse and {"digest", "trafilatura"} <= {r.extractor.name for r in results}:
            print_worse(bench, results)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
