"""The typed configuration, loaded from ``digest.yml``.

The file is read with :func:`digest.schema.load_yaml` (safe YAML that refuses
alias bombs, duplicate keys, deep nesting and NaN), keeping every value's
line: validation reports *every* problem with its key path and line at once,
then the CLI exits with status 2.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from digest import user_agent
from digest.errors import ConfigError
from digest.escape import url_problem, web_url
from digest.model import Publish, Source, SourceKind
from digest.schema import Checker, KeyPath, load_yaml, type_name
from digest.tags.rules import Taxonomy, default_taxonomy, parse_taxonomy

__all__ = ["DEFAULT_CONFIG_NAME", "Config", "FetchConfig", "SiteConfig", "load_config"]

log = logging.getLogger(__name__)

DEFAULT_CONFIG_NAME = "digest.yml"


@dataclass(frozen=True)
class SiteConfig:
    title: str = "Digest"
    url: str | None = None
    description: str = ""
    language: str = "en"
    page_size: int = 50  # articles per archive page
    home_days: int = 7  # how far back the home page's "this week" reaches
    search_bodies: bool = True  # full-text search; false: titles, summaries and tags only


@dataclass(frozen=True)
class FetchConfig:
    concurrency: int = 32
    per_host: int = 2
    timeout: float = 20.0  # seconds, connect and read
    total_timeout: float = 60.0  # seconds, the whole request including the body
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 3
    user_agent: str = field(default_factory=user_agent)
    max_entries: int = 0  # per feed and run; 0 = no limit
    # Seconds of CPU work (extraction, tagging) one article or feed may take in
    # its worker process before the process is killed and the item fails.
    article_timeout: float = 60.0


@dataclass(frozen=True)
class Config:
    root: Path  # the digest's folder (where digest.yml lives)
    path: Path  # digest.yml itself
    site: SiteConfig
    content_dir: Path
    state_path: Path
    fetch: FetchConfig
    sources: tuple[Source, ...]
    taxonomy: Taxonomy = field(repr=False)


_TOP_KEYS = {"site", "content_dir", "state_db", "fetch", "sources", "tags"}
_SITE_KEYS = {f.name for f in fields(SiteConfig)}
_FETCH_KEYS = {f.name for f in fields(FetchConfig)}
_SOURCE_KEYS = {"name", "feed", "url", "path", "publish", "respect_robots", "group",
                "allow_private"}
_MAX_SECONDS = 24 * 3600.0  # a longer wait is a typo, and overflows some timers


def _site(c: Checker, raw: Any) -> SiteConfig:
    p: KeyPath = ("site",)
    d = c.mapping(raw, p, _SITE_KEYS)
    base = SiteConfig()
    url = c.typed(d, p, "url", str, None)
    if url is not None and not web_url(url):
        c.report((*p, "url"), f"must be an http(s) URL, not {url!r}")
    return SiteConfig(
        title=c.typed(d, p, "title", str, base.title),
        url=url,
        description=c.typed(d, p, "description", str, base.description),
        language=c.typed(d, p, "language", str, base.language),
        page_size=c.positive(d, p, "page_size", base.page_size),
        home_days=c.positive(d, p, "home_days", base.home_days),
        search_bodies=c.typed(d, p, "search_bodies", bool, base.search_bodies),
    )


def _fetch(c: Checker, raw: Any) -> FetchConfig:
    p: KeyPath = ("fetch",)
    d = c.mapping(raw, p, _FETCH_KEYS)
    b = FetchConfig()
    retries = c.typed(d, p, "retries", int, b.retries)
    if retries < 0:
        c.report((*p, "retries"), "must be 0 or more")
        retries = b.retries
    max_entries = c.typed(d, p, "max_entries", int, b.max_entries)
    return FetchConfig(
        concurrency=c.positive(d, p, "concurrency", b.concurrency),
        per_host=c.positive(d, p, "per_host", b.per_host),
        timeout=_seconds(c, d, "timeout", b.timeout),
        total_timeout=_seconds(c, d, "total_timeout", b.total_timeout),
        max_bytes=c.positive(d, p, "max_bytes", b.max_bytes),
        retries=retries,
        user_agent=c.typed(d, p, "user_agent", str, b.user_agent),
        max_entries=max(0, max_entries),
        article_timeout=_seconds(c, d, "article_timeout", b.article_timeout),
    )


def _seconds(c: Checker, d: dict[str, Any], key: str, default: float) -> float:
    return float(c.positive(d, ("fetch",), key, default, (int, float), maximum=_MAX_SECONDS))


def _sources(c: Checker, raw: Any, root: Path) -> tuple[Source, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.report(("sources",), f"must be a list, not {type_name(raw)}")
        return ()
    out: list[Source] = []
    names: set[str] = set()
    for i, item in enumerate(raw):
        p: KeyPath = ("sources", i)
        d = c.mapping(item, p, _SOURCE_KEYS)
        if not d:
            if item is not None and isinstance(item, dict):
                c.report(p, "is empty")
            continue
        name = c.typed(d, p, "name", str, None)
        if name is None and "name" not in d:
            c.report(p, "missing required key 'name'")
        elif name is not None and name in names:
            c.report((*p, "name"), f"duplicate source name {name!r}")
        if name is not None:
            names.add(name)
        kinds = [k for k in ("feed", "url", "path") if k in d]
        if len(kinds) != 1:
            c.report(p, "needs exactly one of 'feed', 'url' or 'path'"
                     + (f" (has {', '.join(kinds)})" if kinds else ""))
            continue
        kind = SourceKind(kinds[0])
        location = c.typed(d, p, kinds[0], str, None)
        if location is None:
            continue
        remote = bool(web_url(location)) or location.startswith("file:")
        if kind is not SourceKind.PATH and not remote:
            maybe = root / location
            if kind is SourceKind.FEED and maybe.exists():
                location = str(maybe.resolve())
            else:
                c.report((*p, kinds[0]), f"must be an http(s) URL, not {location!r}")
                continue
        elif web_url(location) and (problem := url_problem(location)):
            c.report((*p, kinds[0]), f"{problem}: {location!r}")
            continue
        publish_raw = c.typed(d, p, "publish", str, "full")
        try:
            publish = Publish(publish_raw)
        except ValueError:
            c.report((*p, "publish"), f"must be 'full' or 'excerpt', not {publish_raw!r}")
            publish = Publish.FULL
        if name is None:
            continue
        out.append(Source(
            name=name,
            kind=kind,
            location=location,
            publish=publish,
            respect_robots=c.typed(d, p, "respect_robots", bool, True),
            group=c.typed(d, p, "group", str, None),
            allow_private=c.typed(d, p, "allow_private", bool, True),
        ))
    return tuple(out)


def parse_config(text: str, path: Path) -> Config:
    """Validate a config text in full; raise one ConfigError listing every problem."""
    data, lines = load_yaml(text, path.name, ConfigError)
    checker = Checker(path.name, lines)
    top = checker.mapping(data, (), _TOP_KEYS)
    root = path.parent.resolve()
    site = _site(checker, top.get("site"))
    content = checker.typed(top, (), "content_dir", str, "content")
    state = checker.typed(top, (), "state_db", str, ".digest/state.sqlite")
    fetch = _fetch(checker, top.get("fetch"))
    sources = _sources(checker, top.get("sources"), root)
    if "tags" in top and top["tags"] is not None:
        taxonomy = parse_taxonomy(top["tags"], checker.report, ("tags",))
    else:
        taxonomy = default_taxonomy()
    if checker.problems:
        count = len(checker.problems)
        raise ConfigError(
            f"{path}: {count} problem{'s' if count > 1 else ''} in the configuration",
            checker.sorted_problems(),
        )
    return Config(
        root=root,
        path=path,
        site=site,
        content_dir=(root / content).resolve(),
        state_path=(root / state).resolve(),
        fetch=fetch,
        sources=sources,
        taxonomy=taxonomy,
    )


def load_config(path: Path | str = DEFAULT_CONFIG_NAME) -> Config:
    """Read and validate ``digest.yml``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; run 'digest init' to create a digest here, "
            "or pass --config PATH"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    return parse_config(text, path)
