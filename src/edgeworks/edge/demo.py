"""The embedded demo: a built-in origin on a local port, served by the project's HTTP server.

``edgeworks serve`` with no origin and no configuration starts this origin and an edge node in
front of it, then prints what to ask to see a Miss and then a Hit. The origin answers GET and
HEAD of the objects in :mod:`edgeworks.edge.demo_objects` (with ``ETag`` and ``304 Not
Modified`` to ``If-None-Match``, so revalidation shows too) and answers any other method, on any
path, with a small uncacheable JSON echo of what it received.
"""

from __future__ import annotations

import json
import socket
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from edgeworks.edge.demo_objects import DYNAMIC, OBJECTS, DemoObject
from edgeworks.http.headers import Headers, get
from edgeworks.http.server import Request, Response

ECHO_LIMIT = 1 << 20  # bytes of a request body the echo reads
_CHUNK = 256 << 10


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A demo object with its body and header fields made once."""

    body: bytes
    headers: Headers
    etag: bytes


def _prepare(item: DemoObject) -> _Prepared:
    body = item.body()
    etag = b'"%08x"' % (zlib.crc32(body) & 0xFFFFFFFF)
    headers = [
        (b"content-type", item.content_type.encode()),
        (b"cache-control", item.cache_control.encode()),
        (b"etag", etag),
    ]
    return _Prepared(body, headers, etag)


class DemoOrigin:
    """The demo origin's application (an ``App`` for :class:`~edgeworks.http.server.HTTPServer`).

    Bodies are made once at construction, except the clock's, which is made per request.
    """

    def __init__(self) -> None:
        self._static = {
            path.encode(): _prepare(item) for path, item in OBJECTS.items() if path not in DYNAMIC
        }

    def respond_now(self, request: Request) -> Sequence[bytes] | None:
        """Leave every request to :meth:`handle`, which does the framing through the server."""
        del request
        return None

    async def handle(self, request: Request, response: Response) -> None:
        """Answer one request: an object, a 304, a 404 or the echo."""
        if request.method not in ("GET", "HEAD"):
            await self._echo(request, response)
            return
        prepared = self._object(request.path)
        if prepared is None:
            body = b"no such demo object; see / for the list\n"
            headers = [(b"content-type", b"text/plain"), (b"cache-control", b"max-age=10")]
            response.write_head(404, b"Not Found", headers, len(body))
            await response.write(body)
            return
        if get(request.headers, b"if-none-match") == prepared.etag:
            response.write_head(304, b"Not Modified", prepared.headers)  # RFC 9110 §15.4.5
            return
        response.write_head(200, b"OK", prepared.headers, len(prepared.body))
        view = memoryview(prepared.body)
        for start in range(0, len(view), _CHUNK):
            await response.write(bytes(view[start : start + _CHUNK]))

    def _object(self, path: bytes) -> _Prepared | None:
        prepared = self._static.get(path)
        if prepared is None and path.decode("latin-1") in DYNAMIC:
            prepared = _prepare(OBJECTS[path.decode("latin-1")])
        return prepared

    async def _echo(self, request: Request, response: Response) -> None:
        received = await request.body.read(ECHO_LIMIT)
        document = {
            "method": request.method,
            "path": request.path.decode("latin-1"),
            "query": request.query.decode("latin-1"),
            "body_bytes": len(received),
        }
        body = json.dumps(document).encode() + b"\n"
        headers = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
        response.write_head(200, b"OK", headers, len(body))
        await response.write(body)


def bind_origin_socket(host: str = "127.0.0.1") -> socket.socket:
    """Bind the demo origin's listening socket on a free port of ``host``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def banner(edge_url: str, origin_url: str) -> str:
    """Return what the demo prints on start: where things are and what to try."""
    return "\n".join(
        [
            f"Edgeworks demo: edge {edge_url} in front of the built-in origin {origin_url}",
            "Ask the same object twice and watch X-Cache go from Miss to Hit:",
            f"  curl -si {edge_url}/api/catalog.json | grep -i -E '^(x-cache|age):'",
            f"  curl -si {edge_url}/api/catalog.json | grep -i -E '^(x-cache|age):'",
            f"Never cached (no-store):  curl -si {edge_url}/api/time",
            f"An image, a 16 MiB file:  {edge_url}/images/logo.png  {edge_url}/files/large.bin",
            f"Any method passes:        curl -si -X PURGE {edge_url}/anything",
            f"Counters:                 curl -s {edge_url}/.edgeworks/stats",
            "Stop with Ctrl-C.",
            "",
        ]
    )
