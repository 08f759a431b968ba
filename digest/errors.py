"""The exceptions digest raises on purpose.

Every error a user can meet is a ``DigestError`` whose message names what
failed and why; the CLI prints it on one line and exits non-zero.

    DigestError
    ├── ConfigError        digest.yml is missing or invalid (exit 2)
    ├── SourceError        a source could not be read: network, HTTP status,
    │   │                  not a feed, not HTML, too big, refused address
    │   └── FetchError     the HTTP layer gave up on one URL
    ├── ExtractError       a page held no article that could be extracted
    ├── StoreError         the archive could not be read or written
    ├── LockError          another digest run holds the archive's lock
    └── TagInputError      a line of a ``tags classify`` input is unusable
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DigestError",
    "ExtractError",
    "FetchError",
    "LockError",
    "SourceError",
    "StoreError",
    "TagInputError",
]


class DigestError(Exception):
    """Base of every error digest reports to the user."""

    exit_code = 1


class ConfigError(DigestError):
    """The configuration file is missing or invalid."""

    exit_code = 2

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class SourceError(DigestError):
    """A source (feed, page, file) could not be read."""


class FetchError(SourceError):
    """An HTTP request failed for good (after any retries)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class ExtractError(DigestError):
    """A page held no article body that could be extracted."""


class StoreError(DigestError):
    """The archive or its state database could not be read or written."""


class LockError(DigestError):
    """Another digest process holds the archive's lock."""


class TagInputError(DigestError):
    """A line of a ``tags classify`` input file is not a usable article."""
