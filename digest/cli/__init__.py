"""The ``digest`` command line."""

from digest.cli.main import main

__all__ = ["main"]
