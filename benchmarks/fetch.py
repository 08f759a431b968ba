"""Benchmark of `digest fetch` against a local web of feeds (issue 4).

A server process listens on 30 loopback addresses (127.0.0.2 to 127.0.0.31,
so that per-host limits act as they would on the web) and serves 300 feeds of
20 entries each (10 feeds per address): half of the feeds carry each entry's
full content, half link to entry pages on the same address. Every response
waits 50 ms first. Three measured runs, each in a fresh process:

1. a first fetch into an empty archive (default concurrency),
2. a second fetch with nothing new (conditional requests: 304s),
3. the first fetch again, into another empty archive, with concurrency 1.

Targets: run 1 at least 15x faster than run 3; run 2 under 3 s; peak memory
under 400 MB.

Usage:
    python benchmarks/fetch.py                       # the full size above
    python benchmarks/fetch.py --feeds 30 --entries 10 --hosts 3   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = [
    "regulator", "platform", "market", "court", "ministry", "export", "chip", "data",
    "privacy", "algorithm", "company", "user", "consumer", "report", "minister", "trade",
    "tariff", "network", "policy", "law", "review", "council", "statement", "growth",
    "investment", "security", "agency", "rule", "draft", "shipping", "province", "city",
    "factory", "worker", "wage", "price", "bank", "loan", "credit", "currency", "bond",
    "yield", "inflation", "energy", "coal", "solar", "battery", "vehicle", "railway", "port",
    "harbour", "customs", "license", "permit", "inspection", "audit", "fine", "penalty",
    "appeal", "judge", "lawyer", "contract", "patent", "brand", "retailer", "supplier",
    "logistics", "warehouse", "farmer", "grain", "harvest", "rainfall", "drought", "flood",
    "typhoon", "school", "student", "teacher", "hospital", "doctor", "patient", "vaccine",
    "research", "laboratory", "university", "scientist", "satellite", "rocket", "telescope",
    "software", "cloud", "server", "browser", "search", "video", "music", "film", "studio",
    "festival", "museum", "library", "archive", "journalist", "editor", "newspaper",
    "broadcast",
]


# --- the synthetic web ----------------------------------------------------------


def _prose(seed: str, paragraphs: int) -> str:
    rng = random.Random(seed)
    return "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 70))).capitalize()
        + ".</p>\n" for _ in range(paragraphs))


def _page(feed: int, entry: int) -> bytes:
    title = f"Story {entry} of feed {feed}"
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        "<meta property='article:published_time' "
        f"content='2025-01-{entry % 28 + 1:02d}T08:00:00+08:00'>"
        "<script>var tracking = 1;</script><style>body{font:16px serif}</style></head><body>"
        "<header><nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/business'>"
        "Business</a></nav></header><main><article>"
        f"<h1>{title}</h1><p class='byline'>By Staff Reporter</p>{_prose(f'{feed}/{entry}', 8)}"
        "</article><aside><h2>Related</h2><ul><li><a href='/x'>Other story</a></li></ul></aside>"
        "</main><footer>Copyright 2025 Example News. <a href='/privacy'>Privacy</a></footer>"
        "</body></html>").encode()


def _feed(feed: int, host: str, entries: int) -> bytes:
    full = feed % 2 == 0
    items = []
    for entry in range(entries):
        link = f"http://{host}/page/{feed}/{entry}.html"
        content = (f"<content:encoded><![CDATA[{_prose(f'{feed}/{entry}', 8)}]]>"
                   "</content:encoded>") if full else ""
        items.append(
            f"<item><title>Story {entry} of feed {feed}</title><link>{link}</link>"
            f"<guid>{link}</guid><pubDate>Tue, {entry % 28 + 1:02d} Jan 2025 08:00:00 +0800"
            f"</pubDate><description>Summary of story {entry}.</description>{content}</item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>Feed {feed}</title><link>http://{host}/</link>{''.join(items)}"
            "</channel></rss>").encode()


def _host(feed: int, per_host: int) -> str:
    return f"127.0.0.{2 + feed // per_host}"


async def _serve(args: argparse.Namespace) -> None:
    cache: dict[str, bytes] = {}

    def route(host: str, path: str) -> tuple[int, bytes, str]:
        if path == "/robots.txt":
            return 200, b"User-agent: *\nDisallow: /private/\n", "text/plain"
        parts = path.strip("/").split("/")
        if parts[0] == "feed" and len(parts) == 2:
            feed = int(parts[1].removesuffix(".xml"))
            if path not in cache:
                cache[path] = _feed(feed, f"{host}:{args.port}", args.entries)
            return 200, cache[path], "application/rss+xml"
        if parts[0] == "page" and len(parts) == 3:
            return 200, _page(int(parts[1]), int(parts[2].removesuffix(".html"))), "text/html"
        return 404, b"not found", "text/plain"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                path = line.decode("latin-1").split(" ")[1]
                headers: dict[str, str] = {}
                while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    key, _, value = h.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                await asyncio.sleep(args.latency)
                status, body, ctype = route(host, path)
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                if status == 200 and headers.get("if-none-match") == etag:
                    status, body = 304, b""
                reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {len(body)}\r\nETag: {etag}\r\n\r\n".encode() + body)
                await writer.drain()
        except (ConnectionError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, f"127.0.0.{2 + i}", args.port, backlog=512)
               for i in range(args.hosts)]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


# --- one measured run, in its own process -------------------------------------------


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants (workers).

    Follows /proc/PID/task/TID/children rather than reading every process on
    the machine: the sampler runs inside the measured process, and its own
    CPU should stay small.
    """
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            total += int(stat.rsplit(")", 1)[1].split()[21])
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue
    return total * resource.getpagesize() / (1 << 20)


