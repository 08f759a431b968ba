"""Pages given on the command line, turned into articles without storing them.

Shared by ``digest extract`` and ``digest tags explain``. Each input becomes
the same job ``digest add`` would run, in the same worker pool, so what
``extract`` prints is what ``add`` would store.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest.config import Config, FetchConfig
from digest.errors import DigestError
from digest.extract.markdown import markdown_to_text
from digest.ingest.inputs import input_source, read_inputs
from digest.ingest.pool import WorkerPool
from digest.ingest.workers import Done, Job
from digest.model import Article, SourceKind
from digest.tags.rules import default_taxonomy

__all__ = ["Preview", "preview_inputs"]

# Inputs handled at once: results come out in input order, a batch at a time,
# so a long list streams instead of waiting for its last page.
_BATCH = 64


@dataclass(frozen=True)
class Preview:
    input: str
    article: Article | None
    text: str = ""
    error: str | None = None


def _job(item: str, data: bytes, url: str | None, ctype: str | None, fetched: datetime) -> Job:
    source = input_source(item)
    if source.kind is SourceKind.URL:
        return Job.page(data, url or source.location, ctype, None, source, fetched)
    return Job.file(data, Path(item).resolve().as_uri(), source, fetched)


Loaded = tuple[str, bytes | DigestError, str | None, str | None]


async def _run(pool: WorkerPool, batch: list[Loaded], fetched: datetime) -> list[Done | str]:
    return list(await asyncio.gather(*(
        pool.run(_job(item, body, url, ctype, fetched))
        for item, body, url, ctype in batch if not isinstance(body, DigestError))))


def preview_inputs(inputs: list[str], config: Config | None, *, jobs: int = 0) -> Iterator[Preview]:
    """One Preview per input, in input order."""
    taxonomy = config.taxonomy if config else default_taxonomy()
    fetched = datetime.now(UTC).replace(microsecond=0)
    loaded = read_inputs(inputs, config.fetch if config else None)
    budget = (config.fetch if config else FetchConfig()).article_timeout
    with WorkerPool(taxonomy, jobs=jobs, budget=budget) as pool:
        while batch := list(itertools.islice(loaded, _BATCH)):
            results = iter(asyncio.run(_run(pool, batch, fetched)))
            for item, body, _url, _ctype in batch:
                if isinstance(body, DigestError):
                    yield Preview(item, None, error=str(body))
                    continue
                result = next(results)
                if isinstance(result, Done):
                    yield Preview(item, result.article, markdown_to_text(result.article.body))
                else:
                    yield Preview(item, None, error=result)
