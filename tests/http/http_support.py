"""A server on a loop thread, and a blocking raw-socket client, for the HTTP server's tests.

Tests speak bytes through real sockets on 127.0.0.1, so they see exactly what a viewer sees.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import uvloop

from conftest import free_port
from edgeworks.config.model import Limits
from edgeworks.http.server import App, HTTPServer, Request, Response

T = TypeVar("T")


class Running:
    """An :class:`HTTPServer` serving ``app`` on a private uvloop loop in a thread."""

    def __init__(
        self, app: App, limits: Limits | None = None, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.port = free_port()
        self.loop = uvloop.new_event_loop()
        self.server = HTTPServer(app, limits or Limits(), ssl_context)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Running:
        self._thread.start()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        sock.setblocking(False)
        self.call(self.server.start(sock))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.call(self.server.drain(1.0))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run ``coro`` on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def connect(self, timeout: float = 5.0) -> socket.socket:
        """Open a viewer connection."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


@dataclass
class Reply:
    """One response as a viewer read it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """Return the first value of a field, by lower-case name."""
        return next((value for key, value in self.headers if key == name), None)


class Reader:
    """Reads responses from a blocking socket, one at a time."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError("closed before a full line")
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _exactly(self, size: int) -> bytes:
        while len(self.buf) < size:
            if not self._fill():
                raise ConnectionError("closed inside a body")
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def response(self, head_only: bool = False) -> Reply:
        """Read one response; ``head_only`` for answers to HEAD."""
        status = int(self._line().split(b" ", 2)[1])
        headers = []
        while line := self._line():
            name, _, value = line.partition(b":")
            headers.append((name.decode().lower(), value.decode("latin-1").strip()))
        reply = Reply(status, headers, b"")
        if head_only or status < 200 or status in (204, 304):
            return reply
        if reply.header("transfer-encoding") == "chunked":
            reply.body = self._chunked()
        elif (length := reply.header("content-length")) is not None:
            reply.body = self._exactly(int(length))
        else:
            while self._fill():
                pass
            reply.body, self.buf = self.buf, b""
        return reply

    def _chunked(self) -> bytes:
        parts = []
        while size := int(self._line().split(b";")[0], 16):
            parts.append(self._exactly(size))
            self._exactly(2)
        while self._line():
            pass
        return b"".join(parts)

    def closed(self) -> bool:
        """Whether the server closed the connection (nothing more to read)."""
        try:
            return not self.buf and not self._fill()
        except (ConnectionResetError, TimeoutError):
            return False


def exchange(running: Running, data: bytes, count: int = 1) -> list[Reply]:
    """Send ``data`` on a fresh connection and read ``count`` responses."""
    with running.connect() as sock:
        sock.sendall(data)
        reader = Reader(sock)
        return [reader.response() for _ in range(count)]


class EchoApp:
    """Answers ``/fast`` synchronously; otherwise echoes method, target and body back."""

    def __init__(self) -> None:
        self.seen: list[Request] = []

    def respond_now(self, request: Request) -> Sequence[bytes] | None:
        """Answer ``/fast`` from memory."""
        if request.path == b"/fast":
            self.seen.append(request)
            return [b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n", b"fast"]
        return None

    async def handle(self, request: Request, response: Response) -> None:
        """Echo the request; ``/slow`` waits a little first, ``/chunked`` streams."""
        self.seen.append(request)
        if request.path == b"/slow":
            await asyncio.sleep(0.2)
        if request.path == b"/no-read":
            response.write_head(200, b"OK", [(b"x-read", b"no")], 2)
            await response.write(b"no")
            return
        body = b"".join([chunk async for chunk in request.body])
        text = b"%s %s %s" % (request.method.encode(), request.target, body)
        if request.path == b"/chunked":
            response.write_head(200, b"OK", [(b"content-type", b"text/plain")])
            for piece in (text[:3], text[3:]):
                await response.write(piece)
        else:
            response.write_head(200, b"OK", [(b"content-type", b"text/plain")], len(text))
            await response.write(text)
        response.end()
