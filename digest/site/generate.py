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
from digest.escape import web_url
from digest.model import SourceKind
from digest.site.format import index_language, slug_for, source_slugs
from digest.site.home import home_page
from digest.site.overrides import sync_overrides
from digest.site.pages import (
    GENERATED_DIRS,
    HOME,
    Listing,
    TagInfo,
    archive_pages,
    clear_caches,
    day_pages,
    search_page,
    source_pages,
    tag_pages,
)
from digest.site.records import Record, iter_records
from digest.site.syndication import FEED_SIZE, FeedInfo, SourceInfo, atom_feed, json_feed

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


ROBOTS = "robots.txt"
_ROBOTS_MARK = "# Written by `digest build`: delete this line to keep your own version.\n"


@dataclass(frozen=True)
class GenerateReport:
    articles: int
    written: tuple[str, ...]  # paths relative to content/ whose text changed
    unchanged: int
    removed: tuple[str, ...]  # stale generated files deleted
    languages: tuple[str, ...] = ()  # the search indexes' languages ("en", "zh")
    # The slug of every tag, and of every source (unique: format.source_slugs),
    # for the article template's links.
    slugs: Mapping[str, str] = field(default_factory=dict)
    source_slugs: Mapping[str, str] = field(default_factory=dict)
    # The title of every tag (the taxonomy's; a tag only found in front matter is
    # its own title), for the article template's tag links.
    tag_titles: Mapping[str, str] = field(default_factory=dict)
    # Articles whose source is a local path or a URL (`digest add`): the names
    # readers see instead, (source, *sources), by the article's path in content/.
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Excerpt-only pages that still hold their body (Record.holds_text).
    holding_text: tuple[str, ...] = ()


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


def _source_infos(config: Config, records: list[Record],
                  how: Listing) -> dict[str, SourceInfo]:
    """Each source's feed identity for Atom ``<source>``: its own feed URL when it
    is a feed on the web, else its page here (or a URN without site.url)."""
    base = _site_url(config)
    newest: dict[str, datetime] = {}
    for r in records:  # newest first
        newest.setdefault(r.source, r.when)
    configured_by_name = {s.name: s for s in config.sources}
    out: dict[str, SourceInfo] = {}
    for name, when in newest.items():
        if not name:
            continue
        configured = configured_by_name.get(name)
        page = how.source_page(name).removesuffix("index.md")
        link = base + page if base else None
        feed = (
            web_url(configured.location)
            if configured is not None and configured.kind is SourceKind.FEED
            else None
        )
        out[name] = SourceInfo(feed or link or f"urn:digest:source:{slug_for(name)}", when, link)
    return out


def _quiet_date(config: Config) -> datetime:
    """The date of a digest without articles: when its config was last written.

    Plausible (not 1970) and the same on every run, so the feed is not rewritten."""
    try:
        return datetime.fromtimestamp(int(config.path.stat().st_mtime), UTC)
    except OSError:
        return datetime(2025, 1, 1, tzinfo=UTC)


def _feeds(config: Config, records: list[Record], tags: list[TagInfo],
           how: Listing) -> dict[str, str]:
    now = records[0].when if records else _quiet_date(config)
    base = _site_url(config)
    lang = config.site.language
    sources = _source_infos(config, records, how)
    out: dict[str, str] = {}
    site = FeedInfo(config.site.title, config.site.description, base, "", "feeds/atom.xml", lang)
    out["feeds/atom.xml"] = atom_feed(site, records[:FEED_SIZE], now, sources)
    site_json = FeedInfo(
        config.site.title, config.site.description, base, "", "feeds/feed.json", lang
    )
    out["feeds/feed.json"] = json_feed(site_json, records[:FEED_SIZE])
    for tag in tags:
        items = [r for r in records if tag.name in r.tags][:FEED_SIZE]
        if not items:
            continue  # no page either: an empty tag is shown nowhere
        title = f"{config.site.title}: {tag.title}"
        home = f"tags/{tag.slug}/"
        atom = FeedInfo(title, tag.description, base, home, f"feeds/tags/{tag.slug}.xml", lang)
        out[atom.self_path] = atom_feed(atom, items, now, sources)
        jsn = FeedInfo(title, tag.description, base, home, f"feeds/tags/{tag.slug}.json", lang)
        out[jsn.self_path] = json_feed(jsn, items)
    return out


def _robots(config: Config, content_dir: Path) -> dict[str, str]:
    """robots.txt pointing at the sitemap, unless the user keeps their own."""
    try:
        current = (content_dir / ROBOTS).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        current = None
    if current is not None and not current.startswith(_ROBOTS_MARK):
        return {}
    text = _ROBOTS_MARK + "User-agent: *\nAllow: /\n"
    base = _site_url(config)
    if base:
        text += f"\nSitemap: {base}sitemap.xml\n"
    return {ROBOTS: text}


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


def generate(
    config: Config,
    archive: Archive,
    *,
    directory_urls: bool = True,
    now: datetime | None = None,
) -> GenerateReport:
    """Write home, tag, source, day and archive pages, the feeds and robots.txt into content/.

    ``directory_urls`` is MkDocs' ``use_directory_urls``: the listings link to the
    final page URLs, which it decides. ``now`` is the build's time (the home
    page's "today"), local to the machine by default.
    """
    now = now or datetime.now().astimezone()
    records = sorted(iter_records(archive), key=lambda r: (r.when, r.rel), reverse=True)
    used = {t for r in records for t in r.tags}
    tags = [t for t in taxonomy_tags(config, records) if t.name in used]
    size = config.site.page_size
    source_names = {s for r in records for s in (r.source, *r.sources) if s}
    how = Listing(urls=directory_urls, language=config.site.language,
                  sources=source_slugs(source_names))
    files: dict[str, str] = {
        HOME: home_page(
            records,
            tags,
            title=config.site.title,
            description=config.site.description,
            days=config.site.home_days,
            now=now,
            how=how,
        ),
    }
    files.update(tag_pages(records, tags, size, how))
    files.update(source_pages(records, size, how))
    files.update(day_pages(records, how))
    files.update(archive_pages(records, size, how))
    files.update(_feeds(config, records, tags, how))
    files.update(
        search_page([(t.slug, t.title) for t in tags],
                    [(how.source_slug(s), s) for s in source_names])
    )
    clear_caches()
    content_dir = config.content_dir
    files.update(_robots(config, content_dir))
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
    site_lang = index_language(config.site.language)
    languages = tuple(sorted({index_language(r.language, site_lang) for r in records}))
    slugs = {t.name: slug_for(t.name) for t in taxonomy_tags(config, records)}
    titles = {t.name: t.title for t in taxonomy_tags(config, records)}
    labels = {r.rel: (r.source, *r.sources) for r in records if r.relabelled}
    return GenerateReport(
        len(records),
        tuple(written),
        unchanged,
        tuple(removed),
        languages,
        slugs,
        dict(how.sources),
        titles,
        labels,
        tuple(r.rel for r in records if r.holds_text),
    )


def _regenerate(path: Path, text: str) -> None:
    # No fsync: these files are made again from the archive on every build, so
    # a crash costs nothing, while an fsync per file cost seconds per thousand
    # pages on a busy disk.
    atomic_write(path, text, durable=False)
