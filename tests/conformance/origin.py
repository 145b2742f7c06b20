"""A scriptable origin for the conformance suite: an asyncio server on 127.0.0.1 in a thread.

Each test scripts the replies for its own path (:meth:`ScriptedOrigin.script`): the first
request to the path gets the first reply, the next the second, and the last one repeats. A
reply says its status, fields, body, a delay before the head, interim (1xx) heads to send
first, or that the connection is dropped without an answer. Every request that arrives is
recorded with its fields, so a test sees exactly what reached the origin.

The origin writes ``Date`` itself (RFC 9110 §6.6.1) unless the reply says otherwise, and
``Content-Length`` from the body; it speaks HTTP/1.1 with keep-alive.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import threading
import time
from dataclasses import dataclass, field

from conftest import free_port

Fields = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Reply:
    """One scripted answer.

    Attributes:
        status: The final status code.
        headers: Fields in wire order (``Date`` and ``Content-Length`` are added unless given).
        body: The body (not sent for HEAD, 204 and 304).
        delay: Seconds to wait before the head.
        interim: Interim heads ``(status, fields)`` sent before the final one.
        date: Whether to add ``Date`` when ``headers`` has none.
        drop: Close the connection without answering (an origin that fails).
        echo: Name of a request field whose value becomes the body (for variants).
        declared: A Content-Length to announce instead of the body's own; the connection
            closes after the body, so a shorter body arrives truncated.
        ranges: Answer a request carrying ``Range: bytes=A-B`` with that part, as 206.
        validates: Answer 304 when the request's If-None-Match holds the reply's ETag.
    """

    status: int = 200
    headers: Fields = ()
    body: bytes = b"body"
    delay: float = 0.0
    interim: tuple[tuple[int, Fields], ...] = ()
    date: bool = True
    drop: bool = False
    echo: str = ""
    declared: int | None = None
    ranges: bool = False
    validates: bool = False


@dataclass(frozen=True)
class Seen:
    """One request as the origin received it.

    Attributes:
        method: The request method.
        target: The request target (path and query).
        headers: Field names lower-cased; repeated fields joined with ", ".
        body: The request body.
        at: ``time.time()`` when its head was read.
    """

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def path(self) -> str:
        """The target without its query."""
        return self.target.split("?", 1)[0]


@dataclass
class _Script:
    replies: list[Reply] = field(default_factory=list)
    served: int = 0

    def next(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


_UNSCRIPTED = Reply(404, (("cache-control", "no-store"),), b"unscripted path\n")


class ScriptedOrigin:
    """The origin server; start it with :func:`running_origin`."""

    def __init__(self) -> None:
        self.port = free_port()
        self._scripts: dict[str, _Script] = {}
        self._seen: list[Seen] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        """The base URL to hand to ``edgeworks serve --origin``."""
        return f"http://127.0.0.1:{self.port}"

    def script(self, path: str, *replies: Reply) -> None:
        """Answer requests for ``path`` (query ignored) with ``replies``, the last repeating."""
        with self._lock:
            self._scripts[path] = _Script(list(replies))

    def seen(self, path: str) -> list[Seen]:
        """The requests for ``path`` that arrived so far, oldest first."""
        with self._lock:
            return [seen for seen in self._seen if seen.path == path]

    def count(self, path: str) -> int:
        """How many requests for ``path`` arrived."""
        return len(self.seen(path))

    def _reply_for(self, path: str) -> Reply:
        with self._lock:
            script = self._scripts.get(path)
            return script.next() if script is not None else _UNSCRIPTED

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self._seen.append(seen)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                self._record(request)
                reply = self._reply_for(request.path)
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                if reply.drop:
                    break
                reply = _tailored(reply, request)
                writer.write(_encode(request.method, reply))
                await writer.drain()
                if reply.declared is not None:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port)
        )
        started.set()
        try:
            self._loop.run_forever()
        finally:
            self._shut_down()

    def _shut_down(self) -> None:
        # Connections still open (the node keeps them alive) end with their tasks.
        tasks = asyncio.all_tasks(self._loop)
        for task in tasks:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        if self._server is not None:
            self._loop.run_until_complete(self._server.wait_closed())
        self._loop.close()

    def start(self) -> threading.Thread:
        """Listen in a thread of its own; returns once connections are accepted."""
        started = threading.Event()
        thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        thread.start()
        if not started.wait(10):
            raise RuntimeError(f"origin on port {self.port} did not start")
        return thread

    def stop(self, thread: threading.Thread) -> None:
        """Close the listener and end the loop's thread."""

        def close() -> None:
            if self._server is not None:
                self._server.close()
            self._loop.stop()

        self._loop.call_soon_threadsafe(close)
        thread.join(10)


