"""``digest serve``: the site on a local server, with search, following edits to content/.

`mkdocs serve` alone has no search (Pagefind indexes built pages) and never
rewrites the listing pages. Here the whole site is built once, search index
included, into a private folder; then each change under content/ (or to
mkdocs.yml, digest.yml) writes the listing pages again and rebuilds the pages
with MkDocs, while the search index of the first build is served as it is.
MkDocs' own live-reload server serves it and reloads the browser.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.exceptions import MkDocsException
from mkdocs.livereload import LiveReloadServer, _serve_url

from digest.archive.lock import archive_lock
from digest.archive.store import Archive
from digest.config import Config
from digest.errors import DigestError
from digest.site.build import build, load_site_config, site_extra
from digest.site.generate import generate
from digest.site.shards import bundle_dirs

__all__ = ["serve"]

log = logging.getLogger(__name__)


def _link_index(site_dir: Path, index: Path) -> None:
    """Put the search index of the first build back into a freshly built site."""
    for bundle in bundle_dirs(index):
        target = site_dir / bundle.name
        if target.exists():
            continue
        try:
            os.symlink(bundle, target, target_is_directory=True)
        except OSError:  # no symlinks here (some file systems): a copy then
            shutil.copytree(bundle, target)


def serve(config: Config, *, dev_addr: str = "127.0.0.1:8000") -> None:
    """Build the site with its search index, serve it, rebuild pages on every change."""
    work = Path(tempfile.mkdtemp(prefix="digest-serve-"))
    site_dir, index = work / "site", work / "index"
    try:
        cfg = load_site_config(config, site_dir=str(site_dir), dev_addr=dev_addr)
        host, port = cfg.dev_addr.host, cfg.dev_addr.port
        mount_path = urlsplit(cfg.site_url or "/").path
        serve_url = _serve_url(host, port, mount_path)
        overrides = {"site_dir": str(site_dir), "site_url": serve_url, "dev_addr": dev_addr}
        with archive_lock(config.state_path.parent / "lock", wait=0, what="digest serve"):
            archive = Archive(config.content_dir, config.state_path)
            try:
                build(config, archive, overrides=overrides)
            finally:
                archive.close()
        index.mkdir()
        for bundle in bundle_dirs(site_dir):
            bundle.rename(index / bundle.name)
        _link_index(site_dir, index)

        def rebuild() -> None:
            page_config = load_site_config(config, **overrides)
            archive = Archive(config.content_dir, config.state_path)
            try:
                report = generate(
                    config, archive, directory_urls=bool(page_config["use_directory_urls"])
                )
            finally:
                archive.close()
            if report.holding_text:  # edited by hand since: never built (build.py)
                raise DigestError(f"{report.holding_text[0]}: an excerpt-only article holds "
                                  "its text in its page; run 'digest reindex'")
            page_config["extra"]["digest"] = site_extra(config, report)
            try:
                mkdocs_build(page_config, serve_url=serve_url)
            except MkDocsException as exc:
                raise DigestError(f"mkdocs build failed: {exc}") from None
            _link_index(site_dir, index)

        server = LiveReloadServer(
            builder=rebuild, host=host, port=port, root=str(site_dir), mount_path=mount_path
        )
        not_found = site_dir / "404.html"
        server.error_handler = lambda code: (
            not_found.read_bytes() if code == 404 and not_found.is_file() else None
        )
        for watched in (config.content_dir, config.root / "mkdocs.yml", config.path):
            server.watch(str(watched))
        log.info(
            "search covers the articles as they were when `digest serve` started; "
            "listing pages follow edits to %s",
            config.content_dir,
        )
        try:
            server.serve()  # type: ignore[no-untyped-call]
        except KeyboardInterrupt:
            log.info("shutting down")
        finally:
            server.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
