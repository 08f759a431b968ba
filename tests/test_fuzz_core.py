"""Inputs the fuzz targets for URLs, dates, the config loader and front matter found.

Each was a crash or a broken promise once (fuzz/fuzz_targets.py: urls, dates,
config, frontmatter); each must now hold, through the production functions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.config import parse_config
from digest.errors import ConfigError
from digest.fetch.feeds import parse_feed
from digest.fetch.http import _retry_after
from digest.fetch.urls import canonicalize, url_keys


def test_a_url_whose_host_is_only_dots_is_stable() -> None:
    # "http://..//r" once became "http://r%08%19", which named another host.
    url = "HTTP://..//r\x08\x19"
    assert canonicalize(canonicalize(url)) == canonicalize(url)
    assert url_keys(url)[0] == canonicalize(url)


def test_an_entry_date_with_an_absurd_minute_is_only_undated() -> None:
    # email.utils raised OverflowError on "06:44444444444444408:00", which
    # failed the whole feed.
    feed = (b"<rss version='2.0'><channel><title>F</title><item><title>A</title>"
            b"<link>https://example.org/a</link>"
            b"<pubDate>Tue, 2 Jan 2025 06:44444444444444408:00 +0x00</pubDate></item>"
            b"<item><title>B</title><link>https://example.org/b</link>"
            b"<pubDate>Tue, 21 Jan 2025 06:17:00 +0800</pubDate></item></channel></rss>")
    fetched = datetime(2025, 2, 1, tzinfo=UTC)
    first, second = parse_feed(feed, source="F", fetched=fetched)
    assert first.date_missing and first.published == fetched
    assert not second.date_missing


def test_a_retry_after_date_that_overflows_is_ignored() -> None:
    assert _retry_after("Tue, 2 Jan 2025 06:44444444444444408:00 GMT") is None


@pytest.mark.parametrize("text", [
    "fetch: {timeout: 5}\nfetch: {timeout: 6}\n",
    "sources: [{name: A, feed: 'http://[::1/x'}]\n",
    "site: !!python/object:os.system {}\n",
    "? [a, b]\n: c\n",
])
def test_config_texts_are_one_config_error(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_config(text, Path("digest.yml"))
