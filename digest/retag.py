"""``digest tags retag``: apply the current taxonomy to every stored article."""

from __future__ import annotations

from collections.abc import Iterator

from digest.archive.lock import archive_lock
from digest.archive.store import Archive
from digest.config import Config
from digest.extract.markdown import markdown_to_text
from digest.ingest.assemble import retag

__all__ = ["retag_archive"]


def retag_archive(config: Config, *, dry_run: bool = False) -> Iterator[str]:
    """Yield one line per article whose tags change; write them unless dry_run."""
    with archive_lock(config.state_path.parent / "lock", what="digest tags retag"):
        archive = Archive(config.content_dir, config.state_path)
        for stored in archive.iter_articles():
            before = stored.article
            after = retag(before, config.taxonomy, markdown_to_text(before.body))
            if set(after.tags) == set(before.tags):
                continue
            added = sorted(set(after.tags) - set(before.tags))
            removed = sorted(set(before.tags) - set(after.tags))
            if not dry_run:
                archive.write(stored.path, after)
            change = " ".join([*(f"+{t}" for t in added), *(f"-{t}" for t in removed)])
            yield f"{archive.relative(stored.path)}: {change}"
