"""YAML front matter: Article ⇄ Markdown file text.

Written with ``yaml.safe_dump`` and read with ``yaml.safe_load``. Any string
holding a line break or a control character is written double-quoted on one
line, so a title such as ``"a\\n---\\nb"`` can never end the front matter early.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import yaml

from digest.errors import StoreError
from digest.model import Article, Publish

__all__ = ["dump_article", "load_article", "parse_datetime", "split_front_matter"]

_NEEDS_QUOTES = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


# libyaml's safe dumper and loader when PyYAML was built with it: the same
# safe subset of YAML, about ten times faster than the pure-Python ones.
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _NEEDS_QUOTES.search(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)

# The order users see in every article file.
_FIELDS = ("title", "url", "canonical_url", "source", "sources", "publisher", "author",
           "published", "date_missing", "fetched", "language", "section", "tags", "manual_tags",
           "summary", "image", "image_caption", "publish")


def parse_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def dump_article(article: Article) -> str:
    """The complete text of an article file."""
    data: dict[str, Any] = {
        "title": article.title,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "source": article.source,
        "sources": list(article.sources) or None,
        "publisher": article.publisher,
        "author": article.author,
        "published": _iso(article.published),
        "date_missing": True if article.date_missing else None,
        "fetched": _iso(article.fetched),
        "language": article.language,
        "section": article.section,
        "tags": list(article.tags),
        "manual_tags": list(article.manual_tags) or None,
        "summary": article.summary or None,
        "image": article.image,
        "image_caption": article.image_caption,
        "publish": article.publish.value if article.publish is not Publish.FULL else None,
    }
    ordered = {k: data[k] for k in _FIELDS if data[k] is not None}
    head = yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=1_000_000, default_flow_style=False)
    body = article.body.strip("\n")
    return f"---\n{head}---\n\n{body}\n"


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return (front matter mapping, body); a file without front matter has {}."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.startswith("---\n") and not text.startswith("---\r\n"):
        return {}, text
    end = re.search(r"^---[ \t]*\r?$", text[4:], flags=re.MULTILINE)
    if end is None:
        raise StoreError("front matter has no closing '---' line")
    head = text[4 : 4 + end.start()]
    body = text[4 + end.end():].lstrip("\r\n")
    try:
        data = yaml.load(head, Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise StoreError(f"front matter is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise StoreError("front matter is not a mapping")
    return data, body


def _strs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None)
    return ()


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def load_article(text: str) -> Article:
    """Parse an article file; raises StoreError when it is not one."""
    data, body = split_front_matter(text)
    if not data.get("title") or not data.get("url"):
        raise StoreError("front matter lacks 'title' or 'url'")
    fetched = parse_datetime(data.get("fetched")) or parse_datetime(data.get("published"))
    if fetched is None:
        fetched = datetime.fromtimestamp(0).astimezone()
    try:
        publish = Publish(str(data.get("publish", "full")))
    except ValueError:
        publish = Publish.FULL
    return Article(
        title=str(data["title"]),
        url=str(data["url"]),
        canonical_url=str(data.get("canonical_url") or data["url"]),
        source=str(data.get("source") or ""),
        fetched=fetched,
        body=body.rstrip("\n"),
        author=_opt(data.get("author")),
        publisher=_opt(data.get("publisher")),
        published=parse_datetime(data.get("published")),
        date_missing=bool(data.get("date_missing", False)),
        language=_opt(data.get("language")),
        tags=_strs(data.get("tags")),
        manual_tags=_strs(data.get("manual_tags")),
        summary=str(data.get("summary") or ""),
        image=_opt(data.get("image")),
        image_caption=_opt(data.get("image_caption")),
        section=_opt(data.get("section")),
        sources=_strs(data.get("sources")),
        publish=publish,
    )
