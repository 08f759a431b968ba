"""Imports run one way: a stage never imports a later stage (read with ast).

The order is the pipeline's (docs/design/architecture.md): kernel modules, the
safe YAML loader (digest.schema), the tag rules (the config holds a taxonomy),
the config, the two input stages, the archive, ingest (which drives them), the
site, the commands around the archive, and the CLI on top. Packages of the same rank do not
import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "digest"
LAYERS: list[set[str]] = [
    {"digest.errors", "digest.model", "digest.escape"},
    {"digest.schema"},
    {"digest.tags"},
    {"digest.config"},
    {"digest.fetch", "digest.extract"},
    {"digest.archive"},
    {"digest.ingest"},
    {"digest.site"},
    {"digest.export", "digest.retag", "digest.scaffold", "digest.sources"},
    {"digest.cli"},
    {"digest.__main__"},
]


def _unit(module: str) -> str:
    """The layer unit a module belongs to: its stage package, or itself."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _rank(unit: str) -> int:
    for rank, units in enumerate(LAYERS):
        if unit in units:
            return rank
    raise AssertionError(f"{unit} is in no layer: add it to LAYERS and the design notes")


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        out.append((name, path))
    return out


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "digest" or name.startswith("digest.")}


@pytest.mark.parametrize(("module", "path"), _modules(), ids=lambda v: str(v))
def test_no_module_imports_a_later_stage(module: str, path: Path) -> None:
    if module == "digest":
        return
    here = _unit(module)
    for imported in sorted(_imports(path)):
        there = _unit(imported)
        if there == here or imported == "digest":
            continue
        assert _rank(there) < _rank(here), f"{module} imports {imported}"


def test_at_most_twelve_modules_sit_directly_in_the_package() -> None:
    flat = [p.name for p in PACKAGE.glob("*.py")]
    assert len(flat) <= 12, flat
