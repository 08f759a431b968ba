"""What `digest fetch` spends per stored article against `digest extract` per page.

The same WCXB development pages (benchmarks/data/wcxb) go through both:

- `digest extract -j N` over the pages as local files: decoding, extraction,
  metadata, tagging, in the worker pool;
- `digest fetch` of a feed served on 127.0.0.1 that links to each page: the
  same work plus the feed, HTTP, canonical URLs, dedup, fingerprints, the
  state database and the article files.

CPU time (user + system) of each command with every process it started: this
process becomes a child subreaper (Linux ``PR_SET_CHILD_SUBREAPER``), so the
worker processes and the fork server are reaped here and counted even when
their parent has gone. Best of ``--passes`` passes. Issue 13's target: fetch
at most 1.3x extract, per page.

Usage: python benchmarks/overhead.py [--pages 200] [--passes 3] [--jobs 0]
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import gzip
import http.server
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

DATA = Path(__file__).resolve().parent / "data" / "wcxb"
PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("this benchmark needs Linux (PR_SET_CHILD_SUBREAPER)")


def _reap_orphans() -> None:
    """Wait for the descendants reparented here (the fork server, late workers)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def _cpu(args: list[str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    _reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(args)}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _pages(root: Path, count: int) -> list[tuple[str, str]]:
    truth = json.loads(gzip.decompress((DATA / "ground-truth.json.gz").read_bytes()))
    out = []
    (root / "pages").mkdir()
    for key in sorted(truth)[:count]:
        name = f"{key}.html"
        (root / "pages" / name).write_bytes(gzip.decompress((DATA / "html" / f"{name}.gz")
                                                            .read_bytes()))
        out.append((name, str(truth[key].get("title") or key)))
    return out


def _feed(base: str, pages: list[tuple[str, str]]) -> str:
    start = datetime(2025, 6, 1, tzinfo=UTC)
    items = "".join(
        f"<item><title>{escape(title)}</title><link>{base}pages/{name}</link>"
        f"<pubDate>{format_datetime(start + timedelta(hours=i))}</pubDate></item>"
        for i, (name, title) in enumerate(pages))
    return f"<rss version='2.0'><channel><title>WCXB</title>{items}</channel></rss>"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0 = every core)")
    args = parser.parse_args()
    _become_subreaper()
    digest = str(Path(sys.executable).with_name("digest"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pages = _pages(root, args.pages)
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/"
        (root / "feed.xml").write_text(_feed(base, pages), encoding="utf-8")
        files = [str(root / "pages" / name) for name, _ in pages]
        extract, fetch, stored = [], [], 0
        for n in range(args.passes):
            extract.append(_cpu([digest, "extract", "--format", "json", "-j", str(args.jobs),
                                 *files], root))
            folder = root / f"digest-{n}"
            folder.mkdir()
            (folder / "digest.yml").write_text(
                "site: {title: Overhead}\n"
                f"fetch: {{concurrency: 8, per_host: 8}}\n"
                f"sources:\n  - {{name: WCXB, feed: '{base}feed.xml'}}\n", encoding="utf-8")
            fetch.append(_cpu([digest, "fetch"], folder))
            stored = len(list((folder / "content").rglob("*.md")))
        server.shutdown()
    per_extract = min(extract) / len(pages)
    per_fetch = min(fetch) / max(stored, 1)
    print(f"pages: {len(pages)}, stored by fetch: {stored}, best of {args.passes}")
    print(f"digest extract: {min(extract):6.2f} s CPU, {per_extract * 1000:6.1f} ms per page")
    print(f"digest fetch:   {min(fetch):6.2f} s CPU, {per_fetch * 1000:6.1f} ms per stored article")
    print(f"fetch / extract per page: {per_fetch / per_extract:.2f}x (target at most 1.3x)")


if __name__ == "__main__":
    main()
