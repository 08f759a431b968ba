"""Benchmark: `digest build` against a plain `mkdocs build` of the same articles.

Generates N articles of real text (sentences of the extraction set's
ground-truth bodies and the tagging set's development briefs, recombined:
~800 words, 3 % Chinese, 1–3 tags, 50 sources, dates over a year, a picture
for a third), then builds the very same article files (hard links) twice, each build
in its own subprocess:

* digest: `digest build` (listing pages + MkDocs with digest's mkdocs.yml and
  theme override + Pagefind index), as a user runs it;
* plain:  `mkdocs build` of the same articles with the same theme (Material,
  system fonts) and a minimal config: a one-entry explicit nav, articles
  `not_in_nav`, Material's own search plugin (the search a plain site ships).

Reports wall time and CPU time (user+sys of the build and its children: less
sensitive than wall time when the machine is shared), peak memory (the largest
max RSS of one process of the build, from getrusage(RUSAGE_CHILDREN) in a fresh
measuring process), size of site/, the bytes a browser downloads to run one
search (measured in headless Chromium when it is available), and where the
digest build spends its wall time (from its own log line: listing pages,
MkDocs, and the search index left after MkDocs).

    python benchmarks/site.py                 # 1,000 and 10,000 articles
    python benchmarks/site.py --sizes 200     # a quick run
    python benchmarks/site.py --repeat 3      # each pair built 3 times, interleaved:
                                              # the median ratio, and the spread
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from digest.archive.frontmatter import dump_article
from digest.archive.store import slugify
from digest.model import Article
from digest.tags.rules import default_taxonomy

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATA = REPO / "benchmarks" / "data"
PLAIN_MKDOCS = """\
site_name: Plain
docs_dir: content
nav:
  - Home: index.md
not_in_nav: |
  /articles/
theme:
  name: material
  font: false
plugins:
  - search
"""
DIGEST_YML = """\
site:
  title: "Benchmark Digest"
  url: "https://example.org/bench/"
content_dir: content
"""


_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def text_pool() -> tuple[list[str], list[str]]:
    """Sentences of real articles (English, Chinese) from the benchmark sets in
    benchmarks/data: the extraction set's ground-truth bodies and the tagging
    set's development briefs (never a held-out file)."""
    texts = [
        str(v["articleBody"])
        for v in json.loads((DATA / "extraction" / "ground-truth.json").read_text("utf-8")).values()
    ]
    with (DATA / "tagging" / "briefs-dev.jsonl").open(encoding="utf-8") as handle:
        texts += [str(json.loads(line)["text"]) for line in handle if line.strip()]
    english: list[str] = []
    chinese: list[str] = []
    for text in texts:
        for paragraph in text.split("\n"):
            for sentence in _SENTENCE.split(paragraph.strip()):
                sentence = " ".join(sentence.split())
                if len(sentence) < 20:
                    continue
                (chinese if _CJK.search(sentence) else english).append(sentence)
    return english, chinese


def _body(rng: random.Random, pool: list[str], words: int, joiner: str = " ") -> str:
    """Paragraphs of 3 to 6 sentences drawn from real articles, about ``words`` long."""
    paras: list[str] = []
    size = 0
    while size < words:
        para = joiner.join(rng.choice(pool) for _ in range(rng.randint(3, 6)))
        paras.append(para)
        size += len(para.split()) if joiner == " " else len(para) // 2
    return "\n\n".join(paras)


def make_articles(content: Path, count: int, seed: int = 1) -> None:
    """``count`` articles of real text recombined: about 800 words each (3 % in
    Chinese), 1-3 tags, 50 sources, a year of dates, a picture for a third."""
    rng = random.Random(seed)
    english, chinese = text_pool()
    tags = [t.name for t in default_taxonomy().tags]
    sources = [f"Source {i:02d} News" for i in range(50)]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(count):
        when = start + timedelta(seconds=rng.randrange(365 * 86400))
        zh = rng.random() < 0.03
        pool, joiner = (chinese, "") if zh else (english, " ")
        body = _body(rng, pool, 800, joiner)
        first = rng.choice(pool)
        title = (first[:28] if zh else " ".join(first.split()[: rng.randint(6, 11)])).rstrip(",.;:")
        title = f"{title} {i}"
        url = f"https://news.example.org/{i}"
        article = Article(
            title=title,
            url=url,
            canonical_url=url,
            source=rng.choice(sources),
            fetched=when,
            published=when,
            body=body,
            # Half the summaries are the body's opening, as extraction often gives.
            summary=body.split("\n\n")[0] if rng.random() < 0.5 else rng.choice(pool),
            language="zh" if zh else "en",
            tags=tuple(rng.sample(tags, rng.randint(1, 3))),
            author="A. Writer",
            image=f"https://img.example.org/{i}.jpg" if rng.random() < 0.33 else None,
        )
        folder = content / "articles" / f"{when:%Y/%m/%d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slugify(title, url)}.md").write_text(dump_article(article), encoding="utf-8")


