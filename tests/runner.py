"""Running ``digest`` in a folder, as a user would from a shell (the ``digest_in`` fixture)."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner, Result

from digest.cli.main import main


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
