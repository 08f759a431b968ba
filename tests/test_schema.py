"""The safe YAML loader (digest.schema) behind digest.yml: hostile files are one clear error.

Each case is a digest.yml a user (or an attacker who can commit one) might
write; each must end every command with exit 2 and a line number, at once,
never with a hang, a traceback or silently dropped data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from runner import Digest

from digest.config import parse_config
from digest.errors import ConfigError
from digest.schema import MAX_ALIAS_NODES, MAX_DEPTH, load_yaml

# The classic "billion laughs" in 440 bytes: nine levels of nine aliases each,
# 9**9 strings once expanded. The old loader grew to 600 MB in 20 s on it.
BOMB = "\n".join(
    ['lol0: &l0 "lol"']
    + [f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 9)]
    + ["sources: *l8", ""])


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("digest.yml"))
    return str(info.value)


def test_an_alias_bomb_is_refused_at_the_alias_that_explodes() -> None:
    assert len(BOMB.encode()) < 500
    message = _error(BOMB)
    assert message.startswith("digest.yml:")
    assert f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes" in message
    line = int(message.split(":")[1])
    assert BOMB.splitlines()[line - 1].startswith("lol")


def test_aliases_and_merge_keys_of_a_normal_size_still_work() -> None:
    text = ("fetch: &f {timeout: 5, retries: 1}\n"
            "x-defaults: &d {publish: excerpt, group: News}\n"
            "sources:\n"
            "  - {<<: *d, name: A, feed: 'https://example.org/a.xml'}\n"
            "  - {<<: *d, name: B, feed: 'https://example.org/b.xml', group: Other}\n")
    data, lines = load_yaml(text, "digest.yml", ConfigError)
    assert data["sources"][1] == {"publish": "excerpt", "group": "Other", "name": "B",
                                  "feed": "https://example.org/b.xml"}
    assert lines[("sources", 1, "name")] == 5
    assert data["fetch"] == {"timeout": 5, "retries": 1}


def test_a_recursive_alias_is_refused() -> None:
    assert "refers to itself" in _error("a: &a [1, *a]\n")


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "1.0e+999"])
def test_nan_and_infinite_numbers_are_refused(value: str) -> None:
    message = _error(f"site: {{title: T}}\nfetch:\n  timeout: {value}\n")
    assert message.startswith("digest.yml:3: ")
    assert "NaN and infinite numbers are not allowed" in message


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500, 5000, 100_000])
def test_deep_nesting_is_refused_with_its_line_not_a_recursion_error(depth: int) -> None:
    deep = "tags: " + "[" * depth + "]" * depth + "\n"
    message = _error("site: {title: T}\n" + deep)
    assert message.startswith("digest.yml:2: ")
    # libyaml itself stops at 1,000 levels; below that, the loader does.
    assert f"nested more than {MAX_DEPTH} levels deep" in message \
        or "exceeded maximum nesting depth" in message


def test_block_nesting_is_refused_too() -> None:
    deep = "".join(f"{'  ' * n}k{n}:\n" for n in range(200)) + "  " * 200 + "leaf: 1\n"
    assert "levels deep" in _error(deep)


def test_a_duplicate_key_is_an_error_naming_both_lines() -> None:
    text = ("sources:\n  - {name: A, feed: 'https://example.org/a.xml'}\n"
            "site: {title: T}\n"
            "sources:\n  - {name: B, feed: 'https://example.org/b.xml'}\n")
    message = _error(text)
    assert message == "digest.yml:4: duplicate key 'sources' (first on line 1)"


def test_a_duplicate_key_in_a_flow_mapping_too() -> None:
    assert "duplicate key 'name'" in _error("sources:\n  - {name: A, name: B, url: x}\n")


def test_two_documents_are_refused() -> None:
    message = _error("site: {title: A}\n---\nsite: {title: B}\n")
    assert message == "digest.yml:3: holds more than one YAML document ('---' inside)"


def test_a_number_too_long_for_python_is_one_error() -> None:
    message = _error("fetch:\n  max_bytes: " + "9" * 6000 + "\n")
    assert message.startswith("digest.yml")
    assert "\n" not in message


def test_a_huge_timeout_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("fetch: {timeout: 1.0e+300}\n", Path("digest.yml"))
    assert info.value.problems == ("digest.yml:1: fetch.timeout: must be at most 86400, "
                                   "not 1e+300",)


@pytest.mark.parametrize(("url", "reason"), [
    ("http://example.org:99999/feed", "Port out of range 0-65535"),
    ("http://example.org:8802:80/feed", "Port could not be cast to integer"),
    ("http://[::1/feed", "Invalid IPv6 URL"),
])
def test_a_source_url_without_an_address_is_a_config_error(url: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(f"sources:\n  - name: A\n    feed: '{url}'\n", Path("digest.yml"))
    (problem,) = info.value.problems
    assert problem.startswith("digest.yml:3: sources[0].feed: invalid URL (")
    assert reason in problem


@pytest.mark.parametrize("text", [
    BOMB,
    "fetch: {timeout: .nan}\n",
    "tags: " + "[" * 3000 + "]" * 3000 + "\n",
    "sources: []\nsources: []\n",
    "sources:\n  - {name: A, feed: 'http://example.org:99999/x'}\n",
])
def test_every_command_ends_with_exit_2_and_a_line(digest_in: Digest, text: str) -> None:
    (digest_in.folder / "digest.yml").write_text(text, encoding="utf-8")
    for command in (["fetch"], ["build"], ["sources", "list"], ["export"], ["reindex"]):
        result = digest_in(*command)
        assert result.exit_code == 2, (command, result.output)
        first = result.output.splitlines()[0]
        assert first.startswith("error: digest.yml"), result.output
        assert "Traceback" not in result.output
