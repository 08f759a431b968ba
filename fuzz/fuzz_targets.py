"""Coverage-guided fuzzing of the parsers that read untrusted bytes (atheris).

Not part of the test run: `nox -s fuzz` runs each target for a fixed budget.
A target fails only on an exception digest does not mean to raise (anything
but DigestError) or on raw HTML leaking into Markdown; each crash found is
turned into a regression test in tests/test_fuzz_regressions.py.

    python fuzz/fuzz_targets.py extract -max_total_time=60
"""

from __future__ import annotations

import contextlib
import re
import sys

import atheris

with atheris.instrument_imports():
    from digest.archive.frontmatter import load_article
    from digest.errors import DigestError
    from digest.extract.html import extract_page
    from digest.extract.markdown import html_to_markdown
    from digest.fetch.feeds import parse_feed
    from digest.fetch.opml import import_opml
    from digest.fetch.urls import canonicalize
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


TARGETS = {"extract": extract, "markdown": markdown, "feed": feed, "opml": opml, "misc": misc}


def main() -> None:
    name = sys.argv[1]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
