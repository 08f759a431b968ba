"""The documentation stays usable: a short README, no broken links, every command listed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted([README, ROOT / "CONTRIBUTING.md", *(ROOT / "docs").rglob("*.md")])

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _prose(text: str) -> str:
    """The Markdown without code, where brackets and parentheses are not links."""
    return _CODE.sub("", _FENCE.sub("", text))


def _targets(text: str) -> list[str]:
    prose = _prose(text)
    return _LINK.findall(prose) + _REFERENCE.findall(prose)


def _anchors(path: Path) -> set[str]:
    """Heading ids as GitHub makes them: lower case, punctuation dropped, spaces to '-'."""
    seen: dict[str, int] = {}
    out = set()
    for heading in _HEADING.findall(_FENCE.sub("", path.read_text(encoding="utf-8"))):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its words
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.add(slug if count == 0 else f"{slug}-{count}")
    return out


def _relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files_that_exist(doc: Path) -> None:
    broken = []
    for target in _targets(doc.read_text(encoding="utf-8")):
        if not _relative(target):
            continue
        path_part, _, anchor = target.partition("#")
        path = (doc.parent / path_part).resolve() if path_part else doc
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target}: no heading with that anchor in {path.name}")
    assert not broken, f"{doc.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_link_checker_sees_broken_links(tmp_path: Path) -> None:
    (tmp_path / "there.md").write_text("# A heading: with `code`\n", encoding="utf-8")
    doc = tmp_path / "doc.md"
    doc.write_text(
        "[ok](there.md) [ok](there.md#a-heading-with-code) [web](https://example.org/x)\n"
        "[gone](missing.md) [bad anchor](there.md#nope)\n"
        "`[not a link](in-code.md)`\n\n```\n[not a link](in-fence.md)\n```\n",
        encoding="utf-8",
    )
    targets = [t for t in _targets(doc.read_text(encoding="utf-8")) if _relative(t)]
    assert targets == ["there.md", "there.md#a-heading-with-code", "missing.md", "there.md#nope"]
    assert _anchors(tmp_path / "there.md") == {"a-heading-with-code"}


def test_readme_is_at_most_12_kb() -> None:
    size = len(README.read_bytes())
    assert size <= 12 * 1024, f"README.md is {size} bytes; move detail into docs/"


def _command_table(text: str) -> str:
    """The rows of the table under the README's "Commands" heading."""
    section = text.split("\n## Commands", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("|"))


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_is_in_the_readme_table(name: str) -> None:
    table = _command_table(README.read_text(encoding="utf-8"))
    first_cells = [re.split(r"(?<!\\)\|", row)[1] for row in table.splitlines()[2:]]
    assert any(re.search(rf"`digest {re.escape(name)}\b", cell) for cell in first_cells), (
        f"'digest {name}' is missing from the README's command table"
    )
