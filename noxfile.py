"""Tasks for digest. `nox` alone runs the tests and the linters.

Every session upgrades pip first: the pip that ships with Python 3.11 fails
to install lxml[html-clean], which trafilatura needs.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"


def _install(session: nox.Session, *extras: str) -> None:
    session.install("-U", "pip")
    spec = f".[{','.join(extras)}]" if extras else "."
    session.install(spec)


@nox.session(python=PYTHON)
def site(session: nox.Session) -> None:
    """Build the demo digest from the offline samples in examples/ into site/."""
    _install(session)
    session.run("digest", "fetch")
    session.run("digest", "build")
    session.log("open site/index.html, or: python -m http.server -d site")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (the browser tests need Debian's chromium package)."""
    _install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (style, imports, bugs), mypy --strict (digest/ and tests/) and vulture (dead code).

    The test extras are installed too: mypy reads the tests' imports (pytest, Playwright).
    """
    _install(session, "test", "lint")
    session.run("ruff", "check", "digest", "tests", "benchmarks", "noxfile.py")
    session.run("mypy")
    session.run("vulture")


@nox.session(python=PYTHON, default=False)
def build(session: nox.Session) -> None:
    """The release files: sdist and wheel into dist/, checked by twine (README renders, metadata).

    Publish them with: twine upload dist/*
    """
    import shutil

    session.install("-U", "pip")
    session.install("build", "twine")
    shutil.rmtree("dist", ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", "dist")
    session.run("twine", "check", "--strict", *(str(p) for p in Path("dist").iterdir()))


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks beside their baselines: extraction, fetch overhead, tagging, fetching, site.

    Pass names to run a subset: nox -s bench -- extraction tagging
    """
    _install(session, "test")
    chosen = session.posargs or ["extraction", "overhead", "tagging", "fetch", "site"]
    for name in chosen:
        session.run("python", f"benchmarks/{name}.py")


@nox.session(python=PYTHON, default=False)
def zensical(session: nox.Session) -> None:
    """Build the demo site with Zensical, Material's successor (migration check; non-blocking)."""
    _install(session)
    session.install("zensical")
    session.run("digest", "fetch", success_codes=[0, 1])
    session.run("python", "-c", "from digest.config import load_config; "
                "from digest.site import generate; from digest.archive.store import Archive; "
                "c = load_config(); generate(c, Archive(c.content_dir, c.state_path))")
    session.run("zensical", "build", "--clean", success_codes=[0, 1])


@nox.session(python=PYTHON, default=False)
def fuzz(session: nox.Session) -> None:
    """Fuzz the parsers (extraction, Markdown, feeds, OPML, URLs, dates, digest.yml, front
    matter) with atheris for a fixed budget.

    Budget per target in seconds: nox -s fuzz -- 120 (default 60). Crashes
    land in fuzz/crashes/; turn each into tests/fixtures/fuzz/ + a fix.
    """
    import shutil
    import tempfile

    _install(session)
    session.install("atheris")
    budget = session.posargs[0] if session.posargs else "60"
    crashes = Path("fuzz/crashes").resolve()
    crashes.mkdir(parents=True, exist_ok=True)
    # Seeds: the project's own sample pages and feeds, plus small extra ones.
    seeds = {
        "extract": ["tests/fixtures/seed/page.html", "tests/fixtures/seed/page.txt"],
        "markdown": ["examples/pages/rednote-zh.html"],
        "feed": ["examples/feeds/tech-policy.xml"],
    }
    for target in ("extract", "markdown", "feed", "opml", "misc", "urls", "dates", "config",
                   "frontmatter"):
        work = Path(tempfile.mkdtemp(prefix=f"fuzz-{target}-"))
        corpus = work / "corpus"
        corpus.mkdir()
        for extra in Path("fuzz/corpus", target).glob("*"):
            shutil.copy(extra, corpus)
        for seed in seeds.get(target, []):
            shutil.copy(seed, corpus)
        session.run("python", "fuzz/fuzz_targets.py", target, f"-max_total_time={budget}",
                    "-rss_limit_mb=4096", "-timeout=20", f"-artifact_prefix={crashes}/{target}-",
                    str(corpus))
