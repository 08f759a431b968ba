"""``digest sources``: list the configured sources, OPML in and out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from digest.cli.state import CliState, pass_state


@click.group()
def sources() -> None:
    """List the configured sources, or move them in and out as OPML.

    \b
    Example:
        digest sources import subscriptions.opml
    """


@sources.command("list")
@pass_state
def sources_list(state: CliState) -> None:
    """List the configured sources, one per line.

    \b
    Example:
        digest sources list
    """
    config = state.require()
    for s in config.sources:
        group = f" [{s.group}]" if s.group else ""
        held = "" if s.allow_private else " (allow_private: false: not fetched)"
        click.echo(f"{s.name}{group}: {s.kind.value} {s.location}{held}")


@sources.command("import")
@click.argument("opml", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@pass_state
def sources_import(state: CliState, opml: Path) -> None:
    """Add the feeds of an OPML file (a feed reader's export) to digest.yml.

    Outline categories become source groups; feeds already configured and
    duplicates inside the file are skipped. A feed at a loopback or private
    address is added with allow_private: false (and a warning): digest
    fetches it only once you set that key to true.

    \b
    Example:
        digest sources import subscriptions.opml
    """
    from digest.sources import import_opml_into_config

    config = state.require()
    added, skipped, warnings = import_opml_into_config(config, opml)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"added {added} feed(s), skipped {skipped} already present")


@sources.command("export")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write here instead of standard output.")
@pass_state
def sources_export(state: CliState, output: Path | None) -> None:
    """Write the configured feeds as OPML, for a feed reader.

    \b
    Example:
        digest sources export -o subscriptions.opml
    """
    from digest.archive.files import atomic_write
    from digest.fetch.opml import export_opml

    config = state.require()
    text = export_opml(config.sources, title=config.site.title)
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write(output, text)
