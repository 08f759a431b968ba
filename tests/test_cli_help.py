"""Every command documents itself with an example (as sqlite-utils' test_docs does)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from digest.cli.main import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += _commands(command, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


ALL = _commands(main)


def test_every_documented_command_exists() -> None:
    names = {" ".join(c) for c in ALL}
    for expected in ["init", "fetch", "add", "extract", "build", "serve", "export", "reindex",
                     "tags classify", "tags explain", "tags retag", "sources import",
                     "sources export", "sources list"]:
        assert expected in names


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "digest")
def test_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    example = result.output.split("Example:", 1)[1]
    assert "digest " in example, "the example shows a digest command line"


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "digest" in result.output
