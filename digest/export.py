"""Export stored articles: a Markdown digest for newsletters, or JSONL records.

In the Markdown digest each article appears once, under the first of its tags
in taxonomy order (a newsletter should not repeat a story); articles without a
tag come last under "Other". Within a group the newest comes first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from digest.escape import md_text, md_url
from digest.model import Article
from digest.tags.rules import Taxonomy

__all__ = ["ExportFilter", "Selected", "article_record", "export_jsonl", "export_markdown",
           "select"]


@dataclass(frozen=True)
class ExportFilter:
    since: date | None = None
    until: date | None = None  # inclusive
    tags: tuple[str, ...] = ()

    def accepts(self, article: Article) -> bool:
        day = article.date.date()
        if self.since and day < self.since:
            return False
        if self.until and day > self.until:
            return False
        return not self.tags or any(t in article.tags for t in self.tags)


@dataclass(frozen=True)
class Selected:
    """What export keeps of a chosen article until it writes it: not the body.

    An archive of 50,000 articles is exported in the memory of its index;
    each article is read again, one at a time, when its turn comes.
    """

    when: float
    title: str
    tags: tuple[str, ...]
    path: Path


def select(stored: Iterable[tuple[Path, Article]], flt: ExportFilter) -> list[Selected]:
    chosen = [Selected(a.date.timestamp(), a.title, a.tags, path)
              for path, a in stored if flt.accepts(a)]
    chosen.sort(key=lambda s: (s.when, s.title), reverse=True)
    return chosen


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def article_record(article: Article, text: str | None = None) -> dict[str, Any]:
    """The JSON shape of an article, shared by export and ``digest extract``."""
    record: dict[str, Any] = {
        "title": article.title,
        "author": article.author,
        "published": _iso(article.published),
        "source": article.source,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "language": article.language,
        "tags": list(article.tags),
        "summary": article.summary,
        "image": article.image,
        "markdown": article.body,
    }
    if text is not None:
        record["text"] = text
    return record


def export_jsonl(articles: Iterable[Article]) -> Iterator[str]:
    """One JSON line per article, in the order given."""
    for a in articles:
        record = article_record(a)
        record.update({
            "sources": list(a.sources or (a.source,)),
            "fetched": _iso(a.fetched),
            "section": a.section,
            "image_caption": a.image_caption,
            "manual_tags": list(a.manual_tags),
        })
        yield json.dumps(record, ensure_ascii=False)


def export_markdown(chosen: list[Selected], load: Callable[[Path], Article],
                    taxonomy: Taxonomy, *, title: str,
                    flt: ExportFilter | None = None) -> Iterator[str]:
    """The Markdown digest, line by line; ``load`` reads an article when its turn comes."""
    order = [t.name for t in taxonomy.tags]
    titles = {t.name: t.title for t in taxonomy.tags}
    wanted = list(flt.tags) if flt and flt.tags else order
    groups: dict[str, list[Selected]] = {}
    for item in chosen:
        first = next((t for t in order if t in item.tags and t in wanted), None)
        if first is None:
            first = next((t for t in item.tags if t in wanted), "")
        groups.setdefault(first, []).append(item)
    lines = [f"# {md_text(title)}", ""]
    if flt and (flt.since or flt.until):
        span = " to ".join(str(d) for d in (flt.since, flt.until) if d)
        lines += [f"*{span}*", ""]
    if not chosen:
        lines += ["No articles match.", ""]
    keys = [k for k in order if k in groups]
    keys += sorted(k for k in groups if k not in order and k)
    keys += [""] if "" in groups else []
    yield from lines
    for key in keys:
        lines = [f"## {md_text(titles.get(key, key) if key else 'Other')}", ""]
        for item in groups[key]:
            a = load(item.path)
            link = md_url(a.url)
            head = f"[{md_text(a.title)}]({link})" if link else md_text(a.title)
            lines.append(f"- **{head}**  ")
            lines.append(f"  {md_text(a.source)} · {a.date:%Y-%m-%d}  ")
            if a.summary:
                lines.append(f"  {md_text(a.summary)}")
            lines.append("")
        yield from lines
