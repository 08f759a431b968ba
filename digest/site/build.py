"""``digest build``: listing pages, then MkDocs, then the Pagefind search index."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from digest.archive.store import Archive
from digest.config import Config
from digest.errors import DigestError
from digest.site.generate import GenerateReport, generate
from digest.site.liveindex import LiveIndex, LiveIndexPlugin
from digest.site.overrides import sync_overrides
from digest.site.passthrough import MemoKey, PassthroughPlugin

__all__ = ["build", "index_search", "search_language"]

log = logging.getLogger(__name__)

# Languages whose words are not separated by spaces: Pagefind must segment them,
# which it does for the whole index when told the site is in that language.
_SEGMENTED = ("zh", "ja")


def search_language(site_language: str, report: GenerateReport) -> str:
    """The language Pagefind indexes the whole site as.

    Pagefind keeps one index per page language and searches only the one of the
    page the reader is on; every page here shares the theme's language, so one
    index is forced, and it is Chinese (or Japanese) when any article is, since
    only then are those texts split into words. English words still match (by
    prefix), they only lose stemming.
    """
    for lang in _SEGMENTED:
        if any(seen.split("-")[0] == lang for seen in report.languages):
            return lang
    return site_language.split("-")[0] or "en"


def index_search(site_dir: Path, language: str) -> bool:
    """Build the Pagefind index into ``site_dir/pagefind``; False when Pagefind is missing."""
    try:
        import pagefind  # noqa: F401  (only to learn whether it is installed)
    except ImportError:
        log.warning(
            "pagefind is not installed: the site has no search (pip install 'pagefind[extended]')"
        )
        return False
    shutil.rmtree(site_dir / "pagefind", ignore_errors=True)
    # Only article pages carry data-pagefind-body; globbing them spares Pagefind
    # reading the listing pages at all.
    cmd = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site_dir),
        "--silent",
        "--force-language",
        language,
        "--glob",
        "articles/**/*.html",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DigestError(
            f"pagefind failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-500:]}"
        )
    return True


def _start_live_index(language: str) -> LiveIndex | None:
    """A Pagefind service to feed during the build, or None (then the CLI runs after)."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    executable = get_executable()
    if executable is None:
        return None
    try:
        return LiveIndex(executable, language)
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        log.info("pagefind service unavailable (%s); indexing after the build", exc)
        return None


def build(config: Config, archive: Archive, *, strict: bool = False) -> Path:
    """Write the listing pages, build the site with MkDocs, index it for search."""
    config_file = config.root / "mkdocs.yml"
    if not config_file.exists():
        raise DigestError(f"{config_file}: no such file; run 'digest init' to create one")
    overrides: dict[str, Any] = {"site_name": config.site.title, "strict": strict}
    if config.site.url:
        overrides["site_url"] = config.site.url
    if config.site.description:
        overrides["site_description"] = config.site.description
    # MkDocs checks that docs_dir and theme.custom_dir exist when it loads the config.
    config.content_dir.mkdir(parents=True, exist_ok=True)
    sync_overrides(config.root)
    try:
        cfg = load_config(str(config_file), **overrides)
    except MkDocsException as exc:
        raise DigestError(f"mkdocs build failed: {exc}") from None
    started = time.perf_counter()
    report = generate(config, archive, directory_urls=bool(cfg["use_directory_urls"]))
    generated = time.perf_counter()
    # What the theme override reads; `mkdocs build` alone gets the defaults.
    extra: dict[str, Any] = {
        "search_bodies": config.site.search_bodies,
        "slugs": dict(report.slugs),
        "tags": dict(report.tag_titles),
        # Shared by every page of this build: the override renders the parts of
        # the pages outside the nav that do not depend on the page once (main.html).
        "memo": {},
        "memo_key": MemoKey(),
    }
    cfg["extra"]["digest"] = extra
    language = search_language(config.site.language, report)
    # Plugins of the user's own (mkdocs.yml) may read or change pages and their
    # template context: then every page takes MkDocs' ordinary path.
    alone = not cfg["plugins"]
    live = _start_live_index(language)
    plugin: LiveIndexPlugin | None = None
    try:
        if live is not None:
            # Article pages go to Pagefind during the build, so the indexing runs
            # on the other core while MkDocs works; alone, they go as soon as their
            # Markdown is converted, and the index is written while MkDocs renders
            # the templates (liveindex.py).
            articles: dict[str, list[str]] | None = {} if alone else None
            if articles is not None:
                extra["articles"] = articles
            plugin = LiveIndexPlugin(
                live, articles=articles, search_bodies=config.site.search_bodies
            )
            cfg["plugins"]["digest-live-search"] = plugin
        # The listings' raw HTML skips Python-Markdown's parsers (passthrough.py);
        # the Markdown sources are dropped once rendered unless a plugin may read them.
        cfg["plugins"]["digest-passthrough"] = PassthroughPlugin(release_markdown=alone)
        mkdocs_build(cfg)
    except BaseException as exc:
        if live is not None:
            live.close()
        if isinstance(exc, MkDocsException):
            raise DigestError(f"mkdocs build failed: {exc}") from None
        raise
    built = time.perf_counter()
    site_dir = Path(cfg["site_dir"])
    indexed = False
    if live is not None:
        try:
            if plugin is not None and plugin.missed:
                live.close()
                raise RuntimeError(f"{plugin.missed} article pages came after the index")
            if live.writing:
                live.finish()
            else:
                live.write(site_dir / "pagefind")
            indexed = True
        except (OSError, RuntimeError, ValueError, KeyError) as exc:
            log.warning("pagefind service failed (%s); indexing the built site instead", exc)
    if not indexed:
        index_search(site_dir, language)
    done = time.perf_counter()
    log.info(
        "site built into %s (%d articles) in %.1f s: pages %.1f s, MkDocs %.1f s, "
        "search index %.1f s after MkDocs (%s)",
        site_dir,
        report.articles,
        done - started,
        generated - started,
        built - generated,
        done - built,
        "fed during the build" if indexed else "pagefind --site",
    )
    return site_dir
