"""The ``digest`` command line: parse options, call one library function, map errors.

Every command's help ends with an ``Example:`` block (tests/test_cli_help.py
enforces it).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from digest import DISTRIBUTION, __version__
from digest.cli.sources import sources
from digest.cli.state import CliState, locked_archive, pass_state, report
from digest.cli.tags import tags
from digest.config import DEFAULT_CONFIG_NAME
from digest.errors import ConfigError, DigestError
from digest.escape import url_problem, web_url

if TYPE_CHECKING:
    from digest.ingest.summary import SourceSummary

log = logging.getLogger("digest")


def _setup_logging(verbose: int, quiet: int) -> None:
    level = logging.INFO - 10 * verbose + 10 * quiet
    handler = logging.StreamHandler(sys.stderr)
    fmt = "%(levelname)s %(name)s: %(message)s" if verbose else "%(message)s"
    handler.setFormatter(logging.Formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(logging.DEBUG, min(level, logging.ERROR)))
    if not verbose:
        # Third-party libraries are chatty at INFO; their warnings still show.
        for name in ("httpx", "httpcore", "trafilatura", "htmldate", "courlan", "mkdocs",
                     "jieba", "charset_normalizer", "readability"):
            logging.getLogger(name).setLevel(logging.WARNING if not quiet else logging.ERROR)
    # Except their routine notes about single pages, which are DEBUG (-v) here.
    from digest.extract.libnotes import quiet_library_notes

    quiet_library_notes()


class DigestGroup(click.Group):
    """Turns every error into a one-line message and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except click.UsageError as exc:  # a bad option or argument: one line, exit 2
            where = exc.ctx.command_path if exc.ctx is not None else "digest"
            click.echo(f"error: {exc.format_message()} (see '{where} --help')", err=True)
            ctx.exit(exc.exit_code)
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            ctx.exit(exc.exit_code)
        except DigestError as exc:
            if log.isEnabledFor(logging.DEBUG):
                log.exception("details")
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            # A disk or permission problem outside the archive's own handling.
            if log.isEnabledFor(logging.DEBUG):
                log.exception("details")
            where = f"{exc.filename}: " if exc.filename else ""
            hint = f"; {_FREE_SPACE}" if exc.errno == errno.ENOSPC else ""
            click.echo(f"error: {where}{exc.strerror or exc}{hint}", err=True)
            ctx.exit(1)
        except sqlite3.Error as exc:
            # A full or read-only disk is not a broken database: rebuilding it
            # ('digest reindex') would fail the same way.
            text = str(exc)
            full = any(w in text for w in ("disk is full", "disk I/O", "readonly", "read-only"))
            advice = _FREE_SPACE if full else "run 'digest reindex' to rebuild it"
            click.echo(f"error: state database: {text}; {advice}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing stored was lost", err=True)
            ctx.exit(130)
        except (click.ClickException, click.Abort):
            raise
        except Exception as exc:
            # A bug, not a failed source: its own status (EX_SOFTWARE), so that the
            # scheduled workflow can tell it from exit 1 and fail the run.
            log.error("internal error: %s: %s", type(exc).__name__, exc, exc_info=True)
            ctx.exit(70)


_FREE_SPACE = ("free some disk space (or make the folder writable) and run the command again; "
               "nothing stored was lost")


@click.group(cls=DigestGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help=f"The digest's config file (default: ./{DEFAULT_CONFIG_NAME}).")
@click.option("-v", "--verbose", count=True,
              help="More logging: every step, and details of failures.")
@click.option("-q", "--quiet", count=True, help="Less logging.")
@click.version_option(__version__, prog_name="digest",
                      message=f"%(prog)s ({DISTRIBUTION}) %(version)s")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: int, quiet: int) -> None:
    """Turn news feeds and article pages into a clean, tagged Markdown archive
    and a searchable static site.

    Commands run in a digest's folder (the one holding digest.yml and mkdocs.yml).

    \b
    Example:
        digest init my-digest && cd my-digest
        digest fetch && digest build
    """
    _setup_logging(verbose, quiet)
    ctx.obj = CliState(config_path)


