"""Coverage-guided fuzzing of the parsers that read untrusted bytes (atheris).

Not part of the test run: `nox -s fuzz` runs each target for a fixed budget.
A target fails only on an exception digest does not mean to raise (anything
but DigestError), on raw HTML leaking into Markdown, or on a broken promise
(a canonical URL that changes when canonicalised again, a date outside the
window, front matter that does not read back as written); each crash found
is turned into a regression test in tests/test_fuzz_regressions.py.

    python fuzz/fuzz_targets.py extract -max_total_time=60
"""

from __future__ import annotations

import contextlib
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from digest.archive.frontmatter import dump_article, load_article, parse_datetime
    from digest.config import parse_config
    from digest.errors import ConfigError, DigestError, StoreError
    from digest.escape import url_problem, web_url
    from digest.extract.page import extract_page
    from digest.extract.markdown import html_to_markdown
    from digest.fetch.entries import parse_date
    from digest.fetch.feeds import parse_feed
    from digest.fetch.opml import import_opml
    from digest.fetch.urls import canonicalize, host_of, url_keys
    from digest.model import EARLIEST_DATE, plausible_date
    from digest.tags.classify import classify
from digest.tags.rules import default_taxonomy

TAXONOMY = default_taxonomy()
# Raw markup or an active link in Markdown; the words alone, as text, are harmless.
ACTIVE = re.compile(r"<\s*/?\s*[a-z]|\]\(\s*<?\s*(?:javascript|vbscript|data)\s*:", re.I)


def _check(markdown_text: str) -> None:
    found = ACTIVE.search(markdown_text)
    if found:
        raise AssertionError(f"active content reached the Markdown: {found.group(0)!r}")


def extract(data: bytes) -> None:
    try:
        result = extract_page(data, url="https://example.org/a.html")
    except DigestError:
        return
    _check(result.markdown)


def markdown(data: bytes) -> None:
    _check(html_to_markdown(data.decode("utf-8", "replace"), base_url="https://example.org/"))


def feed(data: bytes) -> None:
    try:
        parse_feed(data, url="https://example.org/feed.xml", source="fuzz")
    except DigestError:
        return


def opml(data: bytes) -> None:
    try:
        import_opml(data)
    except DigestError:
        return


def misc(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    text = fdp.ConsumeUnicodeNoSurrogates(4096)
    classify(TAXONOMY, text[:80], text)
    url = canonicalize("https://example.org/" + text[:200])
    assert canonicalize(url) == url
    with contextlib.suppress(DigestError):
        load_article(text)


def urls(data: bytes) -> None:
    """Canonical URLs are stable; no URL makes the checks raise."""
    fdp = atheris.FuzzedDataProvider(data)
    prefix = fdp.PickValueInList(["", "http://", "https://", "HTTP://", "https://[", "http://h:"])
    url = prefix + fdp.ConsumeUnicodeNoSurrogates(512)
    url_problem(url)
    host_of(url)
    web_url(url)
    canonical = canonicalize(url)
    assert canonicalize(canonical) == canonical, (url, canonical)
    keys = url_keys(url)
    assert keys[0] == canonical
    assert url_keys(canonical) == keys, (url, keys)


_NOW = datetime(2025, 1, 21, tzinfo=UTC)


def dates(data: bytes) -> None:
    """Any date text: believed only inside the window, and always has a UTC time."""
    text = data.decode("utf-8", "replace")
    for when in (parse_date(text), parse_datetime(text)):
        checked = plausible_date(when, _NOW)
        if checked is not None:
            moment = checked.astimezone(UTC) if checked.tzinfo else checked.replace(tzinfo=UTC)
            assert EARLIEST_DATE <= moment <= _NOW + timedelta(days=1)
            checked.isoformat()


def config(data: bytes) -> None:
    """digest.yml: valid, or one ConfigError; never another exception."""
    with contextlib.suppress(ConfigError):
        parse_config(data.decode("utf-8", "replace"), Path("/nonexistent/digest.yml"))


def frontmatter(data: bytes) -> None:
    """An article file: read, or one StoreError; what reads back is written the same again."""
    try:
        article = load_article(data.decode("utf-8", "replace"), "fuzz.md")
    except StoreError:
        return
    text = dump_article(article)
    assert dump_article(load_article(text)) == text


TARGETS = {"extract": extract, "markdown": markdown, "feed": feed, "opml": opml, "misc": misc,
           "urls": urls, "dates": dates, "config": config, "frontmatter": frontmatter}


def main() -> None:
    name = sys.argv[1]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
