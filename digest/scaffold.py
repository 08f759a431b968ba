"""``digest init``: lay out a new digest from the packaged templates."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from digest.archive.files import atomic_write
from digest.errors import DigestError
from digest.tags.rules import default_taxonomy_yaml

__all__ = ["scaffold"]

log = logging.getLogger(__name__)

_INDEX = """\
# {title}

This page is replaced by `digest build` with the latest articles.
Run `digest fetch` and then `digest build`.
"""


def _template(name: str) -> str:
    return (resources.files("digest") / "data" / "scaffold" / name).read_text(encoding="utf-8")


def _files() -> dict[str, str]:
    taxonomy = "".join(
        f"  {line}\n" if line.strip() else "\n" for line in default_taxonomy_yaml().splitlines()
    )
    workflow = (_template("workflow.yml")
                .replace("__DEPS__", "requirements.txt")
                .replace("__INSTALL__", "python -m pip install -r requirements.txt"))
    return {
        "digest.yml": _template("digest.yml") + taxonomy,
        "mkdocs.yml": _template("mkdocs.yml"),
        "content/index.md": _INDEX.format(title="My Digest"),
        ".github/workflows/digest.yml": workflow,
        "requirements.txt": _template("requirements.txt"),
        ".gitignore": _template("gitignore"),
    }


def scaffold(directory: Path) -> list[Path]:
    """Create the files of a new digest; refuse if any of them exists."""
    files = _files()
    existing = [directory / rel for rel in files if (directory / rel).exists()]
    if existing:
        names = ", ".join(str(p) for p in existing)
        raise DigestError(f"{directory}: not overwriting existing file(s): {names}")
    created = []
    for rel, text in files.items():
        path = directory / rel
        atomic_write(path, text)
        created.append(path)
    return created
