"""The theme override's macros say what their Python twins say."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader

from digest.escape import https_url
from digest.site.format import filed_date
from digest.site.records import read_record

OVERRIDES = Path(__file__).resolve().parents[1] / "digest" / "data" / "scaffold" / "overrides"


@pytest.fixture(scope="module")
def macros() -> Any:
    env = Environment(loader=FileSystemLoader(str(OVERRIDES)), autoescape=True)
    return env.get_template("partials/digest.html").module


URLS = [
    "https://img.example.org/a.jpg?w=1&h=2",
    "  https://img.example.org/a.jpg\n",
    "HTTPS://IMG.EXAMPLE.ORG/A.JPG",
    "http://img.example.org/a.jpg",
    "https://",
    "javascript:alert(1)",
    "//img.example.org/a.jpg",
    'https://x.example/"><script>',
    "",
]


@pytest.mark.parametrize("url", URLS)
def test_https_url_macro_is_escape_https_url(macros: Any, url: str) -> None:
    out = str(macros.https_url(url))
    assert html.unescape(out) == (https_url(url) or "")
    assert '"' not in out and "<" not in out


@pytest.mark.parametrize(
    "when",
    [
        datetime(2025, 1, 21, 6, 17, tzinfo=timezone(timedelta(hours=8))),
        datetime(2024, 12, 1, 23, 5, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2025, 10, 9, 0, 0, 30, tzinfo=UTC),
    ],
)
def test_filed_macro_is_filed_date(macros: Any, when: datetime) -> None:
    # As front matter holds it (ISO), and as YAML reads an unquoted timestamp.
    assert str(macros.filed(when.isoformat())) == filed_date(when)
    assert str(macros.filed(str(when))) == filed_date(when)
    assert str(macros.filed("not a date <b>")) == "not a date &lt;b&gt;"


def test_picture_macro_and_the_listings_agree(macros: Any, tmp_path: Path) -> None:
    """An article whose body opens with a picture, and whose page named none: the
    listings' thumbnail and the page's og:image are that picture."""
    import markdown

    body = "![Chips](https://img.example.org/w.jpg?a=1&b=2)  \n*A wafer.*\n\nText."
    path = tmp_path / "a.md"
    path.write_text(f"---\ntitle: T\nurl: https://n.example/a\n---\n\n{body}\n", encoding="utf-8")
    record = read_record(path, "articles/a.md")
    assert record is not None
    assert record.image == "https://img.example.org/w.jpg?a=1&b=2"
    assert record.image_caption == "A wafer."

    class Page:
        meta: dict[str, str] = {}  # noqa: RUF012
        content = markdown.markdown(body)

    assert str(macros.picture(Page())) == html.escape(record.image)
    Page.meta = {"publish": "excerpt"}
    assert str(macros.picture(Page())) == ""  # never for an excerpt-only source
    excerpt = tmp_path / "b.md"
    excerpt.write_text(
        f"---\ntitle: T\nurl: https://n.example/b\npublish: excerpt\n---\n\n{body}\n",
        encoding="utf-8",
    )
    assert read_record(excerpt, "articles/b.md").image is None  # type: ignore[union-attr]
