"""Read pages given on the command line and turn them into articles, unstored.

Shared by ``digest extract`` and ``digest tags explain``: inputs are URLs or
local files; extraction runs on every core when there are many.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest.config import Config
from digest.errors import DigestError
from digest.extract.html import extract_many
from digest.ingest.assemble import build_article, source_name_for
from digest.ingest.pipeline import read_inputs
from digest.model import Article, Extracted
from digest.tags.rules import Taxonomy, default_taxonomy

__all__ = ["Preview", "preview_inputs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preview:
    input: str
    article: Article | None
    text: str = ""
    error: str | None = None


def preview_inputs(inputs: list[str], config: Config | None, *, jobs: int = 0) -> Iterator[Preview]:
    """One Preview per input, in input order."""
    taxonomy: Taxonomy = config.taxonomy if config else default_taxonomy()
    loaded: list[tuple[str, bytes | None, str | None, str | None, str | None]] = []
    # URLs are fetched concurrently, files read as they are.
    for item, body, url, ctype in read_inputs(inputs, config.fetch if config else None):
        if isinstance(body, DigestError):
            loaded.append((item, None, None, None, str(body)))
        else:
            loaded.append((item, body, url, ctype, None))
    good = [(d, u, c) for (_, d, u, c, _e) in loaded if d is not None]
    results = iter(extract_many(good, jobs=jobs if len(good) > 1 else 1))
    fetched = datetime.now(UTC).replace(microsecond=0)
    for item, data, url, _ctype, error in loaded:
        if data is None:
            yield Preview(item, None, error=error)
            continue
        result = next(results)
        if not isinstance(result, Extracted):
            yield Preview(item, None, error=f"{item}: {result}")
            continue
        page_url = url or result.url or result.canonical_url or Path(item).resolve().as_uri()
        source = source_name_for(result, url or item)
        article = build_article(result, source=None, source_name=source, url=page_url,
                                taxonomy=taxonomy, fetched=fetched)
        yield Preview(item, article, result.text)
