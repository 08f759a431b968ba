"""Inputs the fuzzer (fuzz/fuzz_targets.py) once crashed on; each must now pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.errors import DigestError
from digest.extract.html import extract_fragment, extract_page
from digest.extract.markdown import html_to_markdown

CASES = sorted((Path(__file__).resolve().parent / "fixtures" / "fuzz").iterdir())
ACTIVE = re.compile(r"<\s*/?\s*[a-z]|\]\(\s*<?\s*(?:javascript|vbscript|data)\s*:", re.I)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_fuzz_case_no_longer_crashes(path: Path) -> None:
    data = path.read_bytes()
    text = data.decode("utf-8", "replace")
    assert not ACTIVE.search(html_to_markdown(text, base_url="https://example.org/"))
    markdown, _ = extract_fragment(text, base_url="https://example.org/")
    assert not ACTIVE.search(markdown)
    try:
        result = extract_page(data, url="https://example.org/a.html")
    except DigestError:
        return
    assert not ACTIVE.search(result.markdown)


FEED_CASES = sorted((Path(__file__).resolve().parent / "fixtures" / "fuzz-feeds").iterdir())


@pytest.mark.parametrize("path", FEED_CASES, ids=lambda p: p.name)
def test_fuzz_feed_is_a_clear_error_not_a_crash(path: Path) -> None:
    from digest.fetch.feeds import parse_feed

    with pytest.raises(DigestError, match="not a feed"):
        parse_feed(path.read_bytes(), url="https://example.org/feed.xml", source="fuzz")


def test_canonical_url_with_a_bare_percent_is_stable() -> None:
    # "%%44" once decoded to "%D", which a second pass read as an escape.
    from digest.fetch.urls import canonicalize

    url = canonicalize("https://example.org/%%44ati\x1b")
    assert canonicalize(url) == url
    assert canonicalize("https://example.org/100%") == "https://example.org/100%25"
