"""digest.fetch.feeds: every feed format, broken encodings, OPML in and out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from digest.errors import SourceError
from digest.fetch.feeds import STREAM_MIN, iter_feed, looks_like_feed, parse_feed
from digest.fetch.opml import export_opml, import_opml
from digest.model import Entry, Source, SourceKind

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
FETCHED = datetime(2025, 2, 1, 12, 0, tzinfo=UTC)


def parse(name: str, url: str | None = None, content_type: str | None = None) -> list[Entry]:
    return list(parse_feed((FEEDS / name).read_bytes(), url=url, content_type=content_type,
                           source="S", fetched=FETCHED))


def test_gb2312_feed() -> None:
    (entry,) = parse("gb2312.xml")
    assert entry.title == "平台经济监管新规发布"
    assert "国家市场监督管理总局" in (entry.summary_html or "")
    assert entry.published == datetime(2025, 1, 21, 14, 17, tzinfo=timezone(timedelta(hours=8)))
    assert not entry.date_missing


def test_windows_1252_feed() -> None:
    (entry,) = parse("windows1252.xml")
    assert entry.title == "“Smart quotes” and café – naïve"
    assert "5€" in (entry.summary_html or "")


def test_control_characters_and_undefined_entities() -> None:
    first, second = parse("control_chars.xml")
    assert first.title == "Bell and space © 2025"
    assert "control" in (first.summary_html or "")
    assert second.url == "https://example.org/two"


def test_atom_relative_links_content_and_linkless_entries() -> None:
    entries = parse("atom.xml", url="https://example.org/feeds/atom.xml")
    assert [e.title for e in entries] == ["Relative link", "No link but content"]
    first, linkless = entries
    assert first.url == "https://example.org/blog/posts/1.html"
    assert first.author == "Li Wei"
    assert "https://example.org/about" in (first.content_html or "")
    assert first.summary_html == "<p>Short summary</p>"
    assert first.published is not None and first.published.utcoffset() == timedelta(hours=8)
    assert linkless.url is None and "without a link" in (linkless.content_html or "")
    assert linkless.date_missing and linkless.published == FETCHED


def test_rdf_and_rss_091() -> None:
    (rdf,) = parse("rdf.xml")
    assert (rdf.title, rdf.url, rdf.author) == ("RDF item", "https://example.org/rdf-1", "Ann")
    assert rdf.published == datetime(2025, 1, 1, 4, 0, tzinfo=UTC)
    (old,) = parse("rss091.xml")
    assert old.url == "https://example.org/old?id=7"  # tracking parameter dropped
    assert old.date_missing


def test_json_feed() -> None:
    entries = parse("jsonfeed.json", content_type="application/feed+json")
    assert len(entries) == 2  # the item with neither link nor content is dropped
    one, text_only = entries
    assert one.url == "https://example.org/json/1" and one.author == "Zhang San"
    assert one.content_html == "<p>Hello <b>JSON</b></p>"
    assert text_only.url is None and text_only.content_html == "<p>Para one.</p><p>Para two.</p>"


@pytest.mark.parametrize(("data", "reason"), [
    ((FEEDS / "not_a_feed.html").read_bytes(), "not a feed: an HTML page"),
    (b"just some text", "not a feed: not valid XML"),
    (b"", "not a feed: the response is empty"),
    (b'{"title": "x"}', "not a feed: a JSON document without JSON Feed 'items'"),
    (b"{broken json", "not a feed: not valid JSON"),
])
def test_not_a_feed(data: bytes, reason: str) -> None:
    with pytest.raises(SourceError) as info:
        parse_feed(data, url="https://example.org/feed")
    assert str(info.value).startswith(reason)


def test_wrong_content_type_is_ignored() -> None:
    entries = parse("rdf.xml", content_type="text/html; charset=utf-8")
    assert len(entries) == 1


def test_looks_like_feed() -> None:
    assert looks_like_feed((FEEDS / "atom.xml").read_bytes())
    assert looks_like_feed((FEEDS / "jsonfeed.json").read_bytes())
    assert not looks_like_feed((FEEDS / "not_a_feed.html").read_bytes())


def test_import_real_reader_opml() -> None:
    sources = import_opml((FEEDS / "nested.opml").read_bytes())
    assert [(s.name, s.group) for s in sources] == [
        ("China Daily", "News / China"),
        ("example.org", "News / China"),  # no title: named after the host
        ("Same Name", "Tech"),
        ("Same Name (2)", "Tech"),
        ("Top level", "Misc / Stuff"),
    ]
    assert all(s.kind is SourceKind.FEED for s in sources)


def test_import_skips_sources_already_configured() -> None:
    existing = [Source("China Daily", SourceKind.FEED,
                       "https://www.chinadaily.com.cn/rss/opinion_rss.xml")]
    names = [s.name for s in import_opml((FEEDS / "nested.opml").read_bytes(), existing)]
    assert "China Daily" not in names and names[0] == "example.org"


def test_opml_round_trip() -> None:
    sources = import_opml((FEEDS / "nested.opml").read_bytes())
    extra = Source("A page", SourceKind.URL, "https://example.org/a")  # not a feed: left out
    text = export_opml([*sources, extra], title="My <digest>")
    assert "<title>My &lt;digest&gt;</title>" in text
    assert import_opml(text) == sources


@pytest.mark.parametrize("data", [b"<html><body/></html>", b"not xml at all", b"<opml/>"])
def test_bad_opml(data: bytes) -> None:
    with pytest.raises(SourceError, match="not an OPML file"):
        import_opml(data)


# --- streaming big XML feeds --------------------------------------------------

STREAMABLE = ["atom.xml", "gb2312.xml", "rdf.xml", "rss091.xml", "windows1252.xml"]


@pytest.mark.parametrize("name", [*STREAMABLE, "control_chars.xml"])
@pytest.mark.parametrize("url", [None, "https://example.org/feeds/feed.xml"])
def test_streaming_gives_what_feedparser_gives(name: str, url: str | None) -> None:
    data = (FEEDS / name).read_bytes()
    whole = parse_feed(data, url=url, source="S", fetched=FETCHED)
    streamed = tuple(iter_feed(data, url=url, source="S", fetched=FETCHED, stream_min=0))
    assert streamed == whole
    from_file = tuple(iter_feed(FEEDS / name, url=url, source="S", fetched=FETCHED,
                                stream_min=0))
    assert from_file == whole


@pytest.mark.parametrize("name", STREAMABLE)
def test_fixture_feeds_really_stream(name: str) -> None:
    from digest.fetch.feedstream import Streamer, stream_items

    streamer = Streamer(None, "utf-8", "S", FETCHED)
    assert list(stream_items(FEEDS / name, streamer, True))  # no fallback needed


def test_broken_xml_falls_back_to_feedparser() -> None:
    data = (FEEDS / "control_chars.xml").read_bytes()  # undefined entities
    assert list(iter_feed(data, source="S", fetched=FETCHED, stream_min=0)) == list(
        parse_feed(data, source="S", fetched=FETCHED))
    with pytest.raises(SourceError, match="not a feed: an HTML page"):
        list(iter_feed((FEEDS / "not_a_feed.html").read_bytes(), stream_min=0))


def test_streaming_edge_cases_match_feedparser() -> None:
    data = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>
<item><title>Guid only &amp;amp; &lt;b&gt;bold&lt;/b&gt;</title>
<guid>https://example.org/g/1</guid><description>d &lt;a href="/x"&gt;y&lt;/a&gt;</description>
<author>bob@example.com (Bob)</author><pubDate>not a date</pubDate></item>
<item><guid isPermaLink="false">urn:2</guid><content:encoded><![CDATA[<p>Body
<script>alert(1)</script><img src="i.png" onerror="x()"></p>]]></content:encoded>
<description>Sum</description><dc:creator>Ann</dc:creator><dc:date>2025-01-01T10:00:00+02:00</dc:date></item>
<item><link>rel/3</link><description>only text</description></item>
</channel></rss>"""
    url = "https://example.org/feed/"
    assert tuple(iter_feed(data, url=url, source="S", fetched=FETCHED, stream_min=0)) \
        == parse_feed(data, url=url, source="S", fetched=FETCHED)


