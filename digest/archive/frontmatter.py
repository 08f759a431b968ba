"""YAML front matter: Article ⇄ Markdown file text.

Written with ``yaml.safe_dump``. Any string holding a line break or a control
character is written double-quoted on one line, so a title such as
``"a\\n---\\nb"`` can never end the front matter early.

Read with :func:`digest.schema.load_yaml` (no alias bombs, duplicate keys,
NaN) and checked field by field, because people edit these files by hand:
a value digest cannot use (``tags: 5``, ``publish: sometimes``) is an error
naming the file and line; one it can read another way is a warning (a
single string as ``tags`` is one tag; a date outside the plausible window
is dropped, since year 9999 breaks every feed writer downstream).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from typing import Any

import yaml

from digest.errors import StoreError
from digest.model import Article, Publish, plausible_date
from digest.schema import Checker, KeyPath, load_yaml, type_name

__all__ = ["FULL_TEXT", "dump_article", "excerpt_page_body", "load_article", "load_page",
           "parse_datetime", "read_front_matter", "split_front_matter"]

log = logging.getLogger(__name__)

_NEEDS_QUOTES = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


# libyaml's safe dumper when PyYAML was built with it: the same safe subset
# of YAML, about ten times faster than the pure-Python one.
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _NEEDS_QUOTES.search(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)

# The front matter key of an excerpt-only page whose text is kept apart: the
# path of its full-text file, relative to the folder that holds content/
# (digest.archive.store keeps these files outside the site's docs folder).
FULL_TEXT = "full_text"

# The order users see in every article file.
_FIELDS = ("title", "url", "canonical_url", "source", "sources", "publisher", "author",
           "published", "date_missing", "fetched", "language", "section", "tags", "manual_tags",
           "summary", "image", "image_caption", "publish", "fingerprint", FULL_TEXT)
_TEXT = ("title", "url", "canonical_url", "source", "publisher", "author", "language", "section",
         "summary", "image", "image_caption")
_NAMES = ("tags", "manual_tags", "sources")
_FINGERPRINT = re.compile(r"[0-9a-f]{16}")
_MASK = (1 << 64) - 1


def parse_datetime(value: Any) -> datetime | None:
    """A front matter date as a datetime: ISO 8601 text, a YAML timestamp, or a day.

    Dates outside the plausible window (:func:`digest.model.plausible_date`,
    judged against now) come back as None: a hand-edited ``9999-12-31`` must
    not reach a feed writer.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        when: datetime | None = value
    elif isinstance(value, date):
        when = datetime(value.year, value.month, value.day)
    else:
        try:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return plausible_date(when, datetime.now(UTC))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def excerpt_page_body(article: Article) -> str:
    """What an excerpt-only page holds below its front matter: the summary and the link.

    Nothing of the body: whatever renders or indexes the page (a search
    plugin, another theme, Zensical) finds only what the site may show.
    """
    from digest.escape import md_text, md_url

    lines = [md_text(article.summary)] if article.summary.strip() else []
    link = md_url(article.url)
    if link:
        lines.append(f"[Read the original]({link})")
    return "\n\n".join(lines)


def dump_article(article: Article, full_text: str | None = None) -> str:
    """The complete text of an article file.

    With ``full_text`` (the path of the file that holds the body, for an
    excerpt-only article) the page holds the summary and the link instead of
    the body, and names that file in its front matter.
    """
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
        "fingerprint": None if article.fingerprint is None
        else f"{article.fingerprint & _MASK:016x}",
        FULL_TEXT: full_text,
    }
    ordered = {k: data[k] for k in _FIELDS if data[k] is not None}
    head = yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=1_000_000, default_flow_style=False)
    body = (article.body if full_text is None else excerpt_page_body(article)).strip("\n")
    return f"---\n{head}---\n\n{body}\n"