def _run(args: argparse.Namespace) -> None:
    import threading

    from digest.archive.store import Archive
    from digest.config import parse_config
    from digest.ingest.pipeline import run_fetch

    root = Path(args.root)
    per_host = args.feeds // args.hosts
    sources = "\n".join(
        f'  - {{name: "Feed {i}", feed: "http://{_host(i, per_host)}:{args.port}/feed/{i}.xml"}}'
        for i in range(args.feeds))
    text = (f"fetch: {{concurrency: {args.concurrency}, per_host: {min(2, args.concurrency)}}}\n"
            f"sources:\n{sources}\n")
    (root / "digest.yml").write_text(text)
    config = parse_config(text, root / "digest.yml")
    archive = Archive(config.content_dir, config.state_path)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:  # the workers are this process's children: poll /proc
        while not done.wait(0.25):
            peak[0] = max(peak[0], _tree_rss_mb(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    summary = run_fetch(config, archive)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    archive.close()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # CPU of this process and of its workers (joined by now): what bounds the
    # first run on a machine with few cores.
    main, workers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    print(json.dumps({"seconds": seconds, "cpu": main.ru_utime + main.ru_stime
                      + workers.ru_utime + workers.ru_stime,
                      "cpu_main": main.ru_utime + main.ru_stime, "new": summary.new,
                      "ok": summary.ok,
                      "failed": [line for line in summary.render() if "failed" in line][:3],
                      "unchanged": sum(s.unchanged for s in summary.sources),
                      "rss_main_mb": own, "rss_all_mb": peak[0]}))


def _net(args: argparse.Namespace) -> None:
    """The same requests with none of the CPU work: every feed, every linked page.

    What the fetch layer alone gains from concurrency on this machine; the
    difference from the full runs is the parsing, extraction and storing.
    """
    from digest.config import FetchConfig
    from digest.fetch.http import Fetcher

    per_host = args.feeds // args.hosts
    urls = []
    for feed in range(args.feeds):
        host = f"{_host(feed, per_host)}:{args.port}"
        urls.append(f"http://{host}/feed/{feed}.xml")
        if feed % 2:  # the feeds without full content link to their entry pages
            urls += [f"http://{host}/page/{feed}/{e}.html" for e in range(args.entries)]

    async def fetch_all() -> int:
        config = FetchConfig(concurrency=args.concurrency, per_host=min(2, args.concurrency))
        async with Fetcher(config) as fetcher:
            responses = await asyncio.gather(*(fetcher.get(u) for u in urls))
        return sum(len(r.content) for r in responses)

    started = time.perf_counter()
    size = asyncio.run(fetch_all())
    print(json.dumps({"seconds": time.perf_counter() - started, "requests": len(urls),
                      "bytes": size}))


def _measure(args: argparse.Namespace, root: Path, concurrency: int) -> dict[str, object]:
    command = [sys.executable, __file__, "_run", "--root", str(root), "--port", str(args.port),
               "--feeds", str(args.feeds), "--hosts", str(args.hosts),
               "--concurrency", str(concurrency)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def _measure_net(args: argparse.Namespace, concurrency: int) -> dict[str, float]:
    command = [sys.executable, __file__, "_net", "--port", str(args.port),
               "--feeds", str(args.feeds), "--hosts", str(args.hosts),
               "--entries", str(args.entries), "--concurrency", str(concurrency)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="bench",
                        choices=["bench", "_serve", "_run", "_net"])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--root", default="")
    parser.add_argument("--skip-serial", action="store_true", help="skip the concurrency-1 run")
    args = parser.parse_args()
    if args.mode == "_serve":
        asyncio.run(_serve(args))
        return
    if args.mode == "_run":
        _run(args)
        return
    if args.mode == "_net":
        _net(args)
        return
    if args.feeds % args.hosts:
        parser.error("--feeds must be a multiple of --hosts")
    server = subprocess.Popen(
        [sys.executable, __file__, "_serve", "--port", str(args.port), "--hosts", str(args.hosts),
         "--entries", str(args.entries), "--latency", str(args.latency)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        with tempfile.TemporaryDirectory() as tmp:
            fast, serial = Path(tmp, "fast"), Path(tmp, "serial")
            fast.mkdir()
            serial.mkdir()
            first = _measure(args, fast, args.concurrency)
            second = _measure(args, fast, args.concurrency)
            third = _measure(args, serial, 1) if not args.skip_serial else None
            net = [_measure_net(args, c) for c in (args.concurrency, 1)] \
                if not args.skip_serial else None
    finally:
        server.terminate()
        server.wait()
    print(f"web: {args.feeds} feeds x {args.entries} entries on {args.hosts} addresses, "
          f"{args.latency * 1000:.0f} ms latency, {os.cpu_count()} CPUs")
    for label, r in (("first run", first), ("second run", second),
                     ("concurrency 1", third)):
        if r is None:
            continue
        print(f"{label:>14}: {r['seconds']:7.2f} s  CPU {r['cpu']:6.1f} s "
              f"(main {r['cpu_main']:5.1f} s)  new={r['new']}  "
              f"ok={r['ok']}  "
              f"304s={r['unchanged']}  peak RSS: main {r['rss_main_mb']:.0f} MB, "
              f"all processes {r['rss_all_mb']:.0f} MB  {r['failed'] or ''}")
    if third is not None:
        ratio = float(third["seconds"]) / float(first["seconds"])  # type: ignore[arg-type]
        print(f"{'speed-up':>14}: {ratio:.1f}x (target >= 15x)")
        # The first run cannot beat its own CPU time spread over every core
        # (the server's share not counted): the best ratio this machine allows.
        cores = os.cpu_count() or 1
        floor = float(first["cpu"]) / cores  # type: ignore[arg-type]
        print(f"{'CPU bound':>14}: first run >= {floor:.1f} s of CPU on {cores} cores, "
              f"so at most {float(third['seconds']) / floor:.1f}x")  # type: ignore[arg-type]
    if net is not None:
        fast_net, serial_net = net
        print(f"{'requests only':>14}: {int(fast_net['requests'])} GETs, no parsing or "
              f"extraction: {fast_net['seconds']:.1f} s at concurrency {args.concurrency}, "
              f"{serial_net['seconds']:.1f} s at 1: "
              f"{serial_net['seconds'] / fast_net['seconds']:.1f}x")
    print(f"{'second run':>14}: {second['seconds']:.2f} s (target < 3 s)")
    peak = max(max(float(r["rss_main_mb"]), float(r["rss_all_mb"]))  # type: ignore[arg-type]
               for r in (first, second, third) if r is not None)
    print(f"{'peak memory':>14}: {peak:.0f} MB, all processes of a run (target < 400 MB)")


if __name__ == "__main__":
    main()
