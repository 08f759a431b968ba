"""digest.fetch.urls and digest.archive.fingerprint: one spelling per story, one fingerprint per text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.archive.fingerprint import closest, hamming, simhash
from digest.fetch.urls import canonicalize, host_of, url_keys


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTP://Example.COM:80/a", "http://example.com/a"),
    ("https://example.com:443", "https://example.com/"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("https://example.com/a#comments", "https://example.com/a"),
    ("https://example.com/a?utm_source=rss&utm_medium=feed&id=3&fbclid=x&gclid=y",
     "https://example.com/a?id=3"),
    ("https://example.com/a?spm=a.b.c&mc_cid=1&_hsenc=2", "https://example.com/a"),
    ("https://example.com/2025/01/story/amp/", "https://example.com/2025/01/story/"),
    ("https://example.com/story.amp.html", "https://example.com/story.html"),
    ("https://example.com/story?amp=1", "https://example.com/story"),
    ("https://example.com/story?outputType=amp", "https://example.com/story"),
    ("https://example.com/story?amp=other", "https://example.com/story?amp=other"),
    ("https://example.com/a%7eb/%e4%b8%ad", "https://example.com/a~b/%E4%B8%AD"),
    ("https://example.com/a b", "https://example.com/a%20b"),
    ("mailto:someone@example.com", "mailto:someone@example.com"),
    ("  https://example.com/x  ", "https://example.com/x"),
])
def test_canonicalize(url: str, expected: str) -> None:
    assert canonicalize(url) == expected


def test_mobile_and_www_variants_share_a_key() -> None:
    keys = set(url_keys("https://m.example.com/news/1/"))
    assert "https://example.com/news/1" in keys
    assert "https://example.com/news/1" in url_keys("http://www.example.com/news/1?utm_source=x")
    assert url_keys("https://example.com/news/1") == ("https://example.com/news/1",)


def test_host_of() -> None:
    assert host_of("https://WWW.Example.com:8080/x") == "www.example.com"
    assert host_of("not a url") == ""


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(max_size=80),
    st.builds(lambda scheme, host, path, query, frag: f"{scheme}://{host}{path}?{query}#{frag}",
              st.sampled_from(["http", "HTTPS", "https"]),
              st.sampled_from(["Example.com", "m.example.com:443", "www.x.org:80", "[::1]:8080",
                               "amp.site.cn"]),
              st.text(alphabet="/amp.%7eE4b2-_~ 中", max_size=30),
              st.text(alphabet="utm_source=&amp1fbclid;id%2", max_size=30),
              st.text(max_size=5)),
))
def test_canonicalize_is_idempotent(url: str) -> None:
    once = canonicalize(url)
    assert canonicalize(once) == once
    keys = url_keys(url)
    assert url_keys(keys[0]) == keys


TEXT = " ".join(
    f"The regulator said on day {i} that platform companies must file their algorithms "
    f"and explain ranking decisions to users in market number {i % 7}." for i in range(30))


def test_simhash_finds_syndicated_copies() -> None:
    original = simhash(TEXT)
    copy = simhash("Reuters — " + TEXT.replace("day 12", "day twelve") + " Share this story.")
    other = simhash(TEXT.replace("regulator", "court").replace("platform", "shipping")
                    .replace("algorithms", "cargo manifests"))
    assert original is not None and copy is not None and other is not None
    assert hamming(original, copy) <= 3 < hamming(original, other)
    stored = [("https://a/1", "articles/a.md", original)]
    match = closest(copy, stored)
    assert match is not None and match.canonical_url == "https://a/1"
    assert closest(other, stored) is None


def test_simhash_is_cjk_aware() -> None:
    story = ("国家市场监督管理总局发布新规，要求大型互联网平台公开算法规则，"
             "并在七日内回应用户的投诉和申诉。专家认为此举将改变行业竞争格局。") * 3
    edited = story.replace("七日内", "十日内", 1) + "责任编辑：王五"
    unrelated = ("中国女排在世界联赛中以三比一战胜对手，主教练赛后表示队员发挥稳定，"
                 "下一场比赛将在周末举行，球迷期待球队继续保持良好状态。") * 3
    a, b, c = simhash(story), simhash(edited), simhash(unrelated)
    assert a is not None and b is not None and c is not None
    assert hamming(a, b) <= 3 < hamming(a, c)


def test_short_texts_get_no_fingerprint() -> None:
    assert simhash("Too short to say anything.") is None


def test_fingerprints_fit_sqlite_integers() -> None:
    fp = simhash(TEXT)
    assert fp is not None and -(2**63) <= fp < 2**63
