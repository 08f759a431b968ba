"""The step before the MkDocs build: listing pages and feeds written into content/."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from digest import project_url
from digest.archive.files import atomic_write
from digest.archive.store import Archive
from digest.config import Config
from digest.site.format import slug_for
from digest.site.overrides import sync_overrides
from digest.site.pages import (
    GENERATED_DIRS,
    HOME,
    TagInfo,
    archive_pages,
    clear_caches,
    day_pages,
    home_page,
    search_page,
    source_pages,
    tag_pages,
)
from digest.site.records import Record, iter_records
from digest.site.syndication import FEED_SIZE, FeedInfo, atom_feed, json_feed

__all__ = ["GenerateReport", "generate", "taxonomy_tags"]

log = logging.getLogger(__name__)


_DEFAULT_ABOUT = """\
---
title: About
---

# About {title}

This digest is built by [digest]({project}) from the
sources in its `digest.yml`. Every article links to its original. Edit this
page in `content/about.md`.
"""


@dataclass(frozen=True)
class GenerateReport:
    articles: int
    written: tuple[str, ...]  # paths relative to content/ whose text changed
    unchanged: int
    removed: tuple[str, ...]  # stale generated files deleted
    languages: tuple[str, ...] = ()  # article languages seen (for the search indexer)
    # The slug of every tag and source name, for the article template's links.
    slugs: Mapping[str, str] = field(default_factory=dict)
    # The title of every tag (the taxonomy's; a tag only found in front matter is
    # its own title), for the article template's tag links.
    tag_titles: Mapping[str, str] = field(default_factory=dict)


def taxonomy_tags(config: Config, records: Iterable[Record] = ()) -> list[TagInfo]:
    """The taxonomy's tags in order, then tags only found in front matter (A–Z)."""
    out: list[TagInfo] = []
    for tag in getattr(config.taxonomy, "tags", ()):
        name = str(tag.name)
        out.append(
            TagInfo(
                name,
                str(getattr(tag, "title", "") or name),
                str(getattr(tag, "description", "") or ""),
            )
        )
    known = {t.name for t in out}
    extra = sorted({t for r in records for t in r.tags} - known, key=str.casefold)
    return out + [TagInfo(name, name) for name in extra]


def _site_url(config: Config) -> str | None:
    url = config.site.url
    return None if not url else url.rstrip("/") + "/"


def _feeds(config: Config, records: list[Record], tags: list[TagInfo]) -> dict[str, str]:
    # An empty feed's <updated> must not change between runs, or it is rewritten each time.
    now = records[0].when if records else datetime(1970, 1, 1, tzinfo=UTC)
    base = _site_url(config)
    lang = config.site.language
    out: dict[str, str] = {}
    site = FeedInfo(config.site.title, config.site.description, base, "", "feeds/atom.xml", lang)
    out["feeds/atom.xml"] = atom_feed(site, records[:FEED_SIZE], now)
    site_json = FeedInfo(
        config.site.title, config.site.description, base, "", "feeds/feed.json", lang
    )
    out["feeds/feed.json"] = json_feed(site_json, records[:FEED_SIZE])
    for tag in tags:
        items = [r for r in records if tag.name in r.tags][:FEED_SIZE]
        title = f"{config.site.title}: {tag.title}"
        home = f"tags/{tag.slug}/"
        atom = FeedInfo(title, tag.description, base, home, f"feeds/tags/{tag.slug}.xml", lang)
        out[atom.self_path] = atom_feed(atom, items, now)
        jsn = FeedInfo(title, tag.description, base, home, f"feeds/tags/{tag.slug}.json", lang)
        out[jsn.self_path] = json_feed(jsn, items)
    return out


def _write_changed(content_dir: Path, files: Mapping[str, str]) -> tuple[list[str], int]:
    written: list[str] = []
    unchanged = 0
    for rel, text in files.items():
        path = content_dir / rel
        try:
            if path.read_text(encoding="utf-8") == text:
                unchanged += 1
                continue  # untouched mtimes keep MkDocs' and the browser's caches warm
        except (OSError, UnicodeDecodeError):
            pass
        _regenerate(path, text)
        written.append(rel)
    return written, unchanged


def _remove_stale(content_dir: Path, keep: Mapping[str, str]) -> list[str]:
    """Delete files in the generated folders that this run did not produce."""
    removed: list[str] = []
    for folder in GENERATED_DIRS:
        root = content_dir / folder
        if not root.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(root, topdown=False):
            for name in files:
                rel = (Path(dirpath) / name).relative_to(content_dir).as_posix()
                if rel not in keep:
                    (Path(dirpath) / name).unlink()
                    removed.append(rel)
            if dirpath != str(root) and not os.listdir(dirpath):
                os.rmdir(dirpath)
    return removed


def generate(config: Config, archive: Archive, *, directory_urls: bool = True) -> GenerateReport:
    """Write home, tag, source, day and archive pages and the feeds into content/.

    ``directory_urls`` is MkDocs' ``use_directory_urls``: the listings link to the
    final page URLs, which it decides.
    """
    records = sorted(iter_records(archive), key=lambda r: (r.when, r.rel), reverse=True)
    tags = taxonomy_tags(config, records)
    size = config.site.page_size
    files: dict[str, str] = {
        HOME: home_page(
            records,
            tags,
            title=config.site.title,
            description=config.site.description,
            days=config.site.home_days,
            urls=directory_urls,
        ),
    }
    files.update(tag_pages(records, tags, size, directory_urls))
    files.update(source_pages(records, size, directory_urls))
    files.update(day_pages(records, directory_urls))
    files.update(archive_pages(records, size, directory_urls))
    files.update(_feeds(config, records, tags))
    files.update(search_page())
    clear_caches()
    content_dir = config.content_dir
    sync_overrides(config.root)
    about = content_dir / "about.md"
    if not about.exists():  # the nav links it; after this first copy the page is the user's
        atomic_write(about, _DEFAULT_ABOUT.format(title=config.site.title,
                                                  project=project_url()))
    written, unchanged = _write_changed(content_dir, files)
    removed = _remove_stale(content_dir, files)
    log.info(
        "site pages: %d articles, %d files written, %d unchanged, %d removed",
        len(records),
        len(written),
        unchanged,
        len(removed),
    )
    languages = tuple(sorted({r.language.lower() for r in records if r.language}))
    names = {t.name for t in tags} | {s for r in records for s in r.sources if s}
    slugs = {name: slug_for(name) for name in sorted(names)}
    titles = {t.name: t.title for t in tags}
    return GenerateReport(
        len(records), tuple(written), unchanged, tuple(removed), languages, slugs, titles
    )


def _regenerate(path: Path, text: str) -> None:
    # No fsync: these files are made again from the archive on every build, so
    # a crash costs nothing, while an fsync per file cost seconds per thousand
    # pages on a busy disk.
    atomic_write(path, text, durable=False)
