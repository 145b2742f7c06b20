"""A minimal HTTP/1.1 server for the Step Functions API.

The API needs little of HTTP: ``POST /`` with a ``Content-Length`` body, one JSON answer, and
keep-alive so that SDK clients reuse their connection. This server does only that; chunked
request bodies, pipelining beyond one request at a time and TLS are out of its scope, and a
request it cannot read is answered with 400 and the connection closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from edgeworks.http.headers import Headers

log = logging.getLogger(__name__)

MAX_HEAD = 64 * 1024
# The largest Definition the service accepts is 1 MiB; leave room for the JSON around it.
MAX_BODY = 4 * 1024 * 1024
REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 413: b"Payload Too Large"}


@dataclass(frozen=True)
class Request:
    """One HTTP request as the API layer sees it."""

    method: str
    target: str
    headers: Headers
    body: bytes


@dataclass(frozen=True)
class Response:
    """The status, header fields and body to send back."""

    status: int
    headers: Headers
    body: bytes


Handler = Callable[[Request], Awaitable[Response]]


class BadRequestError(Exception):
    """The bytes received are not a request this server can read."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class Listener:
    """A listening socket and the connections it accepted."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    @property
    def port(self) -> int:
        """The port bound."""
        assert self._server is not None
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    async def start(self, host: str, port: int) -> None:
        """Start accepting connections."""
        self._server = await asyncio.start_server(self._accept, host, port, limit=MAX_HEAD)

    async def close(self) -> None:
        """Stop accepting, and close every open connection (idle keep-alive ones too)."""
        if self._server is not None:
            self._server.close()
        # Closing the transport ends each conversation at its next read; a handler in the
        # middle of a request finishes it first.
        for writer in list(self._connections.values()):
            writer.close()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        try:
            await _converse(self._handler, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._connections.pop(task, None)
            writer.close()


async def _converse(
    handler: Handler, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    while True:
        try:
            request = await _read_request(reader)
        except BadRequestError as exc:
            writer.write(_encode(Response(exc.status, [], str(exc).encode()), keep_alive=False))
            await writer.drain()
            return
        if request is None:
            return
        response = await handler(request)
        keep_alive = _wants_keep_alive(request.headers)
        writer.write(_encode(response, keep_alive))
        await writer.drain()
        if not keep_alive:
            return


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise BadRequestError(400, "incomplete request head") from exc
        return None
    except asyncio.LimitOverrunError as exc:
        raise BadRequestError(400, f"request head is larger than {MAX_HEAD} bytes") from exc

    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise BadRequestError(400, f"malformed request line {lines[0][:100]!r}")
    headers = [_field(line) for line in lines[1:]]

    length = _content_length(headers)
    body = await reader.readexactly(length) if length else b""
    return Request(parts[0].decode("latin-1"), parts[1].decode("latin-1"), headers, body)


def _field(line: bytes) -> tuple[bytes, bytes]:
    name, sep, value = line.partition(b":")
    if not sep or not name or name != name.strip():
        raise BadRequestError(400, f"malformed header field {line[:100]!r}")
    return name.lower(), value.strip()


def _content_length(headers: Headers) -> int:
    if any(name == b"transfer-encoding" for name, _ in headers):
        raise BadRequestError(400, "chunked request bodies are not accepted; send Content-Length")
    values = {value for name, value in headers if name == b"content-length"}
    if not values:
        return 0
    if len(values) > 1 or not next(iter(values)).isdigit():
        raise BadRequestError(400, f"invalid Content-Length {sorted(values)!r}")
    length = int(next(iter(values)))
    if length > MAX_BODY:
        raise BadRequestError(413, f"body of {length} bytes is larger than {MAX_BODY}")
    return length


def _wants_keep_alive(headers: Headers) -> bool:
    connection = b",".join(v for n, v in headers if n == b"connection").lower()
    return b"close" not in connection


def _encode(response: Response, keep_alive: bool) -> bytes:
    reason = REASONS.get(response.status, b"Error")
    lines = [b"HTTP/1.1 %d %s" % (response.status, reason)]
    lines += [name + b": " + value for name, value in response.headers]
    lines.append(b"content-length: %d" % len(response.body))
    lines.append(b"connection: keep-alive" if keep_alive else b"connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + response.body
