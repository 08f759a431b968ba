"""The seed page in five forms through `digest add` and `digest extract`: every check of
tests/fixtures/seed/expected.yml.

page.html and page.txt are the page as served and as copied. The variants are
the same story laid out differently, so that the method is held to the layout
and not to one file:

- page-variant-a.txt: share rows around the headline, the byline broken over
  three lines (author / publisher / "Updated …"), a reading time;
- page-variant-b.txt: the date above the headline, "By Guo Yi, China Daily"
  below it, then a share counter, "Share This Article" and "Close share panel";
- page-variant-c.html: share buttons above the <h1>, the byline in separate
  elements with a <time>, a site suffix on og:title and JSON-LD headline, a
  zero JSON-LD date, an organisation as JSON-LD author, a stuffed <title>.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from runner import Digest

SEED = Path(__file__).parent / "fixtures" / "seed"
EXPECTED: dict[str, Any] = yaml.safe_load((SEED / "expected.yml").read_text(encoding="utf-8"))
FORMS = ["page.html", "page.txt", "page-variant-a.txt", "page-variant-b.txt",
         "page-variant-c.html"]


def checks(front: dict[str, Any], body: str, html: bool) -> list[tuple[str, bool]]:
    """(name, passed) for each check of expected.yml: 28 for a text form, 29 for HTML."""
    want = EXPECTED
    text = body.replace("\\[", "[").replace("\\]", "]")
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    first = next((i for i, p in enumerate(paragraphs) if p.startswith(want["body"]["first_words"])),
                 None)
    last = next((i for i, p in enumerate(paragraphs) if p.endswith(want["body"]["last_words"])),
                None)
    published = front.get("published")
    out = [
        ("title", front.get("title") == want["title"]),
        ("author", front.get("author") == want["author"]),
        ("source", front.get("source") == want["source"]),
        ("section", front.get("section") == want["section"]),
        ("published", published is not None
         and datetime.fromisoformat(str(published)) == datetime.fromisoformat(want["published"])
         and str(published).endswith("+08:00")),
        ("language", front.get("language") == want["language"]),
        ("image_caption", front.get("image_caption") == want["image_caption"]),
        ("first_words", first is not None),
        ("last_words", last is not None),
        ("paragraphs", first is not None and last is not None
         and last - first + 1 == want["body"]["paragraphs"]),
    ]
    out += [(f"tag {t}", t in front.get("tags", [])) for t in want["tags_include"]]
    out += [(f"no tag {t}", t not in front.get("tags", [])) for t in want["tags_exclude"]]
    out += [(f"without {junk!r}", junk not in body and all(junk not in str(v)
             for v in front.values())) for junk in want["body"]["must_not_contain"]]
    if html:
        out.append(("canonical_url", front.get("canonical_url") == want["canonical_url"]))
    return out


@pytest.mark.parametrize("form", FORMS)
def test_every_check_through_digest_add(form: str, digest_in: Digest, tmp_path: Path) -> None:
    (tmp_path / "digest.yml").write_text('site: {title: "My Digest"}\ncontent_dir: content\n',
                                         encoding="utf-8")
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved" / form).write_bytes((SEED / form).read_bytes())
    result = digest_in("add", f"saved/{form}")
    assert result.exit_code == 0, result.output
    [path] = list((tmp_path / "content/articles").rglob("*.md"))
    _, front_text, body = path.read_text(encoding="utf-8").split("---\n", 2)
    results = checks(yaml.safe_load(front_text), body, form.endswith(".html"))
    assert len(results) == (29 if form.endswith(".html") else 28)
    assert [name for name, ok in results if not ok] == []
    assert path.parent.as_posix().endswith("2025/01/21")


def test_extract_json_agrees_with_the_stored_article(digest_in: Digest, tmp_path: Path) -> None:
    result = digest_in("extract", "--format", "json", *(str(SEED / f) for f in FORMS))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["title"] for r in records] == [EXPECTED["title"]] * len(FORMS)
    assert {r["author"] for r in records} == {EXPECTED["author"]}
    assert {r["source"] for r in records} == {EXPECTED["source"]}
    assert {r["published"] for r in records} == {EXPECTED["published"]}
    for record in records:
        assert record["text"].count("The recent surge of American") == 1
        assert record["summary"].startswith(EXPECTED["body"]["first_words"])  # not the caption
        assert "Copy link" not in record["text"] and "84.1K" not in record["text"]
