"""digest.yml is validated in full: every problem with its key path and line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner import Digest

from digest.config import load_config, parse_config
from digest.errors import ConfigError
from digest.model import Publish, SourceKind


def test_the_repository_config_loads() -> None:
    root = Path(__file__).resolve().parent.parent
    config = load_config(root / "digest.yml")
    assert config.site.title == "Platform & China Digest"
    assert [s.kind for s in config.sources] == [SourceKind.FEED, SourceKind.PATH, SourceKind.PATH]
    assert config.sources[1].publish is Publish.EXCERPT
    assert [t.name for t in config.taxonomy.tags][:3] == ["platform-policy", "us-china",
                                                          "social-media"]
    assert config.content_dir == root / "content"


BAD = """\
site:
  title: 42
  tittle: "typo"
content_dir: content
fetch:
  concurrency: 0
  per_host: "two"
sources:
  - name: "A"
    feed: "ftp://example.org/feed"
  - name: "B"
    url: "https://example.org/a.html"
    path: "pages"
  - feed: "https://example.org/rss"
  - name: "A"
    url: "https://example.org/b.html"
    publish: sometimes
extra: true
"""


def test_every_problem_is_reported_with_key_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(BAD, tmp_path / "digest.yml")
    problems = "\n".join(info.value.problems)
    expected = [
        "digest.yml:2: site.title: must be str, not a number",
        "digest.yml:3: site.tittle: unknown key (did you mean 'title'?)",
        "digest.yml:6: fetch.concurrency: must be greater than 0",
        "digest.yml:7: fetch.per_host: must be int, not a string",
        "digest.yml:10: sources[0].feed: must be an http(s) URL",
        "digest.yml:11: sources[1]: needs exactly one of 'feed', 'url' or 'path' (has url, path)",
        "digest.yml:14: sources[2]: missing required key 'name'",
        "digest.yml:15: sources[3].name: duplicate source name 'A'",
        "digest.yml:17: sources[3].publish: must be 'full' or 'excerpt'",
        "digest.yml:18: extra: unknown key",
    ]
    for line in expected:
        assert line in problems, f"missing {line!r} in:\n{problems}"
    assert len(info.value.problems) == len(expected)


def test_cli_exits_2_with_all_problems(digest_in: Digest, tmp_path: Path) -> None:
    (tmp_path / "digest.yml").write_text(BAD, encoding="utf-8")
    result = digest_in("fetch")
    assert result.exit_code == 2
    assert "10 problems in the configuration" in result.output
    assert "site.tittle: unknown key" in result.output
    assert "Traceback" not in result.output


def test_missing_config_says_what_to_do(digest_in: Digest) -> None:
    result = digest_in("fetch")
    assert result.exit_code == 2
    assert "digest.yml: no such file; run 'digest init'" in result.output


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"digest.yml:3: not valid YAML"):
        parse_config("site:\n  title: x\n  url: [unclosed\n", tmp_path / "digest.yml")


def test_config_flag_picks_another_file(digest_in: Digest, tmp_path: Path) -> None:
    (tmp_path / "other.yml").write_text("site: {title: Other}\nsources: []\n", encoding="utf-8")
    result = digest_in("--config", "other.yml", "sources", "list")
    assert result.exit_code == 0, result.output
    assert result.output == ""
