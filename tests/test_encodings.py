"""Charset detection, checking and mojibake repair on small hand-made pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.errors import ExtractError
from digest.extract.charset import decode_page, repair_mojibake
from digest.extract.html import extract_page

PAGES = Path(__file__).parent / "fixtures" / "pages"

CASES = [
    ("gbk.html", None, "图书馆扩建计划获批", "市议会周二投票决定扩大公共图书馆网络"),
    ("gb18030-undeclared.html", None, "图书馆扩建计划获批", "市议会周二投票决定扩大公共图书馆网络"),
    ("big5.html", None, "圖書館擴建計劃獲批", "市議會週二投票決定擴大公共圖書館網絡"),
    ("shift_jis.html", None, "図書館の拡張計画を承認", "公共図書館のネットワークを拡大"),
    ("euc-kr.html", None, "도서관 확장 계획 승인", "공공 도서관 네트워크를 확장하기로"),
    (
        "windows-1252.html",
        None,
        "Bibliothèques : le réseau s’agrandit",
        "l’élargissement du réseau",
    ),
    # The meta tag says ISO-8859-1, the bytes are UTF-8: the bytes win.
    ("latin1-label-utf8-bytes.html", None, "Bibliothèques : le réseau s’agrandit", "— si les"),
    # Same, with the lie in the HTTP header.
    (
        "latin1-label-utf8-bytes.html",
        "text/html; charset=ISO-8859-1",
        "Bibliothèques : le réseau s’agrandit",
        "l’élargissement",
    ),
    ("mojibake.html", None, "Bibliothèques : le réseau s’agrandit", "l’élargissement du réseau"),
    ("utf16-bom.html", None, "Library plan approved", "public library network"),
]


@pytest.mark.parametrize(("name", "content_type", "title", "snippet"), CASES)
def test_page_decodes(name: str, content_type: str | None, title: str, snippet: str) -> None:
    result = extract_page((PAGES / name).read_bytes(), content_type=content_type)
    assert result.title == title
    assert snippet in result.text
    assert "\ufffd" not in result.text


def test_header_charset_beats_guessing() -> None:
    data = "<p>Café “quoted” — naïve</p>".encode("cp1252")
    assert decode_page(data, "text/html; charset=windows-1252") == "<p>Café “quoted” — naïve</p>"


def test_wrong_multibyte_label_falls_back_to_the_bytes() -> None:
    data = ("<p>" + "日本語のページです。" * 10 + "</p>").encode("shift_jis")
    assert "日本語のページです" in decode_page(data, "text/html; charset=utf-8")


def test_mojibake_repair_leaves_real_latin_text() -> None:
    assert repair_mojibake("CafÃ© â€œokâ€\x9d itâ€™s") == "Café “ok” it’s"
    assert repair_mojibake("café Ärger naïve £5") == "café Ärger naïve £5"


def test_binary_is_refused() -> None:
    with pytest.raises(ExtractError, match="binary"):
        extract_page((PAGES / "binary.bin").read_bytes())
