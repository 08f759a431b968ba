"""Extracted page (or feed entry) + source + taxonomy → one Article.

The single place where an article's fields are decided, so that ``digest
fetch``, ``digest add`` and ``digest extract`` produce the same article.
The rules (docs/design/metadata.md):

- title: the feed's, when the entry has one (the feed names the story
  without the site's suffix); else the page's; never a URL or a file path;
- date: the feed's, then the page's (which already ranks the visible byline
  over JSON-LD over meta tags); a date before 1990 or after the fetch plus
  a day is no date; when feed and page name the same day the one with a
  time and offset is kept, when they disagree the feed wins and the
  conflict is logged;
- language: the page's declared one, else guessed from the text (``und``
  when too short to tell);
- summary: the page's description or the body's first sentences, cut at a
  sentence boundary to at most ``SUMMARY_CHARS``;
- source of a page given by path or URL rather than by a configured
  source: the publisher the page names, else the file's folder (or the
  URL's host).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from digest.escape import one_line, web_url
from digest.extract.dates import plausible
from digest.extract.language import guess_language
from digest.model import Article, Entry, Extracted, Publish, Source
from digest.tags.classify import classify
from digest.tags.rules import Taxonomy

__all__ = ["SUMMARY_CHARS", "build_article", "retag", "source_name_for", "summarize"]

log = logging.getLogger(__name__)

# A summary is what a listing or a newsletter shows under the title: two or
# three sentences. Longer page descriptions are whole wire stories.
SUMMARY_CHARS = 300
_TITLE_CHARS = 120  # a title made from the text when the page has none

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"”’)]*\s+|(?<=[。！？])")


def summarize(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first sentences of ``text`` that fit in ``limit`` characters.

    Cut at a sentence boundary; a first sentence longer than the limit is
    cut at a word boundary and marked with an ellipsis.
    """
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 40]
    first = re.sub(r"\s+", " ", paragraphs[0] if paragraphs else text.strip())
    if len(first) <= limit:
        return first
    out = ""
    for sentence in _SENTENCE_END.split(first):
        if not sentence or not sentence.strip():
            continue
        candidate = f"{out} {sentence.strip()}".strip() if out else sentence.strip()
        if len(candidate) > limit:
            break
        out = candidate
    if not out:
        out = first[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-–—") + "…"
    return out


def _title(value: str | None) -> str | None:
    """A usable title: one line, and not a URL or a path standing in for one."""
    title = one_line(value)
    if title and " " not in title and re.match(r"(?:/|\w+:/|\./|~/)", title):
        return None  # "/story", "https://…", "file:///…/page.txt"
    return title


def _title_from_text(text: str) -> str | None:
    """A title for a page that shows none: the start of its first sentence."""
    first = summarize(text, _TITLE_CHARS)
    return one_line(first) if first else None


def source_name_for(extracted: Extracted, location: str) -> str:
    """The source of a page read from a path or URL given on the command line.

    The publisher the page names (its site name) when it names one; else,
    for a local file, the folder it was saved in; for a URL, its host.
    """
    if extracted.site_name and one_line(extracted.site_name):
        return one_line(extracted.site_name) or ""
    if web_url(location):
        host = urlsplit(location).hostname or location
        return host.removeprefix("www.")
    path = Path(unquote(urlsplit(location).path)) if location.startswith("file:") else Path(
        location)
    folder = path.resolve().parent.name
    return folder or path.stem or "local files"


def _decide_date(
    page: datetime | None, entry: Entry | None, fetched: datetime, url: str
) -> datetime | None:
    """The feed's date, then the page's; a plausible one only (see module doc)."""
    feed = entry.published if entry and not entry.date_missing else None
    feed = feed if feed and plausible(feed, fetched) else None
    page = page if page and plausible(page, fetched) else None
    if feed is None or page is None:
        return feed or page
    zone = page.tzinfo or feed.tzinfo
    same_day = feed.astimezone(zone).date() == page.date() if zone else feed.date() == page.date()
    if not same_day:
        log.debug("%s: the feed dates it %s, the page %s; keeping the feed's",
                  url, feed.isoformat(), page.isoformat())
        return feed
    # The same day: a feed that gives only the day yields to a page with the time.
    feed_day_only = (feed.hour, feed.minute, feed.second) == (0, 0, 0)
    page_timed = page.tzinfo is not None and (page.hour, page.minute, page.second) != (0, 0, 0)
    return page if feed_day_only and page_timed else feed


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
    title = (
        _title(entry.title if entry else None)
        or _title(extracted.title)
        or _title_from_text(extracted.text)
        or "Untitled"
    )
    published = _decide_date(extracted.published, entry, fetched, url)
    # The feed gave no date and the page none either: the entry carries the
    # fetch time, marked as such so the site can say "date unknown".
    date_missing = published is None
    if published is None and entry is not None:
        published = entry.published
    author = one_line(extracted.author) or one_line(entry.author if entry else None)
    text = extracted.text
    tags = classify(taxonomy, title, text)
    lead = text
    caption = one_line(extracted.image_caption)
    if caption and text.lstrip().startswith(caption[:40]):
        lead = text.lstrip()[len(caption) :]  # the photo's caption is not the story's start
    summary = one_line(extracted.description) or one_line(summarize(lead)) or ""
    return Article(
        title=title,
        url=url,
        canonical_url=extracted.canonical_url or url,
        source=source_name,
        fetched=fetched,
        body=extracted.markdown.strip(),
        author=author,
        publisher=one_line(extracted.site_name),
        published=published,
        date_missing=date_missing,
        language=extracted.language or guess_language(text),
        tags=tags,
        summary=summarize(summary) if len(summary) > SUMMARY_CHARS else summary,
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
