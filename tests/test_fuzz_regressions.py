"""Inputs the fuzzer (fuzz/fuzz_targets.py) once crashed on; each must now pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.errors import DigestError
from digest.extract import extract_fragment, extract_page
from digest.markdown import html_to_markdown

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
