"""`digest serve`: search works, and the listing pages follow edits to content/."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_site import REPO, chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode("utf-8"))


def _wait_for(url: str, text: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        try:
            last = _get(url)
            if text in last:
                return last
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never showed {text!r}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    root = tmp_path_factory.mktemp("serve")
    for name in ("digest.yml", "mkdocs.yml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "examples", root / "examples")
    digest = str(Path(sys.executable).parent / "digest")
    fetched = subprocess.run([digest, "fetch"], cwd=root, capture_output=True, timeout=120)
    assert fetched.returncode == 0, fetched.stderr
    port = _free_port()
    process = subprocess.Popen(
        [digest, "serve", "-a", f"127.0.0.1:{port}"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # The demo's site.url has the path /digest/: served under it, as published.
        base = f"http://127.0.0.1:{port}/digest/"
        _wait_for(base, "Top stories", 120)
        yield root, base
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C, as a user stops it
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert not (root / "site").exists()  # the build lives in a private folder


def test_search_works_while_serving(served: tuple[Path, str]) -> None:
    _, base = served
    assert '"languages"' in _get(base + "pagefind/pagefind-entry.json")  # the index is served
    with chromium() as browser:
        page = browser.new_page()
        page.goto(base + "search/?q=RedNote")
        page.wait_for_selector(".pagefind-ui__result-link", timeout=15_000)
        assert "A journey from TikTok to RedNote" in page.inner_text(".pagefind-ui__results")


def test_listing_pages_follow_an_edit(served: tuple[Path, str]) -> None:
    root, base = served
    article = next((root / "content" / "articles").rglob("senate-panel-*.md"))
    text = article.read_text(encoding="utf-8")
    new = "Senate panel sends app-sale bill to a full vote"
    article.write_text(
        text.replace(
            "title: Senate panel advances bill to force sale of Chinese-owned apps", f"title: {new}"
        ),
        encoding="utf-8",
    )
    _wait_for(base + "tags/platform-policy/", new)
    _wait_for(base, new)
