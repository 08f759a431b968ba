"""The worker pool: a hard time limit per article, recovery, and no orphans.

The slow inputs are the two found in the hostile pass (issue 14): inline
emphasis repeated (``<em>a</em>b``), whose Markdown-to-text step was
quadratic, and a plain-text page of one short line repeated, whose
repeated-line scan was. Each is sized so that it runs far past the limit
while those paths stay quadratic, and well past it on a linear path too.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from localserver import Route, serve
from test_pipeline import fetch, make_config, page, prose, rss

from digest.ingest.pool import WorkerPool
from digest.ingest.workers import Done, Job
from digest.model import Entry, Source, SourceKind
from digest.tags.rules import default_taxonomy

EMPHASIS = ("<html><head><title>Emphasis</title></head><body><article><h1>Emphasis</h1><p>"
            + "<em>a</em>b " * 40_000 + "</p></article></body></html>").encode()
REPEATED = ("The same short line.\n" * 100_000).encode()
SOURCE = Source("S", SourceKind.FEED, "https://example.org/feed")
FETCHED = datetime(2025, 1, 21, tzinfo=UTC)


def _fragment(title: str) -> Job:
    entry = Entry("S", f"https://example.org/{title}", title=title, content_html=prose(title))
    return Job.fragment(entry, SOURCE, FETCHED)


def test_a_job_over_its_budget_is_killed_and_the_slot_recovers() -> None:
    async def run() -> list[Done | str]:
        with WorkerPool(default_taxonomy(), jobs=1, budget=0.5) as pool:
            slow = await pool.run(Job.page(EMPHASIS * 6, "https://example.org/slow", None, None,
                                           SOURCE, FETCHED))
            after = await pool.run(_fragment("after"))
            return [slow, after]

    slow, after = asyncio.run(run())
    assert slow == ("https://example.org/slow: stopped after 0.5 s of work "
                    "(fetch.article_timeout); the page may be built to be slow")
    assert isinstance(after, Done) and after.article.title == "after"


def test_jobs_run_side_by_side_while_one_is_stuck() -> None:
    async def run() -> list[Done | str]:
        with WorkerPool(default_taxonomy(), jobs=2, budget=3) as pool:
            return list(await asyncio.gather(
                pool.run(Job.page(EMPHASIS * 6, "https://example.org/slow", None, None, SOURCE,
                                  FETCHED)),
                *(pool.run(_fragment(f"quick-{n}")) for n in range(6))))

    slow, *quick = asyncio.run(run())
    assert isinstance(slow, str) and "stopped after 3 s" in slow
    assert [q.article.title for q in quick if isinstance(q, Done)] == \
        [f"quick-{n}" for n in range(6)]


@pytest.mark.slow
def test_slow_pages_fail_alone_and_the_rest_of_the_run_is_stored(tmp_path: Path) -> None:
    with serve() as server:
        items = [f"<item><title>Story {n}</title><link>{server.url(f'/s/{n}')}</link></item>"
                 for n in range(3)]
        items.insert(1, f"<item><title>Emphasis</title><link>{server.url('/em')}</link></item>")
        items.append(f"<item><title>Lines</title><link>{server.url('/lines.txt')}</link></item>")
        server.routes["/feed.xml"] = Route(rss(*items).encode(),
                                           content_type="application/rss+xml")
        for n in range(3):
            server.routes[f"/s/{n}"] = Route(page(f"Story {n}", f"story-{n}").encode())
        server.routes["/em"] = Route(EMPHASIS)
        server.routes["/lines.txt"] = Route(REPEATED * 2, content_type="text/plain")
        config = make_config(tmp_path, f'  - {{name: Feed, feed: "{server.url("/feed.xml")}"}}',
                             article_timeout=1)
        summary = fetch(config, jobs=1)  # one slot: the stories after a kill need a new worker
    (line,) = summary.render()
    assert line.startswith("Feed: 3 new, 0 already stored, 2 failed: ")
    assert f"{server.url('/em')}: stopped after 1 s of work (fetch.article_timeout)" in line
    # The text page either runs out of time or, once that path is linear, is
    # found to hold no article: it is one of the two failures either way.
    assert f"{server.url('/lines.txt')}: " in line
    assert summary.ok  # a few failed items are reported; the source worked


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.slow
def test_workers_die_with_a_killed_run_even_mid_job(tmp_path: Path) -> None:
    with serve() as server:
        items = "".join(f"<item><title>Slow {n}</title><link>{server.url(f'/em/{n}')}</link>"
                        "</item>" for n in range(2))
        server.routes["/feed.xml"] = Route(
            f"<rss version='2.0'><channel><title>F</title>{items}</channel></rss>".encode(),
            content_type="application/rss+xml")
        for n in range(2):
            server.routes[f"/em/{n}"] = Route(EMPHASIS * 3)
        (tmp_path / "digest.yml").write_text(
            "fetch: {timeout: 5, retries: 0, article_timeout: 600}\n"
            f"sources:\n  - {{name: F, feed: '{server.url('/feed.xml')}'}}\n", encoding="utf-8")
        proc = subprocess.Popen([sys.executable, "-m", "digest", "fetch"], cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while sum(hit.startswith("/em/") for hit in server.hits) < 2:
                assert time.monotonic() < deadline, "the slow pages were never fetched"
                time.sleep(0.1)
            time.sleep(2)  # the workers are now deep in the slow pages
            family = _descendants(proc.pid)
            busy = [p for p in family if _running(p)]
            assert len(busy) >= 3, "expected the fork server and two busy workers"
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            deadline = time.monotonic() + 10
            while any(_running(p) for p in family) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = [p for p in family if _running(p)]
            for p in left:
                os.kill(p, signal.SIGKILL)
            assert not left, f"processes outlived the run: {left}"
        finally:
            if proc.poll() is None:
                proc.kill()


def test_what_a_worker_logs_shows_in_the_run(tmp_path: Path) -> None:
    # A charset the bytes contradict: the worker notes it at DEBUG; `digest -v` shows it.
    page_bytes = ('<html><head><meta charset="iso-8859-1"></head><body><article>'
                  + "<p>Caf\u00e9 society gathered in the square again this week, "
                    "and the mayor spoke about the plans for the summer festival.</p>" * 6
                  + "</article></body></html>").encode("utf-8")
    saved = tmp_path / "page.html"
    saved.write_bytes(page_bytes)
    digest = Path(sys.executable).parent / "digest"
    quiet = subprocess.run([str(digest), "extract", str(saved)], capture_output=True,
                           text=True, timeout=120, check=False)
    loud = subprocess.run([str(digest), "-v", "extract", str(saved)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert quiet.returncode == loud.returncode == 0, loud.stderr
    assert "digest.extract.charset: declared cp1252 but the bytes are UTF-8" in loud.stderr
    assert "declared" not in quiet.stderr