def _progress(total: int) -> contextlib.AbstractContextManager[Callable[[SourceSummary], None]]:
    """A progress bar over the sources on a terminal; elsewhere only the log lines."""
    @contextlib.contextmanager
    def bar() -> Iterator[Callable[[SourceSummary], None]]:
        if not sys.stderr.isatty() or total == 0:
            yield lambda done: None
            return
        with click.progressbar(length=total, label="Fetching", file=sys.stderr) as shown:
            def step(done: SourceSummary) -> None:
                log.info("%s", done.render())
                shown.update(1)
            yield step
    return bar()


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
def init(directory: Path) -> None:
    """Create a new digest in DIRECTORY (default: here).

    Writes digest.yml (with commented examples of every source kind and the
    default taxonomy), mkdocs.yml, content/index.md, the scheduled GitHub
    workflow, requirements.txt (how this digest was installed, for the
    workflow to install the same) and .gitignore. Existing files are never
    overwritten.

    \b
    Example:
        digest init my-digest
    """
    from digest.scaffold import scaffold

    made = scaffold(directory)
    for path in made.created:
        click.echo(f"created {path}")
    if made.problem:
        log.warning("%s", made.problem)


@main.command()
@click.option("--refresh", is_flag=True, help="Fetch and extract stored articles again.")
@click.option("--wait", type=float, default=0, show_default=True,
              help="Seconds to wait for another run's lock.")
@pass_state
def fetch(state: CliState, refresh: bool, wait: float) -> None:
    """Read every source and store the new articles.

    A failing source never stops the others. The run ends with one line per
    source (new / already stored / failed with the reason); the exit status is
    0 when every source worked, 1 when any failed.

    \b
    Example:
        digest fetch
        digest -v fetch --refresh
    """
    from digest.ingest.pipeline import run_fetch

    config = state.require()
    with locked_archive(config, "digest fetch", wait) as archive, \
            _progress(len(config.sources)) as progress:
        summary = run_fetch(config, archive, refresh=refresh, progress=progress)
    report(summary)


def _check_inputs(inputs: Iterable[str]) -> None:
    """Refuse inputs that name no page: an empty string (it would mean this folder),
    a URL without an address."""
    for item in inputs:
        if not item.strip():
            raise click.BadParameter("an empty input names no page; give a URL or a path",
                                     param_hint="INPUTS")
        if web_url(item) and (problem := url_problem(item)):
            raise click.BadParameter(f"{item}: {problem}", param_hint="INPUTS")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@pass_state
def add(state: CliState, inputs: tuple[str, ...]) -> None:
    """Store the given pages (URLs, or local .html/.txt files and folders).

    \b
    Example:
        digest add https://example.org/2025/01/story.html
        digest add saved/page.html saved/page.txt
    """
    from digest.ingest.pipeline import add_inputs

    _check_inputs(inputs)
    config = state.require()
    with locked_archive(config, "digest add") as archive:
        summary = add_inputs(config, archive, list(inputs))
    report(summary)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True, help="Front matter + body, or one JSON object per line.")
@click.option("-j", "--jobs", type=int, default=0, show_default=True,
              help="Worker processes (0 = every core).")
@pass_state
def extract(state: CliState, inputs: tuple[str, ...], fmt: str, jobs: int) -> None:
    """Print the cleaned article of each input without storing it.

    Inputs are URLs or local files (HTML pages or plain-text page dumps; the
    kind is recognised from the content). With --format json each line holds
    path, title, author, published, source, url, canonical_url, language,
    tags, summary, image, markdown and text, in input order.

    \b
    Example:
        digest extract page.html
        digest extract --format json pages/*.html > articles.jsonl
    """
    from digest.archive.frontmatter import dump_article
    from digest.export import article_record
    from digest.ingest.preview import preview_inputs

    _check_inputs(inputs)
    config = state.config(required=False)
    failed = 0
    for preview in preview_inputs(list(inputs), config, jobs=jobs):
        if preview.article is None:
            failed += 1
            click.echo(f"error: {preview.error}", err=True)
            if fmt == "json":
                click.echo(json.dumps({"path": preview.input, "error": preview.error},
                                      ensure_ascii=False))
            continue
        if fmt == "json":
            record = {"path": preview.input, **article_record(preview.article, preview.text)}
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(dump_article(preview.article), nl=False)
    if failed:
        sys.exit(1)