def _big_feed(path: Path, entries: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:content='
                  '"http://purl.org/rss/1.0/modules/content/"><channel><title>Big</title>\n')
        for n in range(entries):
            out.write(f"<item><title>Entry {n}</title><link>https://big.example.org/{n}</link>"
                      f"<pubDate>Wed, 01 Jan 2025 00:00:00 +0000</pubDate></item>\n")
        out.write(f"<!-- {'padding ' * 600_000} -->\n")  # big enough to be streamed
        out.write("</channel></rss>\n")


@pytest.mark.slow
def test_a_big_feed_is_streamed(tmp_path: Path) -> None:
    import sys
    import tracemalloc
    from collections.abc import Iterator

    path = tmp_path / "big.xml"
    _big_feed(path, 12_000)
    assert path.stat().st_size > STREAM_MIN
    entries = iter_feed(path, source="S", fetched=FETCHED)
    assert isinstance(entries, Iterator) and not isinstance(entries, tuple)
    tracemalloc.start()
    try:
        count, size = 0, 0
        for entry in entries:
            count += 1
            size += sys.getsizeof(entry) + sys.getsizeof(entry.url) + sys.getsizeof(entry.title)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 12_000
    # size is a lower bound for holding every entry at once; streaming holds far less
    assert peak < size / 2, f"peak {peak / 1e6:.1f} MB while streaming, {size / 1e6:.1f} MB held"
