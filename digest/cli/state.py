"""What every command shares: the config it runs on, the locked archive, the report.

The root group stores a :class:`CliState` in the click context; commands and
sub-groups receive it with ``@pass_state``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from digest.config import DEFAULT_CONFIG_NAME, Config, load_config

if TYPE_CHECKING:
    from digest.archive.store import Archive
    from digest.ingest.summary import RunSummary
    from digest.tags.rules import Taxonomy

__all__ = ["CliState", "locked_archive", "pass_state", "report"]


class CliState:
    """The ``--config`` path given to ``digest``, and the config read from it."""

    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path

    def config(self, *, required: bool = True) -> Config | None:
        """The config; without ``required``, None when there is no digest.yml here."""
        path = self.config_path or Path(DEFAULT_CONFIG_NAME)
        if not required and self.config_path is None and not path.exists():
            return None
        return load_config(path)

    def require(self) -> Config:
        config = self.config()
        assert config is not None
        return config

    def taxonomy(self) -> Taxonomy:
        """The digest's taxonomy, or the default one outside a digest."""
        from digest.tags.rules import default_taxonomy

        config = self.config(required=False)
        return config.taxonomy if config else default_taxonomy()


pass_state = click.make_pass_decorator(CliState)


@contextlib.contextmanager
def locked_archive(config: Config, what: str, wait: float = 0) -> Iterator[Archive]:
    """The archive, with its lock held and a killed run's debris swept."""
    from digest.archive.lock import archive_lock
    from digest.archive.store import Archive

    with archive_lock(config.state_path.parent / "lock", wait=wait, what=what):
        archive = Archive(config.content_dir, config.state_path)
        archive.sweep_staging()
        try:
            yield archive
        finally:
            archive.close()


def report(summary: RunSummary) -> None:
    """One line per source; exit 1 when a source failed."""
    for line in summary.render():
        click.echo(line)
    if not summary.ok:
        sys.exit(1)
