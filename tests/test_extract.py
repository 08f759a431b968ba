"""Extraction: the seed page in both forms, metadata, bad pages, batches."""

from __future__ import annotations

import html
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from digest.errors import ExtractError
from digest.extract.html import extract_page, is_html
from digest.model import Extracted

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed"
PAGES = FIXTURES / "pages"
EXPECTED: dict[str, Any] = yaml.safe_load((SEED / "expected.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=["page.html", "page.txt"])
def seed(request: pytest.FixtureRequest) -> tuple[str, Extracted]:
    name = str(request.param)
    return name, extract_page((SEED / name).read_bytes())


def _paragraphs(result: Extracted) -> list[str]:
    return [p.strip() for p in result.text.split("\n\n") if p.strip()]


def test_seed_metadata(seed: tuple[str, Extracted]) -> None:
    name, result = seed
    assert result.title == EXPECTED["title"]
    assert result.author == EXPECTED["author"]
    assert result.site_name == EXPECTED["source"]
    assert result.section == EXPECTED["section"]
    assert result.published == datetime.fromisoformat(EXPECTED["published"])
    assert result.published is not None
    assert result.published.utcoffset() == timedelta(hours=8)
    assert result.language == EXPECTED["language"]
    assert result.image_caption == EXPECTED["image_caption"]
    if name == "page.html":
        assert result.canonical_url == EXPECTED["canonical_url"]


def test_seed_body(seed: tuple[str, Extracted]) -> None:
    _, result = seed
    body = EXPECTED["body"]
    paragraphs = _paragraphs(result)
    first = next(i for i, p in enumerate(paragraphs) if p.startswith(body["first_words"]))
    last = next(i for i, p in enumerate(paragraphs) if p.endswith(body["last_words"]))
    assert last - first + 1 == body["paragraphs"]
    # Only the author's note may follow; nothing but the caption may precede.
    after = paragraphs[last + 1 :]
    assert all(p.startswith("The author is") for p in after)
    assert paragraphs[:first] in ([], [EXPECTED["image_caption"]])
    assert EXPECTED["image_caption"] in html.unescape(result.markdown)
    for junk in body["must_not_contain"]:
        assert junk not in result.markdown
        assert junk not in result.text


def test_seed_keywords_and_stuffed_title_never_leak(seed: tuple[str, Extracted]) -> None:
    _, result = seed
    for value in (result.title, result.description, result.section, result.author):
        assert value is None or "久久" not in value


def test_text_input_is_recognised() -> None:
    assert not is_html((SEED / "page.txt").read_text(encoding="utf-8"))
    assert is_html((SEED / "page.html").read_text(encoding="utf-8"))
    assert is_html("<p>one</p>", "text/html")


def test_json_ld_and_og_metadata() -> None:
    page = """<html lang="de"><head><title>a - b - c - d - e - f</title>
    <script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
     "headline": "Der echte Titel", "datePublished": "2024-03-05T10:30:00+01:00",
     "author": [{"@type": "Person", "name": "Erika Muster"}], "publisher": {"name": "Zeitung"},
     "keywords": ["spam", "tags"]}</script>
    <meta property="og:title" content="OG title"><meta name="keywords" content="x,y">
    </head><body><article><h1>Der echte Titel</h1>
    <p>Der Stadtrat hat am Dienstag beschlossen, das Netz der öffentlichen Bibliotheken zu erweitern
    und drei neue Zweigstellen in Vierteln zu eröffnen, denen sie lange fehlten.</p>
    <p>Die Finanzierung erfolge aus dem bestehenden Haushalt, sagten Vertreter der Stadt,
    und der Bau könne im nächsten Frühjahr beginnen, wenn die Verträge genehmigt würden.</p>
    </article></body></html>"""
    result = extract_page(page.encode(), url="https://zeitung.example/a/1")
    assert result.title == "Der echte Titel"
    assert result.author == "Erika Muster"
    assert result.site_name == "Zeitung"
    assert result.published == datetime(2024, 3, 5, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    assert result.language == "de"
    assert "Stadtrat" in result.text


def test_hostile_page_is_sanitised() -> None:
    result = extract_page((PAGES / "hostile.html").read_bytes())
    md = result.markdown.lower()
    for bad in ("<script", "<iframe", "<form", "onerror", "onclick", "javascript:", "data:"):
        assert bad not in md
    assert "&lt;script>" in md
    assert "a bad link" in result.text
    assert "[a good one](https://example.org/ok)" in result.markdown


@pytest.mark.parametrize(
    ("name", "reason"),
    [("empty.html", "empty"), ("whitespace.html", "empty"), ("binary.bin", "binary")],
)
def test_bad_input_is_a_clear_error(name: str, reason: str) -> None:
    with pytest.raises(ExtractError, match=reason) as info:
        extract_page((PAGES / name).read_bytes())
    assert "\n" not in str(info.value)


def test_navigation_only_page_has_no_article() -> None:
    with pytest.raises(ExtractError, match="no article"):
        extract_page((PAGES / "navigation-only.html").read_bytes())


def test_unclosed_html() -> None:
    result = extract_page((PAGES / "unclosed.html").read_bytes())
    assert "library network" in result.text


def _bounded(fn: Any, limit: float) -> Any:
    start = time.perf_counter()
    try:
        return fn()
    except ExtractError as exc:
        return exc
    finally:
        assert time.perf_counter() - start < limit


def test_deeply_nested_html_is_bounded() -> None:
    page = "<html><body>" + "<div>" * 100_000 + "<p>deep text</p>" + "</div>" * 100_000
    _bounded(lambda: extract_page(page.encode()), 15)


def test_20_mb_page_is_bounded() -> None:
    para = "<p>" + "Council members debated the library budget for hours. " * 8 + "</p>\n"
    junk = "<script>var x = '" + "x" * 1000 + "';</script>\n"
    page = "<html><body><article>" + para * 20 + "</article>" + junk * 20_000 + "</body></html>"
    assert len(page) > 20_000_000
    result = _bounded(lambda: extract_page(page.encode()), 15)
    assert isinstance(result, Extracted) and "library budget" in result.text


def test_binary_junk_in_html_clothing_is_bounded() -> None:
    junk = bytes(range(128, 256)) * 2000
    _bounded(lambda: extract_page(b"<html><body>" + junk + b"</body></html>"), 10)


def test_extract_keeps_order_and_reports_errors_in_the_worker_pool(tmp_path: Path) -> None:
    from digest.ingest.preview import preview_inputs

    (tmp_path / "empty.html").write_bytes(b"")
    inputs = [str(SEED / "page.html"), str(tmp_path / "empty.html"), str(SEED / "page.txt"),
              str(tmp_path / "missing.html")]
    for jobs in (1, 2):
        results = list(preview_inputs(inputs * 10, None, jobs=jobs))  # past the inline start
        assert [r.input for r in results] == inputs * 10
        for first, empty, dump, missing in zip(*[iter(results)] * 4, strict=True):
            assert first.article is not None and dump.article is not None
            assert re.match(EXPECTED["title"], dump.article.title)
            assert empty.article is None and empty.error and "empty.html" in empty.error
            assert missing.article is None and missing.error and "missing.html" in missing.error


QUOTING_DUMP = "\n".join([
    "Home", "News", "Security", "Forum flaw let attackers run scripts", "By Ann Smith",
    "March 3, 2025",
    "The attackers hid their code in a comment field that the forum showed to every visitor, "
    "and the browser ran it.",
    "A typical payload looked like the line below, which the site printed without escaping "
    "the angle brackets:",
    '<script src="https://evil.example/x.js"></script>',
    "Researchers said that the flaw had been in the software for at least two years before "
    "anyone noticed it.",
    "The fix escapes every <div> and <p> tag that a user writes, so that the markup is shown "
    "instead of run.",
    "Administrators who cannot update should turn off comments until they have installed the "
    "new version.",
    "© 2025 Example News",
])


def test_a_dump_quoting_markup_is_read_as_a_dump(tmp_path: Path) -> None:
    # Its quoted tags make is_html say HTML, and read as HTML its lines run
    # together and the quoted tag takes the text after it; the entry point
    # of `digest add` and `digest extract` reads it as the dump it is.
    from digest.extract.page import extract_page as entry_point
    from digest.ingest.preview import preview_inputs

    assert is_html(QUOTING_DUMP)
    assert "new version" not in extract_page(QUOTING_DUMP.encode()).text  # as HTML
    longer = QUOTING_DUMP.replace("\n©", "\nThe vendor thanked the two students who reported "
                                  "the problem and paid them a bounty for their work.\n©")
    with pytest.raises(ExtractError):
        extract_page(longer.encode())  # as HTML: no article at all
    assert "paid them a bounty" in entry_point(longer.encode()).text
    result = entry_point(QUOTING_DUMP.encode(), url="https://news.example/flaw")
    assert result.title == "Forum flaw let attackers run scripts"
    assert '<script src="https://evil.example/x.js"></script>' in result.text.split("\n\n")
    assert "every <div> and <p> tag" in result.text
    assert "<script" not in result.markdown and "<div" not in result.markdown
    path = tmp_path / "flaw.txt"
    path.write_text(QUOTING_DUMP, encoding="utf-8")
    (preview,) = preview_inputs([str(path)], None, jobs=1)
    assert preview.article is not None, preview.error
    assert "every <div> and <p> tag" in preview.text


def test_html_pages_and_fragments_are_still_read_as_html() -> None:
    from digest.extract.page import extract_page as entry_point

    page = "<div>" + "".join(f"<p>{line}</p>" for line in QUOTING_DUMP.splitlines()) + "</div>"
    assert entry_point(page.encode()).text == extract_page(page.encode()).text
    seed = (SEED / "page.html").read_bytes()
    assert entry_point(seed) == extract_page(seed)


def test_a_page_after_a_warning_with_long_scripts_is_still_html() -> None:
    # Most of its lines hold no tag, as in a dump, but it is a document.
    from digest.extract.page import extract_page as entry_point

    script = "\n".join(f"var x{n} = {n};" for n in range(200))
    page = ("Warning: session_start() in /var/www/index.php on line 3\n"
            "<!DOCTYPE html>\n<html><head><script>\n" + script + "\n</script></head><body>"
            + "".join(f"<p>{line}</p>" for line in QUOTING_DUMP.splitlines()[6:10])
            + "</body></html>")
    data = page.encode("utf-8")
    assert entry_point(data).text == extract_page(data).text
