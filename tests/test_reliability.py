"""Nothing lost under SIGKILL, overlapping runs, a full disk or a read-only archive."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from localserver import Route, Server, serve

from digest.archive.files import TMP_PREFIX
from digest.archive.frontmatter import load_article

ROOT = Path(__file__).resolve().parent.parent


def _digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "digest", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120)


def _config(folder: Path, sources: str = "  []\n") -> None:
    (folder / "digest.yml").write_text(
        f"site: {{title: T}}\nfetch: {{timeout: 5, retries: 0}}\nsources:\n{sources}",
        encoding="utf-8")


# --- the lock -------------------------------------------------------------

HOLD = """
import sys, time
from pathlib import Path
from digest.archive.lock import archive_lock
with archive_lock(Path(sys.argv[1]), what="digest fetch"):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    _config(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / ".digest/lock")],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield proc
    proc.kill()
    proc.wait()


def test_second_run_is_refused_with_the_holder_named(tmp_path: Path,
                                                     holder: subprocess.Popen[str]) -> None:
    result = _digest("fetch", cwd=tmp_path)
    assert result.returncode == 1
    assert f"another digest run holds the lock (pid {holder.pid} running 'digest fetch' since" \
        in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_stale_lock_of_a_killed_run_is_taken_over(tmp_path: Path,
                                                  holder: subprocess.Popen[str]) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    result = _digest("build", "--help", cwd=tmp_path)
    assert result.returncode == 0
    result = _digest("reindex", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "indexed 0 articles" in result.stdout


def test_waiting_run_gets_the_lock_when_it_is_freed(tmp_path: Path,
                                                    holder: subprocess.Popen[str]) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "digest", "fetch", "--wait", "30"],
                            cwd=tmp_path, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    time.sleep(1.0)
    assert proc.poll() is None, "it waits while the lock is held"
    holder.kill()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err


# --- SIGKILL while storing -------------------------------------------------

WORDS = ["regulators", "platforms", "lawmakers", "hearings", "tariffs", "exports", "creators", "moderation", "privacy", "courts", "markets", "chips", "satellites", "railways", "harvest", "drought", "elections", "museums", "orchestras", "vaccines", "hospitals", "bridges", "ferries", "glaciers", "volcanoes"]


def _page(n: int) -> bytes:
    # Distinct bodies: near-identical ones would rightly be merged as one story.
    rng = random.Random(n)
    paras = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(40)) + ".</p>" for _ in range(6))
    return (f"<html><head><title>Story number {n}</title><meta property='og:title' "
            f"content='Story number {n}'></head><body><article><h1>Story number {n}</h1>"
            f"{paras}</article></body></html>").encode()


@pytest.fixture
def many(tmp_path: Path) -> Iterator[Server]:
    with serve() as server:
        items = "".join(
            f"<item><title>Story number {n}</title><link>{server.url(f'/s/{n}.html')}</link>"
            f"<pubDate>Mon, 13 Jan 2025 10:{n % 60:02d}:00 +0000</pubDate></item>"
            for n in range(60))
        server.routes["/feed.xml"] = Route(
            f"<rss version='2.0'><channel><title>Many</title>{items}</channel></rss>".encode(),
            content_type="application/rss+xml")
        for n in range(60):
            server.routes[f"/s/{n}.html"] = Route(_page(n), delay=0.01)
        yield server


def _check_archive(folder: Path) -> set[str]:
    content = folder / "content"
    leftovers = list(content.rglob(f"{TMP_PREFIX}*")) if content.exists() else []
    assert not leftovers, f"orphaned temporary files: {leftovers}"
    urls: list[str] = []
    for path in content.rglob("*.md") if content.exists() else []:
        text = path.read_text(encoding="utf-8")
        assert text.strip(), f"empty article {path}"
        urls.append(load_article(text).canonical_url)
    assert len(urls) == len(set(urls)), "an article stored twice"
    state = folder / ".digest/state.sqlite"
    if state.exists():
        sqlite3.connect(state).execute("PRAGMA quick_check").fetchone()
    return set(urls)


KILL_POINTS = 8


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path, many: Server) -> None:
    _config(tmp_path, f'  - {{name: Many, feed: "{many.url("/feed.xml")}"}}\n')
    rng = random.Random(20250121)
    stored: set[str] = set()
    for _ in range(KILL_POINTS):
        proc = subprocess.Popen([sys.executable, "-m", "digest", "-q", "fetch", "--wait", "10"],
                                cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = _check_archive(tmp_path)
        assert stored <= now, "a stored article disappeared"
        stored = now
    final = _digest("fetch", cwd=tmp_path)
    assert final.returncode == 0, final.stderr + final.stdout
    assert len(_check_archive(tmp_path)) == 60
    staging = tmp_path / ".digest/staging"
    assert not list(staging.glob("*")) if staging.exists() else True, "debris not swept"


# --- disk full and read-only ----------------------------------------------

def _mount_tmpfs(target: Path, size: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "disk"
    _mount_tmpfs(folder, "160k")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _write_pages(folder: Path, count: int, words: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n in range(count):
        text = " ".join(f"word{n}x{i}" for i in range(words))
        paras = "".join(f"<p>{text[j:j + 400]}.</p>" for j in range(0, len(text), 400))
        path = folder / f"p{n}.html"
        path.write_text(f"<html><head><title>Page {n}</title></head><body><article>"
                        f"<h1>Page {n}</h1>{paras}</article></body></html>", encoding="utf-8")
        out.append(path)
    return out


@pytest.mark.slow
def test_disk_full_is_a_clear_error_and_the_archive_is_intact(small_disk: Path,
                                                               tmp_path: Path) -> None:
    _config(small_disk)
    small = _write_pages(tmp_path / "small", 1, 100)
    assert _digest("add", str(small[0]), cwd=small_disk).returncode == 0
    before = {p: p.read_bytes() for p in (small_disk / "content").rglob("*.md")}
    big = _write_pages(tmp_path / "big", 3, 40_000)
    result = _digest("add", *map(str, big), cwd=small_disk)
    assert result.returncode != 0
    assert "No space left on device" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    after = {p: p.read_bytes() for p in (small_disk / "content").rglob("*.md")}
    for path, data in before.items():
        assert after[path] == data
    _check_archive(small_disk)


def test_read_only_archive_is_a_clear_error(small_disk: Path, tmp_path: Path) -> None:
    _config(small_disk)
    pages = _write_pages(tmp_path / "pages", 2, 100)
    assert _digest("add", str(pages[0]), cwd=small_disk).returncode == 0
    before = {p: p.read_bytes() for p in (small_disk / "content").rglob("*.md")}
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = _digest("add", str(pages[1]), cwd=small_disk)
    assert result.returncode != 0
    assert "Read-only file system" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in (small_disk / "content").rglob("*.md")} == before


def test_a_full_disk_says_to_free_space_not_to_reindex(small_disk: Path, tmp_path: Path) -> None:
    _config(small_disk)
    pages = _write_pages(tmp_path / "pages", 1, 100)
    assert _digest("add", str(pages[0]), cwd=small_disk).returncode == 0
    subprocess.run(["rm", "-rf", str(small_disk / ".digest")], check=True)
    fd = os.open(small_disk / "filler", os.O_WRONLY | os.O_CREAT)  # the disk fills up
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    for command in (("reindex",), ("fetch",)):
        result = _digest(*command, cwd=small_disk)
        assert result.returncode == 1
        (line,) = result.stderr.strip().splitlines()
        assert "free some disk space" in line and "reindex" not in line, line