def measure(cmd: list[str], cwd: Path) -> dict[str, float]:
    """Run cmd in a fresh measuring process; wall seconds and peak RSS (MB) of the tree."""
    probe = (
        "import json,resource,subprocess,sys,time;t=time.perf_counter();"
        "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);"
        "w=time.perf_counter()-t;u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps({'rc':r.returncode,'wall':w,'cpu':u.ru_utime+u.ru_stime,"
        "'rss':u.ru_maxrss/1024,'err':r.stderr.decode(errors='replace')[-4000:]}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *cmd], cwd=cwd, capture_output=True, text=True, check=True
    )
    data = json.loads(out.stdout)
    if data["rc"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{data['err']}")
    return {"wall": data["wall"], "cpu": data["cpu"], "rss": data["rss"], "log": data["err"]}


_SPLIT = re.compile(r"in ([\d.]+) s: pages ([\d.]+) s, MkDocs ([\d.]+) s, search index ([\d.]+) s")


def split(log: str) -> tuple[float, float, float] | None:
    """(listing pages, MkDocs, search index after MkDocs) seconds from digest's log line."""
    m = _SPLIT.search(log)
    return None if m is None else (float(m[2]), float(m[3]), float(m[4]))


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def search_bytes_browser(site: Path, page: str, box: str, query: str) -> int | None:
    """Bytes fetched for search: open a page, type a query, sum search-related responses."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path("/usr/bin/chromium").exists():
        return None

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    total = 0
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu"],
            )
            pg = browser.new_page()
            sizes: list[int] = []

            def seen(response: object) -> None:
                url = response.url  # type: ignore[attr-defined]
                if "pagefind" in url or "search" in url:
                    with contextlib.suppress(Exception):  # a redirect has no body
                        sizes.append(len(response.body()))  # type: ignore[attr-defined]

            pg.on("response", seen)
            pg.goto(f"http://127.0.0.1:{server.server_port}/{page}")
            if box == "material":
                pg.keyboard.press("/")
                pg.keyboard.type(query)
                pg.wait_for_selector(".md-search-result__item", timeout=120_000)
            else:
                pg.fill(box, query)
                pg.wait_for_selector(".pagefind-ui__result-link", timeout=60_000)
            pg.wait_for_timeout(1500)
            total = sum(sizes)
            browser.close()
    finally:
        server.shutdown()
    return total


def run(size: int, work: Path, repeat: int = 1) -> dict[str, Any]:
    root = work / f"n{size}"
    shutil.rmtree(root, ignore_errors=True)
    digest_root, plain_root = root / "digest", root / "plain"
    make_articles(digest_root / "content", size)
    (digest_root / "digest.yml").write_text(DIGEST_YML, encoding="utf-8")
    shutil.copy(REPO / "digest" / "data" / "scaffold" / "mkdocs.yml", digest_root / "mkdocs.yml")
    (digest_root / "content" / "about.md").write_text("# About\n", encoding="utf-8")
    # The plain build reads the very same files (hard links, no copy).
    shutil.copytree(
        digest_root / "content" / "articles",
        plain_root / "content" / "articles",
        copy_function=os.link,
    )
    (plain_root / "content" / "index.md").write_text("# Plain\n", encoding="utf-8")
    (plain_root / "mkdocs.yml").write_text(PLAIN_MKDOCS, encoding="utf-8")

    load = os.getloadavg()[0]
    digest_cmd = [str(BIN / "digest"), "build"]
    plain_cmd = [str(BIN / "mkdocs"), "build", "-q"]
    runs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for i in range(repeat):
        # Interleaved, the order swapped every round: a change in the machine's
        # load (or a warm page cache) then falls on both builds alike.
        if i % 2 == 0:
            d = measure(digest_cmd, digest_root)
            p = measure(plain_cmd, plain_root)
        else:
            p = measure(plain_cmd, plain_root)
            d = measure(digest_cmd, digest_root)
        runs.append((d, p))
    ratios = sorted(d["wall"] / p["wall"] for d, p in runs)
    cpu_ratios = sorted(d["cpu"] / p["cpu"] for d, p in runs)
    # The round whose wall ratio is the median (the lower middle one for an even
    # count) stands for the size: every figure of the row comes from that round.
    d, p = sorted(runs, key=lambda r: r[0]["wall"] / r[1]["wall"])[(len(runs) - 1) // 2]
    parts = split(d["log"])
    d_site, p_site = digest_root / "site", plain_root / "site"
    material_index = (p_site / "search" / "search_index.json").stat().st_size
    # A word in about 4 % of the articles, and one in nearly all of them.
    d_search = search_bytes_browser(d_site, "search/", ".pagefind-ui__search-input", "regulators")
    d_common = search_bytes_browser(d_site, "search/", ".pagefind-ui__search-input", "said")
    p_search = search_bytes_browser(p_site, "", "material", "regulators")
    return {
        "articles": size,
        "load": round(load, 1),
        "digest_s": round(d["wall"], 1),
        "plain_s": round(p["wall"], 1),
        "ratio": round(d["wall"] / p["wall"], 2),
        "ratios": [round(r, 2) for r in ratios],
        "digest_cpu_s": round(d["cpu"], 1),
        "plain_cpu_s": round(p["cpu"], 1),
        "cpu_ratio": round(d["cpu"] / p["cpu"], 2),
        "cpu_ratios": [round(r, 2) for r in cpu_ratios],
        "digest_peak_mb_max": round(max(d["rss"] for d, _ in runs)),
        "pages_s": None if parts is None else parts[0],
        "mkdocs_s": None if parts is None else parts[1],
        "search_s": None if parts is None else parts[2],
        "digest_peak_mb": round(d["rss"]),
        "plain_peak_mb": round(p["rss"]),
        "digest_site_mb": round(du(d_site) / 1e6, 1),
        "plain_site_mb": round(du(p_site) / 1e6, 1),
        "digest_search_kb": None if d_search is None else round(d_search / 1e3),
        "digest_search_common_kb": None if d_common is None else round(d_common / 1e3),
        "plain_search_kb": round((p_search or material_index) / 1e3),
        "material_index_kb": round(material_index / 1e3),
    }


def _pct(part: float | None, whole: float) -> str:
    return "?" if part is None else f"{part:.1f} s ({100 * part / whole:.0f}%)"


def table(rows: list[dict[str, Any]]) -> str:
    """Both builds side by side per size, then where digest's time goes."""
    lines = [
        "| articles | build | wall s | CPU s | peak MB | site MB | search KB |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        n = f"{r['articles']:,}"
        d_search = "?" if r["digest_search_kb"] is None else f"{r['digest_search_kb']:,}"
        if r.get("digest_search_common_kb") is not None:
            d_search += f" ({r['digest_search_common_kb']:,} for 'said')"
        lines.append(
            f"| {n} | digest build | {r['digest_s']} | {r['digest_cpu_s']} | "
            f"{r['digest_peak_mb']} | {r['digest_site_mb']} | {d_search} |"
        )
        lines.append(
            f"| {n} | plain mkdocs build | {r['plain_s']} | {r['plain_cpu_s']} | "
            f"{r['plain_peak_mb']} | {r['plain_site_mb']} | {r['plain_search_kb']:,} |"
        )
        spread = ""
        if len(r["ratios"]) > 1:
            n_runs = len(r["ratios"])
            which = "median" if n_runs % 2 else "lower median"
            spread = f" ({which} of {n_runs}: {', '.join(map(str, r['ratios']))})"
        lines.append(
            f"| {n} | **ratio** | **{r['ratio']}×**{spread} | {r['cpu_ratio']}× | "
            f"max {r['digest_peak_mb_max']} | | |"
        )
    lines += [
        "",
        "| articles | digest wall s | listing pages | MkDocs | search index after MkDocs"
        " | s per 1,000 articles | load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['articles']:,} | {r['digest_s']} | {_pct(r['pages_s'], r['digest_s'])} | "
            f"{_pct(r['mkdocs_s'], r['digest_s'])} | {_pct(r['search_s'], r['digest_s'])} | "
            f"{1000 * r['digest_s'] / r['articles']:.1f} | {r['load']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workdir", type=Path, default=None, help="keep the sites here")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="build each site this many times, interleaved; report the median ratio",
    )
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="digest-bench-"))
    rows = []
    for size in args.sizes:
        started = time.perf_counter()
        row = run(size, work, max(1, args.repeat))
        rows.append(row)
        print(json.dumps(row), f"# {time.perf_counter() - started:.0f}s", flush=True)
    print()
    print(table(rows))
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
