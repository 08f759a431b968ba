"""`digest sources import/export`: OPML in and out, digest.yml comments kept."""

from __future__ import annotations

from pathlib import Path

from runner import Digest

from digest.config import load_config
from digest.fetch.opml import import_opml

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My reader</title></head><body>
  <outline text="News" title="News">
    <outline text="China" title="China">
      <outline type="rss" text="China Daily" xmlUrl="https://example.cn/rss.xml"/>
      <outline type="rss" xmlUrl="https://untitled.example.org/feed"/>
    </outline>
    <outline type="rss" text="Tech Wire" xmlUrl="https://tech.example.org/atom.xml"/>
  </outline>
  <outline type="rss" text="Tech Wire again" xmlUrl="https://tech.example.org/atom.xml"/>
  <outline type="rss" text="Already here" xmlUrl="https://already.example.org/feed.xml"/>
</body></opml>
"""

CONFIG = """\
# my digest: keep this comment
site:
  title: "Mine"   # and this one
sources:
  - name: "Existing"
    feed: "https://already.example.org/feed.xml"
  # a commented-out source stays
content_dir: content
"""


def test_import_adds_new_feeds_and_keeps_the_file_readable(digest_in: Digest, tmp_path: Path) -> None:
    (tmp_path / "digest.yml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "subs.opml").write_text(OPML, encoding="utf-8")
    result = digest_in("sources", "import", "subs.opml")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "added 3 feed(s), skipped 1 already present"
    text = (tmp_path / "digest.yml").read_text(encoding="utf-8")
    for comment in ("# my digest: keep this comment", "# and this one",
                    "# a commented-out source stays"):
        assert comment in text
    config = load_config(tmp_path / "digest.yml")
    by_url = {s.location: s for s in config.sources}
    assert len(config.sources) == 4
    assert by_url["https://example.cn/rss.xml"].group == "News / China"
    assert by_url["https://tech.example.org/atom.xml"].group == "News"
    assert by_url["https://untitled.example.org/feed"].name  # a name even without a title
    again = digest_in("sources", "import", "subs.opml")
    assert again.output.strip() == "added 0 feed(s), skipped 4 already present"
    assert len(load_config(tmp_path / "digest.yml").sources) == 4


def test_export_round_trips(digest_in: Digest, tmp_path: Path) -> None:
    (tmp_path / "digest.yml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "subs.opml").write_text(OPML, encoding="utf-8")
    digest_in("sources", "import", "subs.opml")
    result = digest_in("sources", "export", "-o", "out.opml")
    assert result.exit_code == 0, result.output
    back = import_opml((tmp_path / "out.opml").read_bytes())
    assert {s.location for s in back} == {s.location for s in
                                          load_config(tmp_path / "digest.yml").sources}


def test_import_of_a_broken_file_changes_nothing(digest_in: Digest, tmp_path: Path) -> None:
    (tmp_path / "digest.yml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "bad.opml").write_bytes(b"\x00\x01 not xml at all")
    result = digest_in("sources", "import", "bad.opml")
    assert result.exit_code == 1
    assert result.output.startswith("error: bad.opml") or "bad.opml" in result.output
    assert (tmp_path / "digest.yml").read_text(encoding="utf-8") == CONFIG
