"""The listings' raw HTML kept away from Python-Markdown during ``digest build``.

The listing pages are Markdown with their long lists as raw HTML blocks (see
pages.py). Python-Markdown outputs such a block verbatim, but first runs two
HTML parsers over it (its own block extractor, and MkDocs' scan for anchor ids),
a tenth of a large build (docs/design/site-build.md). In the in-process build,
this plugin swaps each block the generator wrote for a placeholder paragraph
before Markdown and puts the block back afterwards. The
page comes out the same as through Markdown (the tests compare both); `mkdocs
build` alone, ProperDocs or Zensical simply take the slower path.
"""

from __future__ import annotations

import re
from typing import Any

from mkdocs.config.base import Config as PluginConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.pages import Page

from digest.site.pages import GENERATED_DIRS, HOME, RAW_BLOCK

__all__ = ["MemoKey", "PassthroughPlugin"]

_TOKEN = "digestrawblock{}x"
# Python-Markdown leaves a blank line after a raw block that more content follows.
_PLACEHOLDER = re.compile(r"<p>digestrawblock(\d+)x</p>(\n(?=.))?", re.DOTALL)


class _NoOptions(PluginConfig):  # type: ignore[no-untyped-call]
    """The plugin takes no options."""


class PassthroughPlugin(BasePlugin[_NoOptions]):  # type: ignore[no-untyped-call]
    """Added to the in-process MkDocs config by ``digest build`` (never to mkdocs.yml)."""

    def __init__(self, *, release_markdown: bool = False) -> None:
        super().__init__()
        self._blocks: dict[str, list[str]] = {}
        # MkDocs keeps every page's Markdown source to the end of the build, though
        # nothing reads it after rendering (unless another plugin does): dropping it
        # lowers the peak memory, reached when every page is rendered and none written.
        self._release = release_markdown

    @staticmethod
    def _generated(page: Page) -> bool:
        uri = page.file.src_uri
        return uri == HOME or uri.split("/", 1)[0] in GENERATED_DIRS

    def on_page_markdown(self, markdown: str, /, *, page: Page, **kwargs: Any) -> str:
        if not self._generated(page) or "<" not in markdown:
            return markdown
        blocks: list[str] = []

        def swap(m: re.Match[str]) -> str:
            blocks.append(m[1])
            return "\n\n" + _TOKEN.format(len(blocks) - 1) + "\n\n"

        text = RAW_BLOCK.sub(swap, markdown)
        if blocks:
            self._blocks[page.file.src_uri] = blocks
        return text

    def on_page_content(self, html: str, /, *, page: Page, **kwargs: Any) -> str:
        if self._release:
            page.markdown = ""  # not None: Page.title reads None as "not read yet"
        blocks = self._blocks.pop(page.file.src_uri, None)
        if not blocks:
            return html
        return _PLACEHOLDER.sub(lambda m: blocks[int(m[1])] + ("\n\n" if m[2] else ""), html)


class MemoKey:
    """The memo key of a page for the theme override (main.html's "Memo").

    The memoised parts link to the nav's pages, the theme's assets and a few
    fixed pages, with URLs relative to the page. Two pages get the same text
    when they are as deep and share the leading folders that any such target
    shares with them: the key is the depth plus those folders.
    """

    _FIXED = ("assets/", "search/", "feeds/", "")

    def __init__(self) -> None:
        self._targets: list[list[str]] | None = None

    def __call__(self, page: Page, nav: Any) -> str:
        if self._targets is None:
            urls = list(self._FIXED)
            stack = list(getattr(nav, "items", ()))
            while stack:
                item = stack.pop()
                stack.extend(getattr(item, "children", None) or ())
                url = getattr(item, "url", None)
                if isinstance(url, str) and "://" not in url:
                    urls.append(url.lstrip("/"))
            self._targets = [u.split("/") for u in urls]
        folders = page.url.split("/")[:-1]
        shared = 0
        for target in self._targets:
            n = 0
            for a, b in zip(folders, target, strict=False):
                if a != b:
                    break
                n += 1
            shared = max(shared, n)
        return f"{len(folders)}:" + "/".join(folders[:shared])
