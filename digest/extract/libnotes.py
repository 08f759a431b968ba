"""Quiet the extraction libraries' notes about single pages.

trafilatura and htmldate log, at WARNING, what is routine for a page
("discarding data: None" when a page has no body, "missing link attribute"
for an ``<a>`` without ``href``, an unparsable date string). Our own
extractor reports what matters about a page in one line of its own, so
these notes are demoted to DEBUG on the library's own logger: they show
with ``-v``, and the library's other warnings (a missing dependency, a
misused setting) still show as warnings.
"""

from __future__ import annotations

import logging

__all__ = ["quiet_library_notes"]

# Message templates, exactly as the libraries pass them to the logger.
_NOTES: dict[str, frozenset[str]] = {
    "trafilatura.core": frozenset({
        "discarding data: %s", "recall retry failed: %s %s", "justext candidate failed: %s %s",
        "blacklisted URL: %s", "empty HTML tree: %s", "no metadata: %s",
        "wrong HTML meta language: %s",
    }),
    "trafilatura.xml": frozenset({"missing link attribute: %s %s'", "empty link: %s %s"}),
    "trafilatura.metadata": frozenset({"error in JSON metadata extraction: %s"}),
    "trafilatura.external": frozenset({"readability_lxml failed: %s", "justext %s %s"}),
    "trafilatura.utils": frozenset({"wrong language: %s %s", "wrong encoding detected: %s"}),
    "htmldate.validators": frozenset({
        "invalid datetime string: %s", "value error during conversion: %s %s",
    }),
    "htmldate.extractors": frozenset({"external parser error: %s %s"}),
    "htmldate.utils": frozenset({"wrong encoding detected: %s"}),
}  # fmt: skip


class _Demote(logging.Filter):
    """Turns the known per-page notes of one logger into DEBUG records."""

    def __init__(self, notes: frozenset[str]) -> None:
        super().__init__()
        self.notes = notes

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.DEBUG and record.msg in self.notes:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def quiet_library_notes() -> None:
    """Install the demotion on each library logger (once per process)."""
    for name, notes in _NOTES.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Demote) for f in logger.filters):
            logger.addFilter(_Demote(notes))
