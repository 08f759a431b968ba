"""The typed configuration, loaded from ``digest.yml``.

The file is read with ``yaml.safe_load`` semantics, but through the node graph
so that every value keeps its line: validation reports *every* problem with
its key path and line at once, then the CLI exits with status 2.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from digest.errors import ConfigError
from digest.escape import web_url
from digest.model import Publish, Source, SourceKind
from digest.tags.rules import Taxonomy, default_taxonomy, parse_taxonomy

__all__ = ["DEFAULT_CONFIG_NAME", "Config", "FetchConfig", "SiteConfig", "load_config"]

log = logging.getLogger(__name__)

DEFAULT_CONFIG_NAME = "digest.yml"
KeyPath = tuple[str | int | float | bool, ...]
Report = Callable[[KeyPath, str], None]


@dataclass(frozen=True)
class SiteConfig:
    title: str = "Digest"
    url: str | None = None
    description: str = ""
    language: str = "en"
    page_size: int = 50  # articles per archive page
    home_days: int = 7  # how far back the home page's "this week" reaches
    search_bodies: bool = False  # index article bodies too (bigger search index)


@dataclass(frozen=True)
class FetchConfig:
    concurrency: int = 32
    per_host: int = 2
    timeout: float = 20.0  # seconds, connect and read
    total_timeout: float = 60.0  # seconds, the whole request including the body
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 3
    user_agent: str = "digest/0.1 (+https://github.com/digest-news/digest)"
    max_entries: int = 0  # per feed and run; 0 = no limit


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


# --- YAML with line numbers -------------------------------------------------


def _construct(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader("").construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool):
                key = str(key)
            out[key] = _construct(value_node, (*path, key), lines)
            lines.setdefault((*path, key), key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(child, (*path, i), lines) for i, child in enumerate(node.value)]
    return yaml.SafeLoader("").construct_object(node, deep=True)


def read_yaml_with_lines(text: str, name: str) -> tuple[Any, dict[KeyPath, int]]:
    """Parse YAML safely and return the data plus a key path → line map."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        # The context mark points at what was left open (an unclosed bracket),
        # which is where the user must look; the problem mark may be the end.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{name}:{where}: not valid YAML: {problem}") from None
    lines: dict[KeyPath, int] = {}
    if node is None:
        return {}, lines
    return _construct(node, (), lines), lines


# --- validation -------------------------------------------------------------


def _fmt(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class _Checker:
    """Collects problems instead of stopping at the first."""

    def __init__(self, name: str, lines: Mapping[KeyPath, int]) -> None:
        self.name = name
        self.lines = lines
        self.problems: list[tuple[int, str]] = []

    def report(self, path: KeyPath, message: str) -> None:
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        line = self.lines.get(probe)
        where = f"{self.name}:{line}" if line else self.name
        self.problems.append((line or 0, f"{where}: {_fmt(path)}: {message}"))

    def mapping(self, value: Any, path: KeyPath, known: set[str]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.report(path, f"must be a mapping, not {_type_name(value)}")
            return {}
        for key in value:
            if key not in known:
                hint = _suggest(key, known)
                extra = f" (did you mean {hint!r}?)" if hint else ""
                self.report((*path, key), "unknown key" + extra)
        return value

    def typed(self, data: Mapping[str, Any], path: KeyPath, key: str, kind: type | tuple[type, ...],
              default: Any) -> Any:
        if key not in data or data[key] is None:
            return default
        value = data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int to Python, never to a user writing "yes" for a number
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            names = " or ".join(k.__name__ for k in kinds)
            self.report((*path, key), f"must be {names}, not {_type_name(value)}")
            return default
        return value

    def positive(self, data: Mapping[str, Any], path: KeyPath, key: str, default: Any,
                 kind: type | tuple[type, ...] = int) -> Any:
        value = self.typed(data, path, key, kind, default)
        if value is not default and value <= 0:
            self.report((*path, key), f"must be greater than 0, not {value}")
            return default
        return value


def _type_name(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "empty"}
    return names.get(type(value), type(value).__name__)


def _suggest(key: Any, known: set[str]) -> str | None:
    import difflib

    match = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
    return match[0] if match else None


_TOP_KEYS = {"site", "content_dir", "state_db", "fetch", "sources", "tags"}
_SITE_KEYS = {"title", "url", "description", "language", "page_size", "home_days", "search_bodies"}
_FETCH_KEYS = {"concurrency", "per_host", "timeout", "total_timeout", "max_bytes", "retries",
               "user_agent", "max_entries"}
_SOURCE_KEYS = {"name", "feed", "url", "path", "publish", "respect_robots", "group"}


def _site(c: _Checker, raw: Any) -> SiteConfig:
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


def _fetch(c: _Checker, raw: Any) -> FetchConfig:
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
        timeout=float(c.positive(d, p, "timeout", b.timeout, (int, float))),
        total_timeout=float(c.positive(d, p, "total_timeout", b.total_timeout, (int, float))),
        max_bytes=c.positive(d, p, "max_bytes", b.max_bytes),
        retries=retries,
        user_agent=c.typed(d, p, "user_agent", str, b.user_agent),
        max_entries=max(0, max_entries),
    )


def _sources(c: _Checker, raw: Any, root: Path) -> tuple[Source, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.report(("sources",), f"must be a list, not {_type_name(raw)}")
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
        ))
    return tuple(out)


def parse_config(text: str, path: Path) -> Config:
    """Validate a config text in full; raise one ConfigError listing every problem."""
    data, lines = read_yaml_with_lines(text, path.name)
    checker = _Checker(path.name, lines)
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
            tuple(text for _, text in sorted(checker.problems, key=lambda p: p[0])),
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