def _split(text: str) -> tuple[str | None, str]:
    """(the front matter's text, or None when there is none; the body)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.startswith("---\n") and not text.startswith("---\r\n"):
        return None, text
    end = re.search(r"^---[ \t]*\r?$", text[4:], flags=re.MULTILINE)
    if end is None:
        raise StoreError("front matter has no closing '---' line")
    return text[4 : 4 + end.start()], text[4 + end.end():].lstrip("\r\n")


def split_front_matter(text: str, name: str = "article") -> tuple[dict[str, Any], str]:
    """Return (checked front matter, body); a file without front matter has {}."""
    head, body = _split(text)
    return ({} if head is None else read_front_matter(head, name)), body


def read_front_matter(head: str, name: str) -> dict[str, Any]:
    """The front matter between the ``---`` lines, loaded safely and checked.

    Raises StoreError("name:line: key: problem") for a value digest cannot
    use; logs a warning naming the file for one it reads another way. The
    result holds str for text fields, lists of str for ``tags``,
    ``manual_tags`` and ``sources``, datetimes (or None) for the dates and
    an int (or None) for ``fingerprint``; other keys are kept as they are.
    """
    data, _ = load_yaml(head, name, StoreError, first_line=2, lines=False)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise StoreError(f"{name}:2: front matter is not a mapping")
    checker = Checker(name, {})
    warnings: list[tuple[KeyPath, str]] = []
    checked = _check(data, checker, warnings)
    if checker.problems or warnings:  # read again for the line numbers
        _, lines = load_yaml(head, name, StoreError, first_line=2)
        checker = Checker(name, lines)
        checked = _check(data, checker, warnings := [])
        for path, message in warnings:
            log.warning("%s: %s: %s", checker.where(path), path[0], message)
    if checker.problems:
        problems = checker.sorted_problems()
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise StoreError(problems[0] + more)
    return checked


def _check(data: dict[str, Any], c: Checker, warnings: list[tuple[KeyPath, str]]) -> dict[str, Any]:
    out = dict(data)
    for key in _TEXT:
        value = data.get(key)
        if isinstance(value, dict | list):
            c.report((key,), f"must be text, not {type_name(value)}")
            out[key] = None
        elif value is not None:
            out[key] = value.isoformat() if isinstance(value, date) else str(value)
    for key in _NAMES:
        out[key] = _names(data.get(key), key, c, warnings)
    fetched = _date(data, "fetched", datetime.now(UTC), c, warnings)
    out["fetched"] = fetched
    out["published"] = _date(data, "published", fetched or datetime.now(UTC), c, warnings)
    if not isinstance(data.get("date_missing", False), bool):
        c.report(("date_missing",), f"must be true or false, not {type_name(data['date_missing'])}")
    publish = data.get("publish") or "full"
    if not isinstance(publish, str) or publish not in {p.value for p in Publish}:
        c.report(("publish",), f"must be 'full' or 'excerpt', not {publish!r}")
        publish = "full"
    out["publish"] = publish
    out["fingerprint"] = _fingerprint(data.get("fingerprint"), warnings)
    full_text = data.get(FULL_TEXT)
    if full_text is not None and (not isinstance(full_text, str) or not full_text.strip()):
        c.report((FULL_TEXT,), f"must be the path of the article's full text, not "
                               f"{type_name(full_text)}")
        full_text = None
    out[FULL_TEXT] = full_text
    return out


def _names(value: Any, key: str, c: Checker, warnings: list[tuple[KeyPath, str]]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        warnings.append(((key,), f"a single name, read as the one entry of a list "
                                  f"(write [{value}])"))
        return [value] if value.strip() else []
    if not isinstance(value, list):
        c.report((key,), f"must be a list of names, not {type_name(value)}")
        return []
    names: list[str] = []
    for index, item in enumerate(value):
        if isinstance(item, dict | list):
            c.report((key, index), f"must be a name, not {type_name(item)}")
        elif item is not None and str(item).strip():
            names.append(str(item))
    return names


def _date(data: dict[str, Any], key: str, now: datetime, c: Checker,
          warnings: list[tuple[KeyPath, str]]) -> datetime | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, dict | list | bool):
        c.report((key,), f"must be a date, not {type_name(value)}")
        return None
    when = value if isinstance(value, datetime) else None
    if isinstance(value, date) and when is None:
        when = datetime(value.year, value.month, value.day)
    if when is None:
        try:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            warnings.append(((key,), f"{value!r} is not a date like 2025-01-21T06:17:00+08:00; "
                                     "ignored"))
            return None
    checked = plausible_date(when, now)
    if checked is None:
        warnings.append(((key,), f"{value} is outside the dates digest believes "
                                 "(1990 to a day after the fetch); ignored"))
    return checked


def _fingerprint(value: Any, warnings: list[tuple[KeyPath, str]]) -> int | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if not _FINGERPRINT.fullmatch(text):
        warnings.append((("fingerprint",), "not 16 hexadecimal digits; ignored"))
        return None
    number = int(text, 16)
    return number - (1 << 64) if number >= 1 << 63 else number  # signed, as SQLite keeps it


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def load_article(text: str, name: str = "article") -> Article:
    """Parse an article file; raises StoreError (naming ``name``) when it is not one."""
    return load_page(text, name)[0]


def load_page(text: str, name: str = "article") -> tuple[Article, str | None]:
    """An article file as (its article, the ``full_text`` path it names, or None).

    When the page names a full-text file, the article's body is the page's
    (the summary and the link): the archive reads the body from that file.
    """
    data, body = split_front_matter(text, name)
    if not data.get("title") or not data.get("url"):
        raise StoreError(f"{name}: front matter lacks 'title' or 'url'")
    fetched = data["fetched"] or data["published"] or datetime.fromtimestamp(0).astimezone()
    return Article(
        title=str(data["title"]),
        url=str(data["url"]),
        canonical_url=str(data.get("canonical_url") or data["url"]),
        source=str(data.get("source") or ""),
        fetched=fetched,
        body=body.rstrip("\n"),
        author=_opt(data.get("author")),
        publisher=_opt(data.get("publisher")),
        published=data["published"],
        date_missing=bool(data.get("date_missing", False)),
        language=_opt(data.get("language")),
        tags=tuple(data["tags"]),
        manual_tags=tuple(data["manual_tags"]),
        summary=str(data.get("summary") or ""),
        image=_opt(data.get("image")),
        image_caption=_opt(data.get("image_caption")),
        section=_opt(data.get("section")),
        sources=tuple(data["sources"]),
        publish=Publish(data["publish"]),
        fingerprint=data["fingerprint"],
    ), data.get(FULL_TEXT)
