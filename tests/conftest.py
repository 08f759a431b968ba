"""Shared fixtures: the repository's paths, a CLI runner bound to a folder, the HTTP server."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from localserver import start_server
from pytest_httpserver import HTTPServer
from runner import Digest

# The test servers' request lines (werkzeug logs each at INFO) would reach the
# handler a `digest` command under test installs, and so its captured output.
logging.getLogger("werkzeug").setLevel(logging.WARNING)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def digest_in(tmp_path: Path) -> Digest:
    return Digest(tmp_path)


@pytest.fixture(scope="module")
def running_server() -> Iterator[HTTPServer]:
    """The HTTP test server (pytest-httpserver on 127.0.0.1), one per test module."""
    srv = start_server()
    yield srv
    srv.stop()


@pytest.fixture
def server(running_server: HTTPServer) -> Iterator[HTTPServer]:
    # One server per module, cleared per test: stopping a threaded server costs half a second.
    running_server.clear()
    yield running_server
    running_server.clear()
