"""``digest build``: listing pages, then MkDocs, then the Pagefind search index."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from digest.config import Config
from digest.errors import DigestError
from digest.site.generate import GenerateReport, generate
from digest.store import Archive

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
    cmd = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--silent",
           "--force-language", language, "--glob", "articles/**/*.html"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DigestError(
            f"pagefind failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-500:]}"
        )
    return True


def build(config: Config, archive: Archive, *, strict: bool = False) -> Path:
    """Write the listing pages, build the site with MkDocs, index it for search."""
    report = generate(config, archive)
    config_file = config.root / "mkdocs.yml"
    if not config_file.exists():
        raise DigestError(f"{config_file}: no such file; run 'digest init' to create one")
    overrides: dict[str, Any] = {"site_name": config.site.title, "strict": strict}
    if config.site.url:
        overrides["site_url"] = config.site.url
    if config.site.description:
        overrides["site_description"] = config.site.description
    try:
        cfg = load_config(str(config_file), **overrides)
        # What the theme override reads; `mkdocs build` alone gets the defaults.
        cfg["extra"]["digest"] = {"search_bodies": config.site.search_bodies}
        mkdocs_build(cfg)
    except MkDocsException as exc:
        raise DigestError(f"mkdocs build failed: {exc}") from None
    site_dir = Path(cfg["site_dir"])
    index_search(site_dir, search_language(config.site.language, report))
    log.info("site built into %s (%d articles)", site_dir, report.articles)
    return site_dir
