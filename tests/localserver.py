"""Canned routes on the one HTTP test server (pytest-httpserver on 127.0.0.1).

Tests that need request handlers use the ``server`` fixture (conftest.py)
directly; tests that only need pages at paths fill ``Server.routes``.
Both are the same real server: werkzeug serving real sockets.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

__all__ = ["Route", "Server", "serve", "start_server"]


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
