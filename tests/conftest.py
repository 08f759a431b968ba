"""Shared fixtures: the repository's paths and a CLI runner bound to a folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from digest.cli import main

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
