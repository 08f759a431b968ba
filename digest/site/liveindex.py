"""Pagefind fed page by page while MkDocs is still building, on the other core.

Run after the build, Pagefind re-reads every article page from disk and adds
its whole time to the build's (about a sixth of it at 10,000 articles). Here
the rendered HTML of each article page goes straight to a ``pagefind
--service`` process as MkDocs writes it, so the indexing overlaps the build and
only the final write of the index remains. The service speaks base64-encoded
JSON messages ended by ``,`` on stdin and stdout (the protocol of Pagefind's
own Python and Node wrappers; the Python wrapper polls one reply per 0.1 s,
which would cost 1,000 s for 10,000 pages, hence this small client). Any
failure leaves the caller to run the ordinary ``pagefind --site`` instead.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

from mkdocs.config.base import Config as PluginConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.pages import Page

__all__ = ["LiveIndex", "LiveIndexPlugin", "indexed_part"]

log = logging.getLogger(__name__)


class LiveIndex:
    """A running ``pagefind --service`` with one index in it."""

    def __init__(self, executable: Path, language: str) -> None:
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
        reply = self._call({"type": "NewIndex", "config": {"force_language": language}})
        self._index_id = int(reply["index_id"])
        self.pages = 0

    # -- protocol --
    def _send(self, payload: dict[str, Any]) -> int:
        self._next_id += 1
        message = {"message_id": self._next_id, "payload": payload}
        stdin: IO[bytes] | None = self._proc.stdin
        assert stdin is not None
        stdin.write(base64.b64encode(json.dumps(message).encode("utf-8")) + b",")
        return self._next_id

    def _call(self, payload: dict[str, Any]) -> dict[str, Any]:
        message_id = self._send(payload)
        stdin = self._proc.stdin
        assert stdin is not None
        stdin.flush()
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
        """Queue one page; blocks only when the service is a pipe-buffer behind."""
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

    def write(self, output: Path) -> None:
        """Wait for every queued page, write the index into ``output``, stop the service."""
        try:
            self._call(
                {"type": "WriteFiles", "index_id": self._index_id, "output_path": str(output)}
            )
            if self._errors:
                raise RuntimeError("pagefind: " + "; ".join(self._errors[:3]))
        finally:
            self.close()

    def close(self) -> None:
        if self._proc.poll() is None:
            stdin = self._proc.stdin
            if stdin is not None:
                with contextlib.suppress(OSError):
                    stdin.close()
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._reader.join(timeout=10)


class _NoOptions(PluginConfig):  # type: ignore[no-untyped-call]
    """The plugin takes no options."""


_START, _END = "<!--digest-index-->", "<!--/digest-index-->"


def indexed_part(html: str) -> str:
    """What Pagefind needs of an article page: the part between the markers that
    partials/article.html puts around its data-pagefind-body element (about a
    fifth of the page; the rest is theme). The first start marker and the last
    end marker are the template's own: text before the article is escaped, and
    the article's body lies between them. The whole page when they are missing."""
    start, end = html.find(_START), html.rfind(_END)
    if start < 0 or end < start:
        return html
    lang = html[: html.find(">", html.find("<html"))].partition('lang="')[2].partition('"')[0]
    return f'<html lang="{lang}"><head></head><body>{html[start:end]}</body></html>'


class LiveIndexPlugin(BasePlugin[_NoOptions]):  # type: ignore[no-untyped-call]
    """Added to the in-process MkDocs config by ``digest build`` (never to mkdocs.yml)."""

    def __init__(self, index: LiveIndex, prefix: str = "articles/") -> None:
        super().__init__()
        self.index = index
        self.prefix = prefix

    def on_post_page(self, output: str, /, *, page: Page, config: Any) -> str:
        if page.file.src_uri.startswith(self.prefix):
            self.index.add(indexed_part(output), "/" + page.url)
        return output
