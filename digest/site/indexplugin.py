"""Article pages handed to the search index while MkDocs is still building.

Pagefind can only index a span of articles once its pages are in. So when no
other plugin is configured, the article partial (the only part of an article
page Pagefind reads) is rendered as soon as
MkDocs has converted the page's Markdown (``on_page_content``) and its indexed
part handed to the index; a span that is full goes to Pagefind at once
(shards.py), and the last ones as soon as every page is converted
(``on_env``), while MkDocs renders the page templates. The partial is
rendered around a placeholder for the body (``digest_body``; its decisions
still read the real ``page.content``) and handed to ``main.html`` in
``extra.digest.articles``: the page is rendered once, with the same template.
Without search_bodies the body, inside a ``data-pagefind-ignore="all"``
element, is left out of what Pagefind is given.

With other plugins configured (which may change pages or their template
context), each article page is sent as MkDocs writes it instead.
"""

from __future__ import annotations

import secrets
from typing import Any

from jinja2 import Environment, Template
from mkdocs.commands.build import get_context
from mkdocs.config.base import Config as PluginConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from digest.site.format import index_language
from digest.site.shards import ShardedIndex, indexed_part

__all__ = ["LiveIndexPlugin"]

_ARTICLE = "partials/article.html"


class _NoOptions(PluginConfig):  # type: ignore[no-untyped-call]
    """The plugin takes no options."""


class LiveIndexPlugin(BasePlugin[_NoOptions]):  # type: ignore[no-untyped-call]
    """Added to the in-process MkDocs config by ``digest build`` (never to mkdocs.yml).

    With ``articles`` (a dict that is also ``extra.digest.articles``), article
    partials are rendered early (see the module's docstring); without it, each
    article page is sent as MkDocs writes it. The caller finishes the index.
    """

    def __init__(
        self,
        index: ShardedIndex,
        prefix: str = "articles/",
        *,
        articles: dict[str, list[str]] | None = None,
        search_bodies: bool = True,
        language: str = "en",
    ) -> None:
        super().__init__()
        self.index = index
        self.prefix = prefix
        self._articles = articles
        self._bodies = search_bodies
        self._nav: Navigation | None = None
        self._template: Template | None = None
        self._language = language  # the site's: articles that declare none
        # Stands for the page's body while the partial is rendered early, then split
        # on: random for each build, so no text of a feed can hold it.
        self._body = f"digest-body-{secrets.token_hex(16)}"
        self._sent: set[str] = set()  # article pages sent early

    def on_nav(self, nav: Navigation, /, *, config: Any, files: Files) -> Navigation:
        if self._articles is not None:
            self._nav = nav
            # The same environment MkDocs builds for the template phase (theme.get_env()).
            env: Environment = config.theme.get_env()
            self._template = env.get_template(_ARTICLE)
        return nav

    @event_priority(-100)  # last: the page's content is final
    def on_page_content(self, html: str, /, *, page: Page, config: Any, files: Files) -> str:
        if (
            self._articles is None
            or self._template is None
            or self._nav is None
            or not page.file.src_uri.startswith(self.prefix)
        ):
            return html
        page.content = html  # what the template's decisions read (MkDocs sets it after us)
        context = {**get_context(self._nav, [], config, page), "digest_body": self._body}
        parts = self._template.render(context).split(self._body)
        if len(parts) > 2:  # not expected from partials/article.html: the ordinary path
            return html
        self._articles[page.file.src_uri] = parts
        # Without search_bodies the body is inside data-pagefind-ignore="all":
        # Pagefind drops it whole, so it need not be sent (the index is the same).
        indexed = (html if self._bodies else "").join(parts)
        lang = index_language(page.meta.get("language"), self._language)
        self.index.add(indexed_part(indexed, lang), "/" + page.url, lang)
        self._sent.add(page.file.src_uri)
        return html

    def on_env(self, env: Environment, /, *, config: Any, files: Files) -> Environment:
        # Every page is read and converted: if every article is in, the last
        # bundle is written while MkDocs renders the templates.
        if self._articles is not None:
            self.index.seal()
        return env

    def on_post_page(self, output: str, /, *, page: Page, config: Any) -> str:
        uri = page.file.src_uri
        if uri.startswith(self.prefix) and uri not in self._sent:
            # Not sent early (another plugin, or an unexpected partial): a late
            # page opens a new bundle if the last one is already written.
            self.index.add(indexed_part(output, default=self._language), "/" + page.url)
        return output
