"""The GitHub workflows: the scaffold's scheduled digest, the repository's copy of
it and the project's CI. Linted with actionlint and zizmor (offline), checked
for least privilege, and their shell steps run for real on a scaffolded digest."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from runner import Digest

from digest.cli.main import main
from digest.scaffold import workflow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name) or str(BIN / name)
    if not Path(found).exists():
        pytest.fail(f"{name} is not installed (the test extra installs it)")
    return found


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "news"
    result = CliRunner().invoke(main, ["init", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder


def _workflows(scaffolded: Path) -> dict[str, Path]:
    return {"scaffold": scaffolded / ".github/workflows/digest.yml",
            "repository-digest": ROOT / ".github/workflows/digest.yml",
            "repository-ci": ROOT / ".github/workflows/ci.yml"}


WHICH = ["scaffold", "repository-digest", "repository-ci"]


@pytest.mark.parametrize("which", WHICH)
def test_actionlint_finds_nothing(which: str, scaffolded: Path) -> None:
    path = _workflows(scaffolded)[which]
    run = subprocess.run([_tool("actionlint"), "-no-color", str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("which", WHICH)
def test_zizmor_finds_nothing(which: str, scaffolded: Path) -> None:
    path = _workflows(scaffolded)[which]
    run = subprocess.run([_tool("zizmor"), "--offline", "--no-progress", "--format", "plain",
                          "--color", "never", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No findings to report" in run.stdout, run.stdout


def test_the_repository_runs_the_scaffold_workflow_with_its_own_install() -> None:
    # One workflow, said once: the repository's demo installs itself instead of requirements.txt.
    expected = workflow("pyproject.toml", "python -m pip install -U pip\npython -m pip install .")
    assert (ROOT / ".github/workflows/digest.yml").read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("which", WHICH)
def test_actions_are_pinned_to_a_commit_with_its_version(which: str, scaffolded: Path) -> None:
    text = _workflows(scaffolded)[which].read_text(encoding="utf-8")
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (ref, comment)


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("which", WHICH)
def test_least_privilege(which: str, scaffolded: Path) -> None:
    data = _load(_workflows(scaffolded)[which])
    assert data["permissions"] == {}, "nothing at workflow level"
    writes = {}
    for name, job in data["jobs"].items():
        granted = job["permissions"]
        writes[name] = sorted(k for k, v in granted.items() if v == "write")
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
    if which == "repository-ci":
        assert all(not w for w in writes.values()), writes
    else:
        assert writes == {"fetch": ["contents"], "build": [], "deploy": ["id-token", "pages"]}
        assert data["jobs"]["build"]["needs"] == "fetch"
        assert data["jobs"]["deploy"]["needs"] == "build"


def _script(path: Path, job: str, step: str) -> str:
    [run] = [s["run"] for s in _load(path)["jobs"][job]["steps"] if s.get("name") == step]
    assert isinstance(run, str)
    return run


def _run_step(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # GitHub runs a `run:` step with `bash -e {0}`.
    full = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env}
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=full,
                          capture_output=True, text=True)


def test_the_install_step_refuses_the_placeholder(scaffolded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    shutil.copytree(scaffolded, folder)
    (folder / "requirements.txt").write_text("# mine\n<REPLACE-ME with the mkdigest requirement>\n",
                                             encoding="utf-8")
    script = _script(folder / ".github/workflows/digest.yml", "fetch", "Install digest")
    run = _run_step(script, folder, {})
    assert run.returncode == 1
    assert run.stdout.startswith("::error file=requirements.txt::"), run.stdout


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.mark.parametrize("pushed_meanwhile", [False, True], ids=["alone", "pushed-meanwhile"])
def test_a_failed_source_warns_and_the_good_articles_are_committed(
        scaffolded: Path, tmp_path: Path, pushed_meanwhile: bool) -> None:
    """The fetch job's Fetch and Commit steps, run on a checkout of a local 'origin'."""
    origin = tmp_path / "origin.git"
    _git("init", "-q", "--bare", "-b", "main", str(origin), cwd=tmp_path)
    folder = tmp_path / "news"
    shutil.copytree(scaffolded, folder)
    (folder / "feeds").mkdir()
    shutil.copy(ROOT / "examples/feeds/tech-policy.xml", folder / "feeds/good.xml")
    (folder / "feeds/broken.xml").write_text("not a feed\n", encoding="utf-8")
    config = folder / "digest.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        '  - name: "Example feed"\n    feed: "https://example.org/feed.xml"\n',
        '  - name: "Good"\n    feed: "feeds/good.xml"\n    publish: excerpt\n'
        '  - name: "Broken"\n    feed: "feeds/broken.xml"\n'), encoding="utf-8")
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    _git("init", "-q", "-b", "main", cwd=folder)
    _git("add", "-A", cwd=folder)
    _git(*ident, "commit", "-q", "-m", "init", cwd=folder)
    _git("push", "-q", str(origin), "main", cwd=folder)
    _git("remote", "add", "origin", str(origin), cwd=folder)
    path = folder / ".github/workflows/digest.yml"
    output = tmp_path / "github_output"
    env = {"GITHUB_OUTPUT": str(output), "GITHUB_TOKEN": "not-a-token",
           "GITHUB_REF": "refs/heads/main"}

    fetch = _run_step(_script(path, "fetch", "Fetch"), folder, env)
    assert fetch.returncode == 0, fetch.stdout + fetch.stderr
    assert "::warning title=digest fetch::" in fetch.stdout
    assert "Broken: failed" in fetch.stdout

    if pushed_meanwhile:  # the owner edits the site's title on GitHub during the run
        other = tmp_path / "other"
        _git("clone", "-q", str(origin), str(other), cwd=tmp_path)
        (other / "digest.yml").write_text("# edited\n" + config.read_text(encoding="utf-8"),
                                          encoding="utf-8")
        _git(*ident, "commit", "-q", "-am", "edit", cwd=other)
        _git("push", "-q", "origin", "main", cwd=other)

    commit = _run_step(_script(path, "fetch", "Commit new articles"), folder, env)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    pushed = _git("rev-parse", "main", cwd=origin)
    assert output.read_text(encoding="utf-8") == f"commit={pushed}\n"
    stored = _git("ls-tree", "-r", "--name-only", "main", "content/articles", cwd=origin)
    assert len(stored.splitlines()) == 4, stored
    # An excerpt-only source's texts are committed too, from outside content/.
    kept = _git("ls-tree", "-r", "--name-only", "main", "fulltext/articles", cwd=origin)
    assert kept.splitlines() == [f"fulltext/{p.removeprefix('content/')}"
                                 for p in stored.splitlines()]
    edited = _git("show", "main:digest.yml", cwd=origin).startswith("# edited")
    assert edited == pushed_meanwhile


def test_a_broken_config_fails_the_fetch_step(scaffolded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    shutil.copytree(scaffolded, folder)
    with (folder / "digest.yml").open("a", encoding="utf-8") as f:
        f.write("no_such_key: 1\n")
    script = _script(folder / ".github/workflows/digest.yml", "fetch", "Fetch")
    run = _run_step(script, folder, {})
    assert run.returncode == 2
    assert "::error title=digest fetch::digest fetch stopped with exit status 2" in run.stdout


def test_a_crash_exits_apart_from_a_failed_source(digest_in: Digest, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception exits 70, which the workflow's Fetch step treats as a failure."""
    import digest.ingest.pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    assert digest_in("init").exit_code == 0
    monkeypatch.setattr(digest.ingest.pipeline, "run_fetch", broken)
    result = digest_in("fetch")
    assert result.exit_code == 70
    assert "internal error: RuntimeError: a bug" in result.output
