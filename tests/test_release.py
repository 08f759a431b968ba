"""The release metadata: the distribution's own name, an SPDX licence, the version
`digest --version` shows, and one project address behind every "this project" link."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path
from xml.etree import ElementTree

from click.testing import CliRunner

from digest import DISTRIBUTION, __version__, project_url
from digest.archive.store import Archive
from digest.cli.main import main
from digest.config import load_config
from digest.site import generate

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_distribution_is_mkdigest_with_an_spdx_licence() -> None:
    assert PYPROJECT["name"] == DISTRIBUTION == "mkdigest"
    assert PYPROJECT["license"] == "MIT"  # an SPDX expression, not the deprecated table
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert PYPROJECT["dynamic"] == ["version"]  # read from digest.__version__, said once
    assert PYPROJECT["scripts"] == {"digest": "digest.cli:main"}


def test_version_names_the_distribution_and_its_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"digest (mkdigest) {__version__}\n"
    assert metadata.version(DISTRIBUTION) == __version__


def test_the_project_address_comes_from_pyproject() -> None:
    assert project_url() == PYPROJECT["urls"]["Homepage"]


def test_the_demo_about_page_links_to_this_project() -> None:
    text = (ROOT / "content/about.md").read_text(encoding="utf-8")
    assert re.findall(r"\[digest\]\(([^)]+)\)", text) == [project_url()]


def test_a_new_digest_credits_this_project(tmp_path: Path) -> None:
    """The default About page and the Atom feed's generator name this project's address."""
    assert CliRunner().invoke(main, ["init", str(tmp_path)]).exit_code == 0
    config = load_config(tmp_path / "digest.yml")
    archive = Archive(config.content_dir, config.state_path)
    try:
        generate(config, archive)
    finally:
        archive.close()
    about = (tmp_path / "content/about.md").read_text(encoding="utf-8")
    assert f"[digest]({project_url()})" in about
    atom = ElementTree.parse(tmp_path / "content/feeds/atom.xml").getroot()
    generator = atom.find("{http://www.w3.org/2005/Atom}generator")
    assert generator is not None and generator.get("uri") == project_url()
