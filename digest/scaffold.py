"""``digest init``: lay out a new digest from the packaged templates.

The scheduled workflow installs what the new ``requirements.txt`` names, so
init writes there how this digest itself was installed, as pip recorded it
(PEP 610, ``direct_url.json``): a VCS URL at its commit, or an index version.
A local folder or file is nothing a GitHub runner can reach: then the line is
a marked placeholder that fails the workflow, and the terminal says how to fix it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from digest import DISTRIBUTION, project_url
from digest.archive.files import atomic_write
from digest.errors import DigestError
from digest.tags.rules import default_taxonomy_yaml

__all__ = ["InstallLine", "Scaffold", "install_line", "scaffold", "workflow"]

# Marks the requirement line a user must write; the scaffold's workflow refuses to run on it.
PLACEHOLDER = "REPLACE-ME"

_INDEX = """\
# {title}

This page is replaced by `digest build` with the latest articles.
Run `digest fetch` and then `digest build`.
"""


@dataclass(frozen=True)
class InstallLine:
    """The requirements.txt line for this digest, and what the user must know about it."""

    requirement: str
    problem: str | None = None  # why a runner may not install it; None when it will


def _example() -> str:
    from digest import __version__

    return f"{DISTRIBUTION} @ git+{project_url()}@v{__version__}"


def _placeholder(where: str) -> InstallLine:
    problem = (f"requirements.txt holds a placeholder: digest was installed from {where}, "
               f"which a GitHub runner cannot reach. Write where the runner installs digest "
               f"from, e.g.:\n    echo '{_example()}' > requirements.txt")
    lines = (f"# {PLACEHOLDER}: digest init ran from a local install, which a GitHub runner\n"
             f"# cannot reach. Replace the next line with where the runner installs digest\n"
             f"# from, e.g.\n"
             f"#   {_example()}\n"
             f"<{PLACEHOLDER} with the {DISTRIBUTION} requirement, see the comment above>")
    return InstallLine(lines, problem)


def _local(url: str) -> str:
    return url2pathname(urlsplit(url).path)


def install_line(dist: metadata.Distribution | None) -> InstallLine:
    """How to install `dist` again elsewhere, from its PEP 610 record.

    `dist` is the installed distribution (None when digest runs uninstalled).
    """
    if dist is None:
        return _placeholder("a source folder without installing it")
    raw = dist.read_text("direct_url.json")
    if raw is None:  # from an index: the name and version say it all
        return InstallLine(f"{DISTRIBUTION}=={dist.version}")
    try:
        record = json.loads(raw)
        url = record["url"]
        if not isinstance(url, str):
            raise TypeError(url)
    except (ValueError, KeyError, TypeError):
        return _placeholder("a place its install record (direct_url.json) does not say")
    subdirectory = record.get("subdirectory")
    fragment = f"#subdirectory={subdirectory}" if isinstance(subdirectory, str) else ""
    vcs = record.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id"):
        line = f"{DISTRIBUTION} @ {vcs['vcs']}+{url}@{vcs['commit_id']}{fragment}"
        if urlsplit(url).scheme in ("https", "http"):
            return InstallLine(line)
        return InstallLine(line, f"requirements.txt installs digest from {url}, which a GitHub "
                                 f"runner cannot reach; for the workflow write a repository it "
                                 f"can clone, e.g.:\n    echo '{_example()}' > requirements.txt")
    if isinstance(record.get("archive_info"), dict):
        if urlsplit(url).scheme == "file":
            return _placeholder(f"the local file {_local(url)}")
        hashes = record["archive_info"].get("hashes")
        if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
            url = f"{url}#sha256={hashes['sha256']}"
        return InstallLine(f"{DISTRIBUTION} @ {url}")
    return _placeholder(f"the local folder {_local(url)}")


def _installed() -> metadata.Distribution | None:
    # An installer's record first: a build leaves a stale mkdigest.egg-info in the source tree.
    found = list(metadata.distributions(name=DISTRIBUTION))
    installed = [d for d in found if d.read_text("INSTALLER") is not None]
    return next(iter(installed or found), None)


def _template(name: str) -> str:
    return (resources.files("digest") / "data" / "scaffold" / name).read_text(encoding="utf-8")


def workflow(deps: str, install: str) -> str:
    """The scheduled workflow, caching pip on `deps` and installing with `install` (shell lines).

    The repository's own .github/workflows/digest.yml is this with its own install.
    """
    indent = "\n" + " " * 10
    return (_template("workflow.yml")
            .replace("__DEPS__", deps)
            .replace("__INSTALL__", indent.join(install.strip().splitlines())))


_SCAFFOLD_INSTALL = f"""\
if grep -q '^<{PLACEHOLDER}' requirements.txt; then
  echo "::error file=requirements.txt::write where digest is installed from (see its comments)"
  exit 1
fi
python -m pip install -U pip
python -m pip install -r requirements.txt
"""


def _files(line: InstallLine) -> dict[str, str]:
    taxonomy = "".join(
        f"  {line}\n" if line.strip() else "\n" for line in default_taxonomy_yaml().splitlines()
    )
    return {
        "digest.yml": _template("digest.yml") + taxonomy,
        "mkdocs.yml": _template("mkdocs.yml"),
        "content/index.md": _INDEX.format(title="My Digest"),
        ".github/workflows/digest.yml": workflow("requirements.txt", _SCAFFOLD_INSTALL),
        "requirements.txt": _template("requirements.txt").replace("__REQUIREMENT__",
                                                                  line.requirement),
        ".gitignore": _template("gitignore"),
    }


@dataclass(frozen=True)
class Scaffold:
    created: list[Path]
    problem: str | None  # what the user must fix in requirements.txt, if anything


def scaffold(directory: Path) -> Scaffold:
    """Create the files of a new digest; refuse if any of them exists."""
    line = install_line(_installed())
    files = _files(line)
    existing = [directory / rel for rel in files if (directory / rel).exists()]
    if existing:
        names = ", ".join(str(p) for p in existing)
        raise DigestError(f"{directory}: not overwriting existing file(s): {names}")
    created = []
    for rel, text in files.items():
        path = directory / rel
        atomic_write(path, text)
        created.append(path)
    return Scaffold(created, line.problem)
