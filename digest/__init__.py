"""digest: news feeds and pages into a clean, tagged Markdown archive and a searchable site."""

from __future__ import annotations

import functools

__all__ = ["DISTRIBUTION", "__version__", "project_url", "user_agent"]

__version__ = "0.1.0"

# The name pip knows this project by ("digest" on PyPI is an unrelated checksum tool).
DISTRIBUTION = "mkdigest"


@functools.cache
def project_url() -> str:
    """This project's address: the "Homepage" of ``[project.urls]`` in pyproject.toml.

    Read from the installed metadata so that pyproject.toml stays the one place
    it is written; the PyPI page stands in when digest runs uninstalled.
    """
    from importlib import metadata

    try:
        urls = metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() == "homepage":
            return url.strip()
    return f"https://pypi.org/project/{DISTRIBUTION}/"


def user_agent() -> str:
    """How digest names itself to the sites it fetches: version and where to read about it."""
    return f"digest/{__version__} (+{project_url()})"
