"""The ``digest tags`` and ``digest sources`` command groups."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from digest.errors import DigestError

if TYPE_CHECKING:
    from digest.tags.rules import Taxonomy


@click.group()
def tags() -> None:
    """Classify, explain and re-apply topic tags.

    \b
    Example:
        digest tags explain content/articles/2025/01/21/a-journey.md
    """


@tags.command("classify")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.pass_context
def tags_classify(ctx: click.Context, file: TextIO) -> None:
    """Tag JSON lines: read {"id", "title", "text"} per line, print {"id", "tags"}.

    FILE may be - for standard input. Output keeps the input order.

    \b
    Example:
        digest tags classify briefs.jsonl > tags.jsonl
    """
    from digest.tags.classify import classify_jsonl

    taxonomy = _taxonomy(ctx)
    for line in classify_jsonl(file, taxonomy):
        click.echo(line)


@tags.command("explain")
@click.argument("item")
@click.pass_context
def tags_explain(ctx: click.Context, item: str) -> None:
    """Show every tag's score, the phrases that matched and where, and the threshold.

    ITEM is a URL, a saved page, or a stored article (.md with front matter).

    \b
    Example:
        digest tags explain https://example.org/2025/01/story.html
        digest tags explain content/articles/2025/01/21/a-journey.md
    """
    from digest.archive.store import read_article
    from digest.extract.markdown import markdown_to_text
    from digest.ingest.preview import preview_inputs
    from digest.tags.classify import explain

    state = ctx.find_root().obj
    config = state.config(required=False)
    taxonomy = _taxonomy(ctx)
    path = Path(item)
    if path.suffix == ".md" and path.is_file():
        article = read_article(path)
        title, text = article.title, markdown_to_text(article.body)
    else:
        preview = next(preview_inputs([item], config, jobs=1))
        if preview.article is None:
            raise DigestError(preview.error or f"{item}: no article")
        title, text = preview.article.title, preview.text
    click.echo(f"{title}\n")
    click.echo(explain(taxonomy, title, text).render())


@tags.command("retag")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.pass_context
def tags_retag(ctx: click.Context, dry_run: bool) -> None:
    """Apply the current taxonomy to every stored article.

    Front matter is rewritten atomically, only where the tags change; tags
    listed under manual_tags are kept. Prints one line per changed article.

    \b
    Example:
        digest tags retag --dry-run
    """
    from digest.retag import retag_archive

    config = ctx.find_root().obj.require()
    changed = 0
    for change in retag_archive(config, dry_run=dry_run):
        changed += 1
        click.echo(change)
    click.echo(f"{changed} article(s) {'would change' if dry_run else 'changed'}")


def _taxonomy(ctx: click.Context) -> Taxonomy:
    from digest.tags.rules import default_taxonomy

    config = ctx.find_root().obj.config(required=False)
    return config.taxonomy if config else default_taxonomy()


@click.group()
def sources() -> None:
    """List the configured sources, or move them in and out as OPML.

    \b
    Example:
        digest sources import subscriptions.opml
    """


@sources.command("list")
@click.pass_context
def sources_list(ctx: click.Context) -> None:
    """List the configured sources, one per line.

    \b
    Example:
        digest sources list
    """
    config = ctx.find_root().obj.require()
    for s in config.sources:
        group = f" [{s.group}]" if s.group else ""
        click.echo(f"{s.name}{group}: {s.kind.value} {s.location}")


@sources.command("import")
@click.argument("opml", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_context
def sources_import(ctx: click.Context, opml: Path) -> None:
    """Add the feeds of an OPML file (a feed reader's export) to digest.yml.

    Outline categories become source groups; feeds already configured and
    duplicates inside the file are skipped.

    \b
    Example:
        digest sources import subscriptions.opml
    """
    from digest.sources import import_opml_into_config

    config = ctx.find_root().obj.require()
    added, skipped = import_opml_into_config(config, opml)
    click.echo(f"added {added} feed(s), skipped {skipped} already present")


@sources.command("export")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write here instead of standard output.")
@click.pass_context
def sources_export(ctx: click.Context, output: Path | None) -> None:
    """Write the configured feeds as OPML, for a feed reader.

    \b
    Example:
        digest sources export -o subscriptions.opml
    """
    from digest.archive.files import atomic_write
    from digest.fetch.feeds import export_opml

    config = ctx.find_root().obj.require()
    text = export_opml(config.sources, title=config.site.title)
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write(output, text)