@main.command()
@click.option("--strict", is_flag=True, help="Fail on MkDocs warnings.")
@click.option("--wait", type=float, default=0, show_default=True,
              help="Seconds to wait for another run's lock.")
@pass_state
def build(state: CliState, strict: bool, wait: float) -> None:
    """Write the listing pages and build the site into site/ with MkDocs.

    After this, `mkdocs build` alone also works.

    \b
    Example:
        digest build && python -m http.server -d site
    """
    from digest.site import build as build_site

    config = state.require()
    with locked_archive(config, "digest build", wait) as archive:
        out = build_site(config, archive, strict=strict)
    log.info("site built in %s", out)


@main.command()
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True,
              help="Address to serve on.")
@pass_state
def serve(state: CliState, dev_addr: str) -> None:
    """Build the site with its search index, serve it, and follow edits to content/.

    Listing pages and article pages are rebuilt on every change; search covers
    the articles as they were when the command started.

    \b
    Example:
        digest serve -a 127.0.0.1:8001
    """
    from digest.site import serve as serve_site

    serve_site(state.require(), dev_addr=dev_addr)


def _parse_day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-01-21",
                                 param_hint=name) from None


@main.command()
@click.option("--since", help="First day to include (YYYY-MM-DD).")
@click.option("--until", help="Last day to include (YYYY-MM-DD).")
@click.option("--tag", "tags", multiple=True, help="Only articles with this tag (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["md", "jsonl"]), default="md",
              show_default=True, help="A Markdown digest, or full JSONL records.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write here instead of standard output.")
@pass_state
def export(state: CliState, since: str | None, until: str | None, tags: tuple[str, ...],
           fmt: str, output: Path | None) -> None:
    """Export stored articles as one Markdown digest or as JSONL.

    The Markdown digest groups articles by tag (taxonomy order), newest first,
    with title, source, date, link and summary: ready for a newsletter.

    \b
    Example:
        digest export --since 2025-01-01 --tag us-china -o week.md
        digest export --format jsonl > archive.jsonl
    """
    from digest.archive.files import atomic_open
    from digest.archive.store import Archive
    from digest.export import ExportFilter, export_jsonl, export_markdown, select

    config = state.require()
    unknown = [t for t in tags if t not in {d.name for d in config.taxonomy.tags}]
    if unknown:
        raise click.BadParameter(f"unknown tag(s): {', '.join(unknown)}", param_hint="--tag")
    flt = ExportFilter(_parse_day(since, "--since"), _parse_day(until, "--until"), tags)
    archive = Archive(config.content_dir, config.state_path)
    # Streamed: the index of the chosen articles is kept, their text is not.
    chosen = select(((s.path, s.article) for s in archive.iter_articles()), flt)
    if fmt == "md":
        lines = export_markdown(chosen, archive.read, config.taxonomy,
                                title=config.site.title, flt=flt)
    else:
        lines = export_jsonl(archive.read(item.path) for item in chosen)
    if output is None:
        _write_lines(sys.stdout, lines)
    else:
        with atomic_open(output) as handle:
            _write_lines(handle, lines)
        log.info("wrote %d articles to %s", len(chosen), output)


def _write_lines(handle: TextIO, lines: Iterable[str]) -> None:
    """Write lines, leaving out blank lines at the very end."""
    blanks = 0
    for line in lines:
        if not line:
            blanks += 1
            continue
        handle.write("\n" * blanks + line + "\n")
        blanks = 0


@main.command()
@pass_state
def reindex(state: CliState) -> None:
    """Rebuild the state database from the article files in content/.

    Use it after editing, moving or deleting articles by hand; digest also
    does it by itself when the database is missing or corrupt. Articles of
    a source whose `publish` changed are stored again to match: an
    excerpt-only article's text moves to fulltext/, out of the site's reach.

    \b
    Example:
        digest reindex
    """

    config = state.require()
    with locked_archive(config, "digest reindex") as archive:
        count = archive.reindex({s.name: s.publish for s in config.sources})
    click.echo(f"indexed {count} articles")


main.add_command(tags)
main.add_command(sources)
