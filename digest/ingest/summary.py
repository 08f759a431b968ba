"""What a run reports: one line per source, counts kept, the first few failures."""

from __future__ import annotations

import logging
from dataclasses import dataclass

__all__ = ["RunSummary", "SourceSummary", "Tally"]

log = logging.getLogger(__name__)

_MAX_ERRORS_SHOWN = 3


@dataclass(frozen=True)
class SourceSummary:
    """What one source gave in one run."""

    name: str
    new: int = 0
    existing: int = 0  # already stored (or merged into a stored copy of the story)
    failed: int = 0
    errors: tuple[str, ...] = ()  # the first few failure messages (each one is logged)
    unchanged: bool = False  # the feed answered 304 Not Modified
    source_failed: bool = False  # the source itself could not be read

    @property
    def ok(self) -> bool:
        """The source worked: it was read, and not every one of its items failed.

        One dead link in a feed of twenty is reported but does not fail the
        run; a scheduled job that went red for it on every run would teach
        its owner to ignore red.
        """
        if self.source_failed:
            return False
        return not (self.failed and self.new == 0 and self.existing == 0)

    def render(self) -> str:
        if self.source_failed:
            return f"{self.name}: failed: {self.errors[0] if self.errors else 'unknown error'}"
        if self.unchanged:
            return f"{self.name}: not modified since the last run"
        line = f"{self.name}: {self.new} new, {self.existing} already stored"
        if self.failed:
            shown = "; ".join(self.errors[:_MAX_ERRORS_SHOWN])
            more = self.failed - min(len(self.errors), _MAX_ERRORS_SHOWN)
            line += f", {self.failed} failed: {shown}" + (f" (and {more} more)" if more > 0 else "")
        return line


@dataclass(frozen=True)
class RunSummary:
    sources: tuple[SourceSummary, ...]

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    def render(self) -> list[str]:
        """One line per source, in configuration order."""
        return [s.render() for s in self.sources]


class Tally:
    """Mutable counts for one source while it runs.

    Every failure is logged; only the first few messages are kept for the
    summary line, so a feed whose 100,000 links all fail holds three.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.new = self.existing = self.failed = 0
        self.errors: list[str] = []

    def fail(self, message: str) -> None:
        log.warning("%s: %s", self.name, message)
        self.failed += 1
        if len(self.errors) < _MAX_ERRORS_SHOWN:
            self.errors.append(message)

    def freeze(self, **extra: bool) -> SourceSummary:
        return SourceSummary(self.name, self.new, self.existing, self.failed,
                             tuple(self.errors), **extra)
