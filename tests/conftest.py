"""Shared fixtures: the repository's paths and a CLI runner bound to a folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from digest.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


class Digest:
    """Runs `digest` commands in a folder, as a user would from a shell."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        old = Path.cwd()
        os.chdir(self.folder)
        try:
            return self.runner.invoke(main, list(args), input=input, catch_exceptions=False)
        finally:
            os.chdir(old)


@pytest.fixture
def digest_in(tmp_path: Path) -> Iterator[Digest]:
    yield Digest(tmp_path)


def search_index_text(site: Path) -> str:
    """Everything the site's Pagefind search index holds, as text."""
    import gzip

    fragments = sorted((site / "pagefind" / "fragment").glob("*.pf_fragment"))
    assert fragments, f"no search index in {site}"
    return "\n".join(gzip.decompress(f.read_bytes()).decode("utf-8", "replace")
                     for f in fragments)


@pytest.fixture(scope="module")
def running_server() -> Iterator[HTTPServer]:
    """pytest-httpserver on 127.0.0.1, one per test module."""
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def server(running_server: HTTPServer) -> Iterator[HTTPServer]:
    # One server per module, cleared per test: stopping a threaded server costs half a second.
    running_server.clear()
    yield running_server
    running_server.clear()
