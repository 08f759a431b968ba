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

from digest.assemble import build_article
from digest.config import Config
from digest.errors import DigestError, SourceError
from digest.extract import extract_many
from digest.model import Article, Extracted
from digest.tagging import Taxonomy, default_taxonomy

__all__ = ["Preview", "preview_inputs", "read_input"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preview:
    input: str
    article: Article | None
    text: str = ""
    error: str | None = None


def read_input(item: str, config: Config | None) -> tuple[bytes, str | None, str | None]:
    """The bytes of one input, with its URL and Content-Type when fetched."""
    if item.startswith(("http://", "https://")):
        from digest.fetch import fetch_url

        page = fetch_url(item, config.fetch if config else None)
        return page.content, page.url, page.content_type
    path = Path(item)
    try:
        return path.read_bytes(), None, None
    except FileNotFoundError:
        raise SourceError(f"{item}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{item}: is a folder; give the files in it") from None
    except OSError as exc:
        raise SourceError(f"{item}: cannot be read: {exc.strerror or exc}") from None


def preview_inputs(inputs: list[str], config: Config | None, *, jobs: int = 0) -> Iterator[Preview]:
    """One Preview per input, in input order."""
    taxonomy: Taxonomy = config.taxonomy if config else default_taxonomy()
    loaded: list[tuple[str, bytes | None, str | None, str | None, str | None]] = []
    for item in inputs:
        try:
            body, url, ctype = read_input(item, config)
            loaded.append((item, body, url, ctype, None))
        except DigestError as exc:
            loaded.append((item, None, None, None, str(exc)))
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
        source = result.site_name or (config.site.title if config else "") or ""
        article = build_article(result, source=None, source_name=source, url=page_url,
                                taxonomy=taxonomy, fetched=fetched)
        yield Preview(item, article, result.text)
