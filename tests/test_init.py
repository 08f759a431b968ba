"""`digest init` scaffolds a working digest, never overwrites a file, and writes
an install line that reproduces how this digest was installed (PEP 610)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from runner import Digest

from digest import __version__, project_url
from digest.config import load_config
from digest.scaffold import install_line

SHA = "0123456789abcdef0123456789abcdef01234567"
PLACEHOLDER = "<REPLACE-ME"


def test_init_creates_a_digest_that_loads(digest_in: Digest, tmp_path: Path) -> None:
    result = digest_in("init", "news")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "news"
    for rel in ["digest.yml", "mkdocs.yml", "content/index.md", ".github/workflows/digest.yml",
                ".gitignore", "requirements.txt"]:
        assert (folder / rel).is_file(), rel
    config = load_config(folder / "digest.yml")
    assert [t.name for t in config.taxonomy.tags] == [
        "platform-policy", "us-china", "social-media", "ai", "privacy-security", "trade-economy"]
    text = (folder / "digest.yml").read_text(encoding="utf-8")
    for kind in ("feed:", "url:", "path:"):
        assert kind in text, f"an example of a {kind} source"


def test_init_refuses_to_overwrite(digest_in: Digest, tmp_path: Path) -> None:
    (tmp_path / "digest.yml").write_text("# mine\n", encoding="utf-8")
    result = digest_in("init")
    assert result.exit_code == 1
    assert "not overwriting existing file(s)" in result.output
    assert (tmp_path / "digest.yml").read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / "mkdocs.yml").exists()


def test_init_from_an_editable_install_writes_a_placeholder_and_says_how_to_fix_it(
        digest_in: Digest, tmp_path: Path) -> None:
    # The test environment holds digest as `pip install [-e] .`: a local folder.
    [dist] = [d for d in metadata.distributions(name="mkdigest") if d.read_text("INSTALLER")]
    assert "dir_info" in json.loads(dist.read_text("direct_url.json") or "{}")
    result = digest_in("init", "news")
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "news/requirements.txt").read_text(encoding="utf-8").splitlines()
    assert lines[-1].startswith(PLACEHOLDER)
    fix = f"echo 'mkdigest @ git+{project_url()}@v{__version__}' > requirements.txt"
    assert "cannot reach" in result.output and fix in result.output
    assert f"#   mkdigest @ git+{project_url()}@v{__version__}" in lines


def _dist(tmp_path: Path, direct_url: object | None) -> metadata.Distribution:
    """A real installed-distribution record, as pip leaves it in site-packages."""
    info = tmp_path / f"mkdigest-{__version__}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.4\nName: mkdigest\nVersion: {__version__}\n",
                                   encoding="utf-8")
    if direct_url is not None:
        text = direct_url if isinstance(direct_url, str) else json.dumps(direct_url)
        (info / "direct_url.json").write_text(text, encoding="utf-8")
    [dist] = metadata.distributions(path=[str(tmp_path)])
    return dist


@pytest.mark.parametrize(("record", "requirement"), [
    (None, f"mkdigest=={__version__}"),
    ({"url": "https://github.com/me/digest", "vcs_info": {"vcs": "git", "commit_id": SHA,
                                                          "requested_revision": "main"}},
     f"mkdigest @ git+https://github.com/me/digest@{SHA}"),
    ({"url": "https://github.com/me/mono", "subdirectory": "tools/digest",
      "vcs_info": {"vcs": "git", "commit_id": SHA}},
     f"mkdigest @ git+https://github.com/me/mono@{SHA}#subdirectory=tools/digest"),
    ({"url": "https://files.example.org/mkdigest-0.1.0-py3-none-any.whl",
      "archive_info": {"hashes": {"sha256": "ab" * 32}}},
     f"mkdigest @ https://files.example.org/mkdigest-0.1.0-py3-none-any.whl#sha256={'ab' * 32}"),
], ids=["index", "git", "git-subdirectory", "wheel-url"])
def test_install_line_reproduces_the_install(tmp_path: Path, record: object,
                                             requirement: str) -> None:
    line = install_line(_dist(tmp_path, record))
    assert line.requirement == requirement
    assert line.problem is None


def test_a_local_git_repository_is_exact_but_the_runner_is_warned(tmp_path: Path) -> None:
    record = {"url": "file:///home/me/digest", "vcs_info": {"vcs": "git", "commit_id": SHA}}
    line = install_line(_dist(tmp_path, record))
    assert line.requirement == f"mkdigest @ git+file:///home/me/digest@{SHA}"
    assert line.problem and "file:///home/me/digest" in line.problem
    assert "cannot reach" in line.problem


@pytest.mark.parametrize(("record", "where"), [
    ({"url": "file:///home/me/digest", "dir_info": {"editable": True}}, "/home/me/digest"),
    ({"url": "file:///home/me/digest", "dir_info": {}}, "/home/me/digest"),
    ({"url": "file:///tmp/mkdigest-0.1.0-py3-none-any.whl", "archive_info": {}},
     "/tmp/mkdigest-0.1.0-py3-none-any.whl"),
    ("{not json", "does not say"),
], ids=["editable", "folder", "local-wheel", "unreadable-record"])
def test_a_local_install_gets_a_placeholder_pip_refuses(tmp_path: Path, record: object,
                                                        where: str) -> None:
    line = install_line(_dist(tmp_path, record))
    assert line.requirement.splitlines()[-1].startswith(PLACEHOLDER)
    assert line.problem and where in line.problem and "> requirements.txt" in line.problem
    # Not a name pip could look up on an index: the install fails at once, naming the line.
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(line.requirement + "\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index",
                          "-r", str(requirements)], capture_output=True, text=True)
    assert run.returncode != 0
    assert "Invalid requirement" in run.stderr and "REPLACE-ME" in run.stderr


def test_an_uninstalled_digest_gets_a_placeholder() -> None:
    line = install_line(None)
    assert line.requirement.splitlines()[-1].startswith(PLACEHOLDER)
    assert line.problem and "source folder" in line.problem
