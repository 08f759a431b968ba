"""Scale: a feed of 100,000 entries and an archive of 50,000 articles, peak memory.

Each step runs `digest` in a child process and reads its peak RSS
(getrusage RUSAGE_CHILDREN, per step in a fresh process), so the figures are
what a user's run would need.

    python benchmarks/scale.py [--entries 100000] [--articles 50000]
    python benchmarks/scale.py --entries 20000 40000 100000 --articles 0

With several feed sizes, each is fetched into a fresh archive and a last line
gives how much the peak grew per entry between the smallest and the largest
(it should stay near 0: entries are streamed and dedup state lives in the
state database). ``--articles 0`` skips the archive steps.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digest.archive.frontmatter import dump_article
from digest.model import Article

WORDS = ["platform", "regulators", "app", "ban", "tariff", "export", "chips", "data", "privacy", "users", "creators", "market", "court", "ruling", "policy", "government", "company", "trade", "talks", "security", "network", "video", "social", "media", "deal", "sale", "investors", "growth", "rules", "law"]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def write_feed(path: Path, entries: int) -> None:
    rng = random.Random(1)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
                  'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
                  "<title>Big</title><link>https://big.example.org/</link>\n")
        for n in range(entries):
            when = start + timedelta(minutes=7 * n)
            paras = "".join(f"<p>{sentence(rng, 30)} {n}-{i}</p>" for i in range(4))
            out.write(f"<item><title>Entry {n}: {sentence(rng, 6)}</title>"
                      f"<link>https://big.example.org/{n}.html</link>"
                      f"<pubDate>{when:%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
                      f"<content:encoded><![CDATA[{paras}]]></content:encoded></item>\n")
        out.write("</channel></rss>\n")


def write_archive(content: Path, articles: int) -> None:
    rng = random.Random(2)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    tags = ["platform-policy", "us-china", "social-media", "ai", "privacy-security",
            "trade-economy"]
    for n in range(articles):
        when = start + timedelta(minutes=10 * n)
        body = "\n\n".join(sentence(rng, 80) for _ in range(8))
        article = Article(
            title=f"Story {n}: {sentence(rng, 6)}", url=f"https://s{n % 50}.example.org/{n}",
            canonical_url=f"https://s{n % 50}.example.org/{n}", source=f"Source {n % 50}",
            fetched=when, published=when, body=body, tags=tuple(rng.sample(tags, 2)),
            summary=sentence(rng, 30))
        folder = content / "articles" / f"{when:%Y/%m/%d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"story-{n}.md").write_text(dump_article(article), encoding="utf-8")


def run(args: list[str], cwd: Path, *, python: list[str] | None = None,
        ) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds of one digest command in a fresh child.

    The peak is that of the largest single process (the main one or a worker);
    CPU counts every process of the run (steadier than wall time on a shared
    machine).
    """
    command = python or ["-m", "digest", "-q", *args]
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
            "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "print(time.perf_counter() - t, r.ru_maxrss / 1024, r.ru_utime + r.ru_stime, "
            "p.returncode)")
    out = subprocess.run([sys.executable, "-c", code, sys.executable, *command],
                         cwd=cwd, capture_output=True, text=True, check=True)
    seconds, peak, cpu, rc = out.stdout.split()
    if rc not in ("0", "1"):
        raise SystemExit(f"digest {' '.join(args)} failed with {rc}")
    return float(seconds), float(peak), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[100_000],
                        help="feed size(s); several sizes show how the peak grows")
    parser.add_argument("--articles", type=int, default=50_000, help="0 skips the archive steps")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        feeds: list[dict[str, float | int]] = []
        for entries in sorted(opts.entries):
            feed_dir = root / f"feed-{entries}"
            feed_dir.mkdir()
            write_feed(feed_dir / "big.xml", entries)
            (feed_dir / "digest.yml").write_text(
                'site: {title: Scale}\nsources:\n  - {name: Big, feed: "big.xml"}\n',
                encoding="utf-8")
            size = (feed_dir / "big.xml").stat().st_size / 1e6
            secs, peak, cpu = run(["fetch"], feed_dir)
            stored = sum(1 for _ in (feed_dir / "content").rglob("*.md"))
            feeds.append({"entries": entries, "feed_mb": round(size, 1), "stored": stored,
                          "fetch_s": round(secs, 1), "fetch_cpu_s": round(cpu, 1),
                          "fetch_peak_mb": round(peak)})
            print(json.dumps(feeds[-1]), flush=True)
            shutil.rmtree(feed_dir)
        if len(feeds) > 1:
            first, last = feeds[0], feeds[-1]
            growth = (float(last["fetch_peak_mb"]) - float(first["fetch_peak_mb"])) * 1024 \
                / (int(last["entries"]) - int(first["entries"]))
            print(json.dumps({"fetch_peak_growth_kb_per_entry": round(growth, 3)}), flush=True)
        if opts.articles <= 0:
            return

        arch = root / "archive"
        arch.mkdir()
        (arch / "digest.yml").write_text("site: {title: Scale}\nsources: []\n", encoding="utf-8")
        t = time.perf_counter()
        write_archive(arch / "content", opts.articles)
        made = time.perf_counter() - t
        row: dict[str, float | int] = {"articles": opts.articles, "write_s": round(made, 1)}
        generate = ["-c", "from digest.config import load_config; "
                    "from digest.site import generate; from digest.archive.store import Archive; "
                    "c = load_config(); generate(c, Archive(c.content_dir, c.state_path))"]
        steps: list[tuple[str, list[str], list[str] | None]] = [
            ("reindex", ["reindex"], None),
            ("export", ["export", "-o", "x.md"], None),
            ("retag", ["tags", "retag", "--dry-run"], None),
            ("generate", [], generate),
        ]
        for name, args, python in steps:
            secs, peak, _ = run(args, arch, python=python)
            row[f"{name}_s"] = round(secs, 1)
            row[f"{name}_peak_mb"] = round(peak)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
