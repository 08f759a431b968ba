"""Pagefind fed page by page while MkDocs is still building, on the other core.

Run after the build, Pagefind re-reads every article page from disk and adds
its whole time to the build's (about a sixth of it at 10,000 articles). Here
each article goes straight to a ``pagefind --service`` process, so the indexing
overlaps the build. The service speaks base64-encoded JSON messages ended by
``,`` on stdin and stdout (the protocol of Pagefind's own Python and Node
wrappers; the Python wrapper polls one reply per 0.1 s, which would cost
1,000 s for 10,000 pages, hence this small client). Any failure leaves the
caller to run the ordinary ``pagefind --site`` instead.

Every page goes to the index of its article's language (the ``lang`` of the
article element, else the site's): Pagefind keeps one index per language,
stems English words in the English one and segments Chinese in the Chinese
one, and the search page queries them all (digest.js).

Most of Pagefind's time goes to writing the index (``WriteFiles``, a seventh of
the build at 2,000 articles), which can only start once every page is in. So
when no other plugin is configured, the article partial (the only part of an
article page Pagefind reads) is rendered as soon as MkDocs has converted the
page's Markdown (``on_page_content``), its indexed part sent, and the index
written while MkDocs renders the page templates (``on_env`` starts it). The
partial is rendered around a placeholder for the body (``digest_body``; its
decisions still read the real ``page.content``) and handed to ``main.html`` in
``extra.digest.articles`` (the page is rendered once, with the same template);
without search_bodies the body, which lies inside a
``data-pagefind-ignore="all"`` element, is left out of what Pagefind is sent.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import queue
import re
import secrets
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

from jinja2 import Environment, Template
from mkdocs.commands.build import get_context
from mkdocs.config.base import Config as PluginConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from digest.site.format import index_language

__all__ = ["LiveIndex", "LiveIndexPlugin", "indexed_part"]

log = logging.getLogger(__name__)


class LiveIndex:
    """A running ``pagefind --service`` with one index in it."""

    def __init__(self, executable: Path) -> None:
        self._proc = subprocess.Popen(
            [str(executable), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._errors: list[str] = []
        self._cond = threading.Condition()
        self._closed = False
        self._reader = threading.Thread(target=self._read, name="pagefind-reader", daemon=True)
        self._reader.start()
        # Messages go out through a thread of their own: when Pagefind is behind
        # (the machine busy), MkDocs goes on instead of waiting on a full pipe.
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write, name="pagefind-writer", daemon=True)
        self._writer.start()
        # No forced language: each page's <html lang> puts it in its language's index.
        reply = self._call({"type": "NewIndex", "config": {}})
        self._index_id = int(reply["index_id"])
        self.pages = 0
        self._writing: int | None = None  # the id of the WriteFiles message, once sent

    # -- protocol --
    def _send(self, payload: dict[str, Any]) -> int:
        """Queue one message (the writer thread sends it); its id."""
        self._next_id += 1
        message = {"message_id": self._next_id, "payload": payload}
        self._outbox.put(base64.b64encode(json.dumps(message).encode("utf-8")) + b",")
        return self._next_id

    def _write(self) -> None:
        stdin: IO[bytes] | None = self._proc.stdin
        assert stdin is not None
        try:
            while (chunk := self._outbox.get()) is not None:
                stdin.write(chunk)
                if self._outbox.empty():
                    stdin.flush()
        except (OSError, ValueError) as exc:  # the service is gone, or being closed
            with self._cond:
                self._errors.append(f"cannot write to pagefind: {exc}")
                self._closed = True
                self._cond.notify_all()

    def _call(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._wait(self._send(payload))

    def _wait(self, message_id: int) -> dict[str, Any]:
        with self._cond:
            while message_id not in self._replies:
                if self._closed:
                    raise RuntimeError("pagefind service stopped: " + "; ".join(self._errors))
                self._cond.wait()
            reply = self._replies.pop(message_id)
        if reply.get("type") == "Error":
            raise RuntimeError(f"pagefind: {reply.get('message')}")
        return reply

    def _read(self) -> None:
        stdout = self._proc.stdout
        assert stdout is not None
        buf = b""
        try:
            while chunk := os.read(stdout.fileno(), 1 << 16):
                buf += chunk
                *messages, buf = buf.split(b",")
                for raw in messages:
                    self._receive(raw)
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    def _receive(self, raw: bytes) -> None:
        reply = json.loads(base64.b64decode(raw))
        payload = reply.get("payload") or {}
        message_id = reply.get("message_id")
        if payload.get("type") == "Error":
            self._errors.append(str(payload.get("message")))
        if payload.get("type") == "IndexedFile" and message_id is not None:
            return  # a page was added; nobody waits for these
        with self._cond:
            if message_id is not None:
                self._replies[int(message_id)] = payload
            self._cond.notify_all()

    # -- API --
    def add(self, html: str, url: str) -> None:
        """Queue one page; never waits for the service."""
        self._send(
            {
                "type": "AddFile",
                "index_id": self._index_id,
                "url": url,
                "file_path": None,
                "file_contents": html,
            }
        )
        self.pages += 1

    @property
    def writing(self) -> bool:
        return self._writing is not None

    def start_write(self, output: Path) -> None:
        """Ask for the index to be written into ``output`` once the queued pages are
        in; returns at once (the service works on while the caller does)."""
        if self._writing is None:
            self._writing = self._send(
                {"type": "WriteFiles", "index_id": self._index_id, "output_path": str(output)}
            )

    def finish(self) -> None:
        """Wait for the write :meth:`start_write` asked for, stop the service."""
        try:
            if self._writing is None:
                raise RuntimeError("pagefind: the index was never written")
            self._wait(self._writing)
            if self._errors:
                raise RuntimeError("pagefind: " + "; ".join(self._errors[:3]))
        finally:
            self.close()

    def write(self, output: Path) -> None:
        """Wait for every queued page, write the index into ``output``, stop the service."""
        try:
            self.start_write(output)
        except BaseException:
            self.close()
            raise
        self.finish()

    def close(self) -> None:
        self._outbox.put(None)  # the writer stops here, or on the broken pipe below
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._writer.join(timeout=10)
        stdin = self._proc.stdin
        if stdin is not None:
            with contextlib.suppress(OSError):
                stdin.close()
        self._reader.join(timeout=10)


class _NoOptions(PluginConfig):  # type: ignore[no-untyped-call]
    """The plugin takes no options."""


_START, _END = "<!--digest-index-->", "<!--/digest-index-->"
_ARTICLE = "partials/article.html"


_ARTICLE_LANG = re.compile(r'<div class="digest-article"[^>]*?\slang="([^"]*)"')


def indexed_part(html: str, lang: str | None = None, *, default: str = "en") -> str:
    """What Pagefind needs of an article page: the part between the markers that
    partials/article.html puts around its data-pagefind-body element (about a
    fifth of the page; the rest is theme), as a page in the article's language.
    The first start marker and the last end marker are the template's own: text
    before the article is escaped, and the article's body lies between them. The
    whole page when they are missing. ``lang`` is the article's language; by
    default read from the article element (else ``default``, the site's)."""
    start, end = html.find(_START), html.rfind(_END)
    if start < 0 or end < start:
        return html
    part = html[start:end]
    if lang is None:
        found = _ARTICLE_LANG.search(part)
        lang = found[1] if found else None
    lang = index_language(lang, default)
    return f'<html lang="{lang}"><head></head><body>{part}</body></html>'


class LiveIndexPlugin(BasePlugin[_NoOptions]):  # type: ignore[no-untyped-call]
    """Added to the in-process MkDocs config by ``digest build`` (never to mkdocs.yml).

    With ``articles`` (a dict that is also ``extra.digest.articles``), article
    partials are rendered early and the index written during the template phase
    (see the module's docstring); without it, each article page is sent as
    MkDocs writes it and the caller writes the index after the build.
    """

    def __init__(
        self,
        index: LiveIndex,
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
        self._late = 0  # article pages that took the ordinary path
        self.missed = 0  # article pages met after the index was written (none expected)

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
            self._late += 1
            return html
        self._articles[page.file.src_uri] = parts
        # Without search_bodies the body is inside data-pagefind-ignore="all":
        # Pagefind drops it whole, so it need not be sent (the index is the same).
        indexed = (html if self._bodies else "").join(parts)
        lang = index_language(page.meta.get("language"), self._language)
        self.index.add(indexed_part(indexed, lang), "/" + page.url)
        self._sent.add(page.file.src_uri)
        return html

    def on_env(self, env: Environment, /, *, config: Any, files: Files) -> Environment:
        # Every page is read and converted: if every article is in the index, it
        # is written while MkDocs renders the templates.
        if self._sent and not self._late:
            self.index.start_write(Path(config["site_dir"]) / "pagefind")
        return env

    def on_post_page(self, output: str, /, *, page: Page, config: Any) -> str:
        uri = page.file.src_uri
        if uri.startswith(self.prefix) and uri not in self._sent:
            if self.index.writing:
                self.missed += 1  # too late for this index: the caller indexes the site
            else:
                self.index.add(indexed_part(output, default=self._language), "/" + page.url)
        return output
