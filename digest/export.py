"""Export stored articles: a Markdown digest for newsletters, or JSONL records.

In the Markdown digest each article appears once, under the first of its tags
in taxonomy order (a newsletter should not repeat a story); articles without a
tag come last under "Other". Within a group the newest comes first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from digest.model import Article
from digest.tagging import Taxonomy

__all__ = ["ExportFilter", "article_record", "export_jsonl", "export_markdown", "select"]


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


def select(articles: Iterable[Article], flt: ExportFilter) -> list[Article]:
    chosen = [a for a in articles if flt.accepts(a)]
    chosen.sort(key=lambda a: (a.date.timestamp(), a.title), reverse=True)
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


def _md_text(value: str) -> str:
    """Inline text that stays text in Markdown: no markup, no raw HTML."""
    value = re.sub(r"\s+", " ", value).strip()
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]#|])", r"\\\1", value)


def _md_url(url: str) -> str:
    if not url.lower().startswith(("http://", "https://")):
        return ""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def export_markdown(articles: list[Article], taxonomy: Taxonomy, *, title: str,
                    flt: ExportFilter | None = None) -> str:
    order = [t.name for t in taxonomy.tags]
    titles = {t.name: t.title for t in taxonomy.tags}
    wanted = list(flt.tags) if flt and flt.tags else order
    groups: dict[str, list[Article]] = {}
    for a in articles:
        first = next((t for t in order if t in a.tags and t in wanted), None)
        if first is None:
            first = next((t for t in a.tags if t in wanted), "")
        groups.setdefault(first, []).append(a)
    lines = [f"# {_md_text(title)}", ""]
    if flt and (flt.since or flt.until):
        span = " to ".join(str(d) for d in (flt.since, flt.until) if d)
        lines += [f"*{span}*", ""]
    if not articles:
        lines += ["No articles match.", ""]
    keys = [k for k in order if k in groups]
    keys += sorted(k for k in groups if k not in order and k)
    keys += [""] if "" in groups else []
    for key in keys:
        lines += [f"## {_md_text(titles.get(key, key) if key else 'Other')}", ""]
        for a in groups[key]:
            link = _md_url(a.url)
            head = f"[{_md_text(a.title)}]({link})" if link else _md_text(a.title)
            lines.append(f"- **{head}**  ")
            lines.append(f"  {_md_text(a.source)} · {a.date:%Y-%m-%d}  ")
            if a.summary:
                lines.append(f"  {_md_text(a.summary)}")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
