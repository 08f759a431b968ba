"""``digest tags``: classify, explain and re-apply topic tags."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import click

from digest.cli.state import CliState, pass_state
from digest.errors import DigestError, TagInputError


@click.group()
def tags() -> None:
    """Classify, explain and re-apply topic tags.

    \b
    Example:
        digest tags explain content/articles/2025/01/21/a-journey.md
    """


@tags.command("classify")
@click.argument("file", type=click.File("rb"))
@pass_state
def tags_classify(state: CliState, file: BinaryIO) -> None:
    """Tag JSON lines: read {"id", "title", "text"} per line, print {"id", "tags"}.

    FILE may be - for standard input. Output keeps the input order.

    \b
    Example:
        digest tags classify briefs.jsonl > tags.jsonl
    """
    from digest.tags.classify import classify_jsonl

    taxonomy = state.taxonomy()
    try:
        for line in classify_jsonl(_text_lines(file), taxonomy):
            click.echo(line)
    except TagInputError as exc:
        raise TagInputError(f"{file.name}: {exc}") from None


def _text_lines(file: BinaryIO) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 is an error naming it."""
    for number, raw in enumerate(file, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise TagInputError(f"line {number}: not UTF-8 text (byte {raw[exc.start]:#04x} "
                                f"at column {exc.start + 1})") from None


@tags.command("explain")
@click.argument("item")
@pass_state
def tags_explain(state: CliState, item: str) -> None:
    """Show why each tag fired or not: phrases, score, threshold and the model's weighing.

    ITEM is a URL, a saved page, or a stored article (.md with front matter).
    Where a tag's rules hold, the learned layer's verdict follows: its
    probability, and each feature's value times its weight, largest first.

    \b
    Example:
        digest tags explain https://example.org/2025/01/story.html
        digest tags explain content/articles/2025/01/21/a-journey.md
    """
    from digest.archive.store import Archive, read_article
    from digest.extract.markdown import markdown_to_text
    from digest.ingest.preview import preview_inputs
    from digest.tags.classify import explain

    config = state.config(required=False)
    taxonomy = config.taxonomy if config else state.taxonomy()
    path = Path(item)
    if path.suffix == ".md" and path.is_file():
        # A stored article through the archive: an excerpt-only one's page
        # holds the summary only, its text is kept apart.
        stored = config is not None and path.resolve().is_relative_to(config.content_dir)
        article = Archive(config.content_dir, config.state_path).read(path.resolve()) \
            if stored and config is not None else read_article(path)
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
@pass_state
def tags_retag(state: CliState, dry_run: bool) -> None:
    """Apply the current taxonomy to every stored article.

    Front matter is rewritten atomically, only where the tags change; tags
    listed under manual_tags are kept. Prints one line per changed article.

    \b
    Example:
        digest tags retag --dry-run
    """
    from digest.retag import retag_archive

    config = state.require()
    changed = 0
    for change in retag_archive(config, dry_run=dry_run):
        changed += 1
        click.echo(change)
    click.echo(f"{changed} article(s) {'would change' if dry_run else 'changed'}")