def _tailored(reply: Reply, request: Seen) -> Reply:
    """Apply the reply's request-dependent options: the echoed field, the requested range."""
    if reply.echo:
        echoed = request.headers.get(reply.echo.lower(), "").encode("latin-1")
        reply = dataclasses.replace(reply, body=echoed)
    etag = dict((name.lower(), value) for name, value in reply.headers).get("etag")
    if reply.validates and etag and etag in request.headers.get("if-none-match", ""):
        return dataclasses.replace(reply, status=304, body=b"")
    asked = request.headers.get("range", "")
    if reply.ranges and asked.startswith("bytes=") and "," not in asked:
        first, _, last = asked[6:].partition("-")
        start, end = int(first), min(int(last), len(reply.body) - 1)
        span = f"Content-Range: bytes {start}-{end}/{len(reply.body)}"
        fields = (*reply.headers, _split(span))
        reply = dataclasses.replace(
            reply, status=206, headers=fields, body=reply.body[start : end + 1]
        )
    return reply


async def _read_request(reader: asyncio.StreamReader) -> Seen | None:
    """Read one request; None when the peer closed between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    at = time.time()
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    body = await _read_body(reader, headers)
    return Seen(method, target, headers, body, at)


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readuntil(b"\r\n")
        while await reader.readuntil(b"\r\n") != b"\r\n":
            continue  # trailer fields
        return b"".join(parts)
    length = int(headers.get("content-length") or 0)
    return await reader.readexactly(length) if length else b""


def _encode(method: str, reply: Reply) -> bytes:
    """The reply's bytes on the wire: interim heads, then the final head and body."""
    out = bytearray()
    for status, interim_fields in reply.interim:
        out += _head(status, interim_fields)
    names = {name.lower() for name, _ in reply.headers}
    fields = list(reply.headers)
    if reply.date and "date" not in names:
        fields.append(("Date", email.utils.formatdate(usegmt=True)))
    bodiless = reply.status in (204, 304) or reply.status < 200
    if not bodiless and "content-length" not in names:
        length = len(reply.body) if reply.declared is None else reply.declared
        fields.append(("Content-Length", str(length)))
    out += _head(reply.status, tuple(fields))
    if method != "HEAD" and not bodiless:
        out += reply.body
    return bytes(out)


def _head(status: int, fields: Fields) -> bytes:
    lines = [f"HTTP/1.1 {status} Scripted"]
    lines += [f"{name}: {value}" for name, value in fields]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def reply(
    status: int = 200,
    *lines: str,
    body: bytes = b"body",
    delay: float = 0.0,
    interim: tuple[tuple[int, Fields], ...] = (),
    date: bool = True,
    drop: bool = False,
    echo: str = "",
    declared: int | None = None,
    ranges: bool = False,
    validates: bool = False,
) -> Reply:
    """A :class:`Reply` with fields written as ``"Name: value"`` lines, for short scripts."""
    fields = tuple(_split(line) for line in lines)
    return Reply(
        status, fields, body, delay, interim, date, drop, echo, declared, ranges, validates
    )


def _split(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name.strip(), value.strip()
