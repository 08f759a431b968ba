"""Extracted page (or feed entry) + source + taxonomy → one Article.

The single place where an article's fields are decided, so that ``digest
fetch``, ``digest add`` and ``digest extract`` produce the same article.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from digest.escape import one_line, web_url
from digest.model import Article, Entry, Extracted, Publish, Source
from digest.tags.classify import classify
from digest.tags.rules import Taxonomy

__all__ = ["build_article", "retag", "summarize"]

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


def summarize(text: str, limit: int = 280) -> str:
    """The first sentences of the body, up to about ``limit`` characters."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 40]
    first = paragraphs[0] if paragraphs else text.strip()
    first = re.sub(r"\s+", " ", first)
    if len(first) <= limit:
        return first
    out = ""
    for sentence in _SENTENCE_END.split(first):
        if not sentence:
            continue
        candidate = f"{out} {sentence}".strip() if out else sentence
        if len(candidate) > limit:
            break
        out = candidate
    if not out:
        out = first[:limit].rsplit(" ", 1)[0] + "…"
    return out


def build_article(
    extracted: Extracted,
    *,
    source: Source | None,
    source_name: str,
    url: str,
    taxonomy: Taxonomy,
    fetched: datetime | None = None,
    entry: Entry | None = None,
) -> Article:
    """Decide every field of the stored article from what we know of it."""
    fetched = fetched or datetime.now(UTC).replace(microsecond=0)
    title = one_line(extracted.title) or one_line(entry.title if entry else None) or url
    published = extracted.published or (entry.published if entry else None)
    # The feed gave no date and the page none either: the entry carries the
    # fetch time, marked as such so the site can say "date unknown".
    date_missing = extracted.published is None and (
        published is None or bool(entry and entry.date_missing))
    author = one_line(extracted.author) or one_line(entry.author if entry else None)
    text = extracted.text
    tags = classify(taxonomy, title, text)
    return Article(
        title=title,
        url=url,
        canonical_url=extracted.canonical_url or url,
        source=source_name,
        fetched=fetched,
        body=extracted.markdown.strip(),
        author=author,
        published=published,
        date_missing=date_missing,
        language=extracted.language,
        tags=tags,
        summary=one_line(extracted.description) or one_line(summarize(text)) or "",
        image=web_url(extracted.image),
        image_caption=one_line(extracted.image_caption),
        section=one_line(extracted.section),
        sources=(source_name,),
        publish=source.publish if source else Publish.FULL,
    )


def retag(article: Article, taxonomy: Taxonomy, text: str) -> Article:
    """Apply the taxonomy again, keeping tags the user added by hand."""
    tags = classify(taxonomy, article.title, text)
    manual = tuple(t for t in article.manual_tags if t not in tags)
    return replace(article, tags=(*tags, *manual))
