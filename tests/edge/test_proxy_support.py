"""A real origin and an edge on one loop thread, for the proxy's tests (this module has none).

The origin is a small ``App`` on its own ``HTTPServer``: it records every request it reads and
the viewer ports it saw (one port per origin connection), and answers by path.
"""

from __future__ import annotations

import asyncio
import dataclasses
import http.client
import socket
import ssl
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

import uvloop

from conftest import free_port
from edgeworks.config import single_origin_distribution
from edgeworks.config.model import Distribution, Limits
from edgeworks.edge.proxy import EdgeApp
from edgeworks.edge.trace import Tracer
from edgeworks.http.server import HTTPServer, Request, Response

T = TypeVar("T")
CHUNK = 64 * 1024


class OriginApp:
    """The origin behind the edge under test."""

    def __init__(self) -> None:
        self.seen: list[Request] = []
        self.bodies: list[bytes] = []
        self.ports: set[int] = set()
        self.counter = 0
        self.version = 1

    def respond_now(self, request: Request) -> Sequence[bytes] | None:
        """Never answers synchronously: every request is recorded by :meth:`handle`."""
        return None

    async def handle(self, request: Request, response: Response) -> None:
        """Answer by the first path segment."""
        self.seen.append(request)
        self.ports.add(request.client[1])
        self.counter += 1
        body = b"".join([chunk async for chunk in request.body])
        self.bodies.append(body)
        kind = request.path.split(b"/")[1]
        query = dict(p.split(b"=", 1) for p in request.query.split(b"&") if b"=" in p)
        if kind == b"big":
            cache = b"max-age=60" if query.get(b"cache") else b"no-store"
            await self._big(response, int(query[b"size"]), query.get(b"framing", b"length"), cache)
            return
        if kind in (b"slow", b"slowcache"):
            await asyncio.sleep(float(query.get(b"delay", b"1")))
        fields = [(b"content-type", b"text/plain")]
        status = 200
        if kind in (b"cache", b"slowcache"):
            fields.append((b"cache-control", b"max-age=60"))
        elif kind == b"targeted":
            fields.append((b"cdn-cache-control", b"max-age=60"))
        elif kind == b"version":
            fields += [(b"cache-control", b"max-age=60"), (b"etag", b'"v%d"' % self.version)]
        elif kind == b"swr":
            fields.append((b"cache-control", b"max-age=2, stale-while-revalidate=30"))
        elif kind == b"sie":
            fields.append((b"cache-control", b"max-age=1, stale-if-error=60"))
        elif kind == b"etag":
            fields += [(b"cache-control", b"max-age=0"), (b"etag", b'"v1"')]
            if request.headers and (b"if-none-match", b'"v1"') in request.headers:
                response.write_head(304, b"Not Modified", fields)
                response.end()
                return
        elif kind == b"hints":
            response.write_interim(103, b"Early Hints", [(b"link", b"</s.css>; rel=preload")])
        elif kind == b"status":
            status = int(request.path.split(b"/")[2])
        elif kind == b"hop":
            # Written raw: the server would replace a Connection field given to write_head.
            response.write_raw(
                [
                    b"HTTP/1.1 200 OK\r\nconnection: keep-alive, x-secret\r\n"
                    b"x-secret: hidden\r\nkeep-alive: timeout=5\r\nx-visible: shown\r\n"
                    b"content-length: 2\r\n\r\nok"
                ]
            )
            return
        text = b"%s %s #%d" % (request.method.encode(), request.target, self.counter)
        response.write_head(status, b"Whatever", fields, len(text))
        await response.write(text)
        response.end()

    async def _big(self, response: Response, size: int, framing: bytes, cache: bytes) -> None:
        length = size if framing == b"length" else None
        response.write_head(200, b"OK", [(b"cache-control", cache)], length)
        block = b"x" * CHUNK
        left = size
        while left:
            piece = block if left >= CHUNK else block[:left]
            await response.write(piece)
            left -= len(piece)
        response.end()


class Stack:
    """An origin and an edge in front of it, served on a private loop thread."""

    def __init__(
        self,
        origin: OriginApp | None = None,
        *,
        origin_port: int | None = None,
        read_timeout: float = 5.0,
        limits: Limits | None = None,
        shape: Callable[[Distribution], Distribution] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.origin = origin or OriginApp()
        self.origin_port = origin_port or free_port()
        self.edge_port = free_port()
        dist = single_origin_distribution(
            f"http://127.0.0.1:{self.origin_port}", listen=f"127.0.0.1:{self.edge_port}"
        )
        only = dataclasses.replace(dist.origins["origin"], read_timeout=read_timeout)
        self.dist: Distribution = dataclasses.replace(dist, origins={"origin": only})
        if shape is not None:
            self.dist = shape(self.dist)
        self.loop = uvloop.new_event_loop()
        self.tracer = Tracer()
        self._limits = limits or Limits()
        self._tls = tls
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.origin_server: HTTPServer | None = None
        self.edge_server: HTTPServer | None = None
        self.app: EdgeApp | None = None
        self._clients: list[http.client.HTTPConnection] = []

    def __enter__(self) -> Stack:
        self._thread.start()
        self.call(self._start())
        return self

    async def _start(self) -> None:
        if self.origin is not None and self.origin_port:
            self.origin_server = HTTPServer(self.origin, Limits())
            await self.origin_server.start(_listen(self.origin_port))
        self.app = EdgeApp(self.dist, tracer=self.tracer)
        self.edge_server = HTTPServer(self.app, self._limits, self._tls)
        await self.edge_server.start(_listen(self.edge_port))

    def stop_origin(self) -> None:
        """Stop the origin server (new connections to it are refused)."""
        assert self.origin_server is not None
        self.call(self.origin_server.drain(1.0))

    def __exit__(self, *exc_info: object) -> None:
        assert self.edge_server is not None and self.app is not None
        for conn in self._clients:
            conn.close()
        self.call(self.edge_server.drain(1.0))
        self.call(self.app.aclose())
        if self.origin_server is not None:
            self.call(self.origin_server.drain(1.0))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run ``coro`` on the stack's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def client(self, timeout: float = 10.0) -> http.client.HTTPConnection:
        """A keep-alive client connection to the edge, closed with the stack."""
        conn = http.client.HTTPConnection("127.0.0.1", self.edge_port, timeout=timeout)
        self._clients.append(conn)
        return conn


def fetch(
    conn: http.client.HTTPConnection,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[http.client.HTTPResponse, bytes]:
    """Send one request on ``conn`` and read the whole response."""
    conn.request(method, target, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def _listen(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.setblocking(False)
    return sock
