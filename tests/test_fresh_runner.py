"""What a fresh GitHub runner does with a new digest, played on this machine.

Install the project from a git repository, scaffold a digest with it, then in a
second, empty environment install exactly what the scaffold's requirements.txt
says and fetch and build there. Both environments share pip's cache, and the
wheel built from the pinned commit is reused by the second install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from digest import DISTRIBUTION, __version__, project_url

ROOT = Path(__file__).resolve().parent.parent
# What a wheel is built from; the rest of the repository (tests, benchmarks) is not needed.
SOURCE = ["pyproject.toml", "README.md", "LICENSE", "digest"]


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    assert run.returncode == 0, f"{args}: exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    return run


def _repository(where: Path) -> tuple[Path, str]:
    """A git repository holding a commit of the working tree's package; its path and commit."""
    where.mkdir()
    for name in SOURCE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, where / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(source, where / name)
    ident = ["-c", "user.name=test", "-c", "user.email=test@example.org"]
    _run("git", "init", "-q", cwd=where)
    _run("git", "add", "-A", cwd=where)
    _run("git", *ident, "commit", "-q", "-m", "snapshot", cwd=where)
    return where, _run("git", "rev-parse", "HEAD", cwd=where).stdout.strip()


def _venv(path: Path) -> Path:
    """An empty virtual environment; this test's pip installs into it (pip --python)."""
    _run(sys.executable, "-m", "venv", "--without-pip", path)
    return path / "bin"


def _pip_install(venv: Path, *args: str) -> None:
    _run(sys.executable, "-m", "pip", "--python", venv / "python", "install", "-q", "--no-compile", *args)


@pytest.mark.slow
def test_a_fresh_runner_installs_this_project_from_the_scaffold(tmp_path: Path) -> None:
    repo, commit = _repository(tmp_path / "repo")
    first = _venv(tmp_path / "first")
    _pip_install(first, f"{DISTRIBUTION} @ git+file://{repo}@{commit}")

    init = _run(first / "digest", "init", "news", cwd=tmp_path)
    folder = tmp_path / "news"
    requirement = (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1]
    assert requirement == f"{DISTRIBUTION} @ git+file://{repo}@{commit}"
    assert "cannot reach" in init.stderr  # a file:// repository is not the runner's to clone

    second = _venv(tmp_path / "second")
    _pip_install(second, "-r", str(folder / "requirements.txt"))
    version = _run(second / "digest", "--version")
    assert version.stdout.strip() == f"digest ({DISTRIBUTION}) {__version__}"

    (folder / "feeds").mkdir()
    shutil.copy(ROOT / "examples/feeds/tech-policy.xml", folder / "feeds/sample.xml")
    config = folder / "digest.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'feed: "https://example.org/feed.xml"', 'feed: "feeds/sample.xml"'), encoding="utf-8")
    fetch = _run(second / "digest", "fetch", cwd=folder)
    assert "4 new" in fetch.stdout, fetch.stdout
    _run(second / "digest", "build", cwd=folder)

    site = folder / "site"
    assert "Senate panel advances bill" in (site / "index.html").read_text(encoding="utf-8")
    atom = ElementTree.parse(site / "feeds/atom.xml").getroot()
    generator = atom.find("{http://www.w3.org/2005/Atom}generator")
    assert generator is not None and generator.get("uri") == project_url()
    # The digest that ran is this project's, installed in the second environment.
    shown = _run(second / "python", "-I", "-c", "import digest, importlib.metadata as m; "
                 "print(digest.__file__); print(m.version('mkdigest'))").stdout.split()
    assert shown[0].startswith(str(tmp_path / "second")) and shown[1] == __version__
