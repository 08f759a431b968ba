"""``digest build``: listing pages, then MkDocs, then the Pagefind search index."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException

from digest.archive.store import Archive
from digest.config import Config
from digest.errors import DigestError
from digest.site.format import index_language
from digest.site.generate import GenerateReport, generate
from digest.site.indexplugin import LiveIndexPlugin
from digest.site.overrides import sync_overrides
from digest.site.passthrough import MemoKey, PassthroughPlugin
from digest.site.shards import ShardedIndex, clear_bundles, find_pagefind, indexed_part

__all__ = ["build", "index_search", "load_site_config", "site_extra"]

log = logging.getLogger(__name__)

_MISSING = (
    "pagefind is not installed: the site has no search (pip install 'pagefind[bin,extended]')"
)


def index_search(site_dir: Path, language: str = "en", shard_pages: int | None = None) -> bool:
    """Index the built article pages into the site's bundles; False without Pagefind.

    Each page goes to the index of its article's language (``language``, the
    site's, when the article declares none), read from the page as built: the
    path when the index could not be fed during the build.
    """
    pagefind = find_pagefind()
    if pagefind is None:
        log.warning(_MISSING)
        return False
    clear_bundles(site_dir)
    index = ShardedIndex(site_dir, pagefind, language=language, shard_pages=shard_pages)
    try:
        for path in sorted((site_dir / "articles").rglob("*.html")):
            url = "/" + path.relative_to(site_dir).as_posix().removesuffix("index.html")
            index.add(indexed_part(path.read_text(encoding="utf-8"), default=language), url)
        index.finish()
    except (OSError, DigestError) as exc:
        index.close()
        raise DigestError(f"pagefind failed: {exc}") from None
    return True


def _check_docs_dir(docs_dir: Path, archive: Archive) -> None:
    """Refuse a docs folder that holds the excerpt-only articles' full texts."""
    held = archive.fulltext_dir.resolve()
    docs = docs_dir.resolve()
    if held.is_relative_to(docs) or docs.is_relative_to(held):
        raise DigestError(f"mkdocs.yml: docs_dir {docs} holds {held}, the full texts of "
                          "excerpt-only articles, which must never be built: set docs_dir "
                          "to the content folder")


def _keep_apart(archive: Archive, holding: tuple[str, ...]) -> None:
    """Move the bodies of excerpt-only pages still holding one out of content/.

    Archives written before excerpt-only bodies were kept apart have them in
    the page: they are stored again (:meth:`Archive.migrate`) before MkDocs
    reads anything. One that cannot be moved stops the build: it would be
    published.
    """
    if not holding:
        return
    for rel in holding:
        try:
            archive.migrate(archive.content_dir / rel)
        except DigestError as exc:
            raise DigestError(f"{exc}; not building a site that would publish the text of "
                              f"an excerpt-only article") from None
    log.warning("%d excerpt-only article(s) still held their text in %s: moved it to %s "
                "(commit both folders, or run 'digest reindex')", len(holding),
                archive.content_dir.name + "/", archive.fulltext_dir.name + "/")


def load_site_config(config: Config, **overrides: Any) -> MkDocsConfig:
    """mkdocs.yml with the digest's title, URL and description (``overrides`` win)."""
    config_file = config.root / "mkdocs.yml"
    if not config_file.exists():
        raise DigestError(f"{config_file}: no such file; run 'digest init' to create one")
    values: dict[str, Any] = {"site_name": config.site.title}
    if config.site.url:
        values["site_url"] = config.site.url
    if config.site.description:
        values["site_description"] = config.site.description
    values.update(overrides)
    # MkDocs checks that docs_dir and theme.custom_dir exist when it loads the config.
    config.content_dir.mkdir(parents=True, exist_ok=True)
    sync_overrides(config.root)
    try:
        return load_config(str(config_file), **values)
    except MkDocsException as exc:
        raise DigestError(f"mkdocs build failed: {exc}") from None


def site_extra(config: Config, report: GenerateReport) -> dict[str, Any]:
    """What the theme override reads (``extra.digest``); `mkdocs build` alone gets defaults."""
    return {
        "search_bodies": config.site.search_bodies,
        "language": index_language(config.site.language),
        "slugs": dict(report.slugs),
        "source_slugs": dict(report.source_slugs),
        "tags": dict(report.tag_titles),
        "labels": {rel: list(names) for rel, names in report.labels.items()},
    }


def build(
    config: Config,
    archive: Archive,
    *,
    strict: bool = False,
    overrides: Mapping[str, Any] | None = None,
) -> Path:
    """Write the listing pages, build the site with MkDocs, index it for search.

    ``overrides`` are MkDocs settings (``site_dir``, ``site_url``: `digest serve`)."""
    cfg = load_site_config(config, strict=strict, **(overrides or {}))
    _check_docs_dir(Path(cfg["docs_dir"]), archive)
    started = time.perf_counter()
    report = generate(config, archive, directory_urls=bool(cfg["use_directory_urls"]))
    _keep_apart(archive, report.holding_text)
    generated = time.perf_counter()
    extra = site_extra(config, report)
    # Shared by every page of this build: the override renders the parts of the
    # pages outside the nav that do not depend on the page once (main.html).
    extra["memo"] = {}
    extra["memo_key"] = MemoKey()
    cfg["extra"]["digest"] = extra
    language = extra["language"]
    # Plugins of the user's own (mkdocs.yml) may read or change pages and their
    # template context: then every page takes MkDocs' ordinary path.
    alone = not cfg["plugins"]
    site_dir = Path(cfg["site_dir"])
    pagefind = find_pagefind()
    index = None if pagefind is None else ShardedIndex(site_dir, pagefind, language=language)
    try:
        if index is not None:
            # Article pages go to Pagefind during the build, so the indexing runs
            # on the other core while MkDocs works; alone, they go as soon as their
            # Markdown is converted, and the last bundle is written while MkDocs
            # renders the templates (indexplugin.py).
            articles: dict[str, list[str]] | None = {} if alone else None
            if articles is not None:
                extra["articles"] = articles
            cfg["plugins"]["digest-live-search"] = LiveIndexPlugin(
                index, articles=articles, search_bodies=config.site.search_bodies, language=language
            )
        # The listings' raw HTML skips Python-Markdown's parsers (passthrough.py);
        # the Markdown sources are dropped once rendered unless a plugin may read them.
        cfg["plugins"]["digest-passthrough"] = PassthroughPlugin(release_markdown=alone)
        mkdocs_build(cfg)
    except BaseException as exc:
        if index is not None:
            index.close()
        if isinstance(exc, MkDocsException):
            raise DigestError(f"mkdocs build failed: {exc}") from None
        raise
    built = time.perf_counter()
    if index is None:
        log.warning(_MISSING)
    else:
        try:
            index.finish()
        except (OSError, DigestError) as exc:
            raise DigestError(f"pagefind failed: {exc}") from None
    done = time.perf_counter()
    log.info(
        "site built into %s (%d articles) in %.1f s: pages %.1f s, MkDocs %.1f s, "
        "search index %.1f s after MkDocs",
        site_dir,
        report.articles,
        done - started,
        generated - started,
        built - generated,
        done - built,
    )
    return site_dir
