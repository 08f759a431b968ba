"""A small archive for the site tests, written with the project's own store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from digest.archive.store import Archive
from digest.config import Config, parse_config
from digest.model import Article, Publish

CST = timezone(timedelta(hours=8))
SEED_TITLE = "A journey from TikTok to RedNote is a story of talks"
ZH_TITLE = "美国网民涌入小红书：一场意外的文化交流"
HOSTILE_TITLE = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(2)>"
EXCERPT_BODY = "This paragraph is the secret full text of an excerpt-only source."
SEED_IMAGE = "https://img.example.org/2025/seed.jpg?w=800&h=450"
ZH_BODY = "大量美国用户在禁令前下载了小红书应用程序。他们开始与中国网友交流。"
SAVED_PATH = "saved/pages/filler.html"  # what `digest add saved/pages/filler.html` names the source

CONFIG = """\
site:
  title: "Test Digest"
  url: "https://example.org/digest/"
  description: "A digest for tests"
  page_size: 3
content_dir: content
sources:
  - {name: "China Daily", feed: "https://example.org/cd.xml"}
  - {name: "Excerpt Times", feed: "https://example.org/et.xml", publish: excerpt}
"""


def article(
    title: str,
    when: datetime,
    *,
    source: str = "China Daily",
    tags: tuple[str, ...] = (),
    body: str = "Body text.",
    summary: str = "",
    language: str | None = "en",
    publish: Publish = Publish.FULL,
    sources: tuple[str, ...] = (),
    image: str | None = None,
    image_caption: str | None = None,
    publisher: str | None = None,
) -> Article:
    slug = str(abs(hash((title, when))))
    return Article(
        title=title,
        url=f"https://news.example.org/{slug}",
        canonical_url=f"https://news.example.org/{slug}",
        source=source,
        fetched=when,
        body=body,
        author="Zhang Wei",
        published=when,
        language=language,
        tags=tags,
        summary=summary or f"Summary of {title}.",
        sources=sources or (source,),
        publish=publish,
        image=image,
        image_caption=image_caption,
        publisher=publisher,
    )


def make_digest(root: Path, *, extra: int = 6) -> tuple[Config, Archive]:
    """A digest folder with mkdocs.yml and a dozen articles over three days."""
    (root / "digest.yml").write_text(CONFIG, encoding="utf-8")
    repo = Path(__file__).resolve().parents[1]
    (root / "mkdocs.yml").write_text(
        (repo / "digest" / "data" / "scaffold" / "mkdocs.yml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (root / "content").mkdir(exist_ok=True)
    (root / "content" / "about.md").write_text("# About\n\nTest.\n", encoding="utf-8")
    config = parse_config(CONFIG, root / "digest.yml")
    archive = Archive(config.content_dir, config.state_path)
    day = datetime(2025, 1, 15, 9, 30, tzinfo=CST)
    archive.save(
        article(
            SEED_TITLE,
            day,
            tags=("platform-policy", "us-china", "social-media"),
            summary="Talks, not bans, decide the future of TikTok and RedNote.",
            body="## Talks\n\nUS users moved from TikTok to RedNote.",
            sources=("China Daily", "Global Times"),
            image=SEED_IMAGE,
            image_caption="Phones showing both apps.",
            publisher="Example News",
        )
    )
    archive.save(
        article(
            ZH_TITLE,
            day - timedelta(hours=2),
            tags=("social-media",),
            language="zh",
            summary="大量美国用户在禁令前下载了小红书应用程序。",
            body=ZH_BODY,
        )
    )
    archive.save(
        article(
            HOSTILE_TITLE,
            day - timedelta(hours=3),
            source='Evil "Source" <b>',
            tags=("ai",),
            summary="<script>alert(3)</script> javascript:alert(4)",
            image="javascript:alert(5)",
        )
    )
    archive.save(
        article(
            "Excerpt only story",
            day - timedelta(hours=4),
            source="Excerpt Times",
            tags=("trade-economy",),
            body=EXCERPT_BODY,
            publish=Publish.EXCERPT,
            image="https://img.example.org/excerpt.jpg",
        )
    )
    for i in range(extra):
        archive.save(
            article(
                f"Filler story number {i}",
                day - timedelta(days=1 + i // 3, hours=i),
                tags=("ai",) if i % 2 else ("privacy-security",),
                # A saved page (named by its path) and a picture over plain http.
                source=SAVED_PATH if i == 0 else "China Daily",
                publisher="Saved Gazette" if i == 0 else None,
                image="http://img.example.org/plain.jpg" if i == 1 else None,
                language=None if i == 2 else "en",  # a page that named no language
            )
        )
    return config, archive


def search_index_text(site: Path) -> str:
    """Everything the site's Pagefind search index holds, as text (every bundle)."""
    import gzip

    fragments = sorted(site.glob("pagefind*/fragment/*.pf_fragment"))
    assert fragments, f"no search index in {site}"
    return "\n".join(gzip.decompress(f.read_bytes()).decode("utf-8", "replace")
                     for f in fragments)
