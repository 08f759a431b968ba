"""Adding sources to digest.yml without losing the user's comments and layout.

The new entries are inserted as text at the end of the top-level ``sources:``
list (or a new list is appended), and the result is validated before the file
is replaced atomically, so a bad import never leaves a broken config behind.

An OPML file is as untrusted as a feed: a feed in it at a loopback or private
address (the machine itself, the office network) is added with
``allow_private: false``, so that digest does not fetch it until the user
confirms it by setting that key to true.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import yaml

from digest.archive.files import atomic_write
from digest.config import Config, parse_config
from digest.errors import SourceError
from digest.fetch.addresses import non_public_hosts
from digest.fetch.opml import import_opml
from digest.fetch.urls import host_of
from digest.model import Source

__all__ = ["add_sources_to_config", "import_opml_into_config"]


def _entry_text(source: Source) -> str:
    item: dict[str, str | bool] = {"name": source.name, source.kind.value: source.location}
    if source.group:
        item["group"] = source.group
    if not source.allow_private:
        item["allow_private"] = False
    text = yaml.safe_dump([item], allow_unicode=True, sort_keys=False, width=1_000_000)
    lines = [f"  {line}" for line in text.splitlines()]
    if not source.allow_private:
        lines.insert(0, "  # at a non-public address: set allow_private: true to fetch it")
    return "".join(f"{line}\n" for line in lines)


def add_sources_to_config(config: Config, new: list[Source]) -> tuple[int, int]:
    """Append sources whose location and name are not configured yet."""
    locations = {s.location for s in config.sources}
    names = {s.name for s in config.sources}
    added: list[Source] = []
    skipped = 0
    for source in new:
        if source.location in locations:
            skipped += 1
            continue
        name, n = source.name, 2
        while name in names:
            name, n = f"{source.name} ({n})", n + 1
        source = replace(source, name=name)
        names.add(name)
        locations.add(source.location)
        added.append(source)
    if not added:
        return 0, skipped
    text = config.path.read_text(encoding="utf-8")
    block = "".join(_entry_text(s) for s in added)
    match = re.search(r"^sources:[ \t]*(\[\s*\])?[ \t]*(#.*)?$", text, flags=re.MULTILINE)
    if match is None:
        text = text.rstrip("\n") + "\n\nsources:\n" + block
    else:
        start = match.end()
        if match.group(1):  # "sources: []"
            text = text[: match.start()] + "sources:\n" + block + text[start:].lstrip("\n")
        else:
            nxt = re.search(r"^[^\s#-]", text[start + 1:], flags=re.MULTILINE)
            end = len(text) if nxt is None else start + 1 + nxt.start()
            body = text[start:end].rstrip("\n")
            # keep trailing comments of the block where they were
            text = text[:start] + body + "\n" + block + ("\n" + text[end:] if nxt else "")
    parse_config(text, config.path)  # never write a config that would not load
    atomic_write(config.path, text)
    return len(added), skipped


def import_opml_into_config(config: Config, opml: Path) -> tuple[int, int, list[str]]:
    """Add an OPML file's feeds: (added, skipped as already configured, warnings).

    Each warning is one line naming a feed added with ``allow_private: false``.
    """
    try:
        data = opml.read_bytes()
    except OSError as exc:
        raise SourceError(f"{opml}: cannot be read: {exc.strerror or exc}") from None
    try:
        everything = import_opml(data)
    except SourceError as exc:
        raise SourceError(f"{opml}: {exc}") from None
    private = non_public_hosts(host_of(s.location) for s in everything)
    marked = [replace(s, allow_private=False) if host_of(s.location) in private else s
              for s in everything]
    known = {s.location for s in config.sources}
    warnings = [f"{s.name}: {s.location}: {private[host_of(s.location)]}; added with "
                "allow_private: false (set it to true in digest.yml to fetch this feed)"
                for s in marked if not s.allow_private and s.location not in known]
    added, skipped = add_sources_to_config(config, marked)
    return added, skipped, warnings
