"""Canned routes and static folders on the one HTTP test server (pytest-httpserver
on 127.0.0.1).

Tests that need request handlers use the ``server`` fixture (conftest.py)
directly; tests that only need pages at paths fill ``Server.routes``; tests
that need a built site served as a static host serves it use
``serve_directory``. All are the same real server: werkzeug serving real sockets.
"""

from __future__ import annotations

import functools
import mimetypes
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

__all__ = ["Route", "Server", "serve", "serve_directory", "start_server"]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class Server:
    """Paths to canned responses, and the paths asked for, in order."""

    def __init__(self, httpd: HTTPServer) -> None:
        self.httpd = httpd
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        httpd.expect_request(re.compile(".*")).respond_with_handler(self._answer)

    @property
    def base(self) -> str:
        return self.httpd.url_for("/").rstrip("/")

    def url(self, path: str) -> str:
        return self.base + path

    def _answer(self, request: Request) -> Response:
        path = request.full_path.rstrip("?")
        self.hits.append(path)
        route = self.routes.get(path)
        if route is None:
            return Response("not found", status=404)
        if route.delay:
            time.sleep(route.delay)
        return Response(route.body, status=route.status, content_type=route.content_type,
                        headers=route.headers)


def start_server() -> HTTPServer:
    """A started pytest-httpserver on 127.0.0.1 (threaded, so slow routes block no one)."""
    httpd = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    httpd.start()
    return httpd


@contextmanager
def serve() -> Iterator[Server]:
    httpd = start_server()
    try:
        yield Server(httpd)
    finally:
        httpd.clear()
        httpd.stop()


# Types a static host gives that the platform's mimetypes tables may lack or get
# wrong: Pagefind's WebAssembly must be application/wasm for streaming
# compilation, and compressed files are sent as they are, never as an encoding.
_TYPES = {
    ".wasm": "application/wasm",
    ".gz": "application/gzip",
    ".bz2": "application/x-bzip2",
    ".xz": "application/x-xz",
}


def _content_type(path: Path) -> str:
    known = _TYPES.get(path.suffix.lower())
    if known is None:
        known, _ = mimetypes.guess_type(path.name)
    return known or "application/octet-stream"


def _not_found(root: Path) -> Response:
    page = root / "404.html"
    if page.is_file():
        return Response(page.read_bytes(), status=404, content_type="text/html")
    return Response("not found", status=404, content_type="text/plain")


def _file(root: Path, request: Request) -> Response:
    """What a static host answers: the file at the path, a folder's index.html
    (after a redirect to the folder's slash), or the site's own 404 page."""
    if request.method not in ("GET", "HEAD"):
        return Response("method not allowed", status=405, headers={"Allow": "GET, HEAD"})
    try:
        target = (root / request.path.lstrip("/")).resolve()
    except (OSError, ValueError):  # a NUL byte, a symlink loop
        return _not_found(root)
    if not target.is_relative_to(root):  # "..", or a link that leads out
        return _not_found(root)
    if target.is_dir():
        if not request.path.endswith("/"):
            query = request.query_string.decode("latin-1")
            location = quote(request.path + "/") + (f"?{query}" if query else "")
            return Response(status=301, headers={"Location": location})
        target = target / "index.html"
    if not target.is_file():
        return _not_found(root)
    return Response(target.read_bytes(), content_type=_content_type(target))


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """The files under ``root`` (nothing outside it) as a static host serves them,
    on a server of their own; its base URL, ending in a slash."""
    httpd = start_server()
    httpd.expect_request(re.compile(".*")).respond_with_handler(
        functools.partial(_file, root.resolve())
    )
    try:
        yield httpd.url_for("/")
    finally:
        httpd.clear()
        httpd.stop()
