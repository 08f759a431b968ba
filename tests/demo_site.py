"""The repository's own demo digest, built as `nox -s site` builds it, served on 127.0.0.1.

Shared by the browser tests: `digest fetch` + `digest build` over examples/ in
a temporary folder, served as a static host serves it (``serve_directory`` in
localserver.py, on the one HTTP test server), and the browser that reads it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    # At run time playwright is imported only once Chromium is known to be there.
    from playwright.sync_api import Browser, BrowserContext

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The demo's sample feed hot-links its one picture from the sample's own host;
# the tests answer for that host with this picture (no network here).
PICTURE_HOST = "https://news.example.org/images/"
PICTURE = Path(__file__).resolve().parent / "fixtures" / "site" / "picture.jpg"


def build_demo(root: Path) -> Path:
    """Fetch and build the demo in ``root``; the site folder."""
    if not (REPO / "examples").is_dir():
        pytest.skip("the demo sources (examples/) are missing")
    for name in ("digest.yml", "mkdocs.yml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "examples", root / "examples")
    (root / "content").mkdir()
    if (REPO / "content" / "about.md").exists():
        shutil.copy(REPO / "content" / "about.md", root / "content" / "about.md")
    digest = Path(sys.executable).parent / "digest"
    for command in ("fetch", "build"):
        done = subprocess.run(
            [str(digest), command],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    site = root / "site"
    assert (site / "pagefind" / "pagefind.js").exists()
    return site


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright (skipped when it is missing,
    unless DIGEST_REQUIRE_BROWSER=1, as in CI)."""
    if not CHROMIUM.exists():
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("DIGEST_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; DIGEST_REQUIRE_BROWSER=1 forbids skipping")
        pytest.skip(reason)
    import playwright.sync_api as playwright

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def route_pictures(context: BrowserContext) -> None:
    """Answer the demo's hot-linked picture host with a local picture."""
    data = PICTURE.read_bytes()
    context.route(
        PICTURE_HOST + "**", lambda route: route.fulfill(body=data, content_type="image/jpeg")
    )
