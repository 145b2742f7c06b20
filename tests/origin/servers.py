"""A small scripted HTTP/1.1 origin on 127.0.0.1 for the origin client's tests.

It counts the connections it accepts, records each request it reads, and answers with whatever
bytes a test's handler writes, so that tests can serve well-formed, odd or broken responses.
"""

from __future__ import annotations

import asyncio
import gc
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import uvloop

from conftest import free_port

T = TypeVar("T")


@dataclass
class Seen:
    """One request as the origin read it."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    connection: int
    length: int = 0

    def header(self, name: str) -> str | None:
        """Return the first value of a field, by lower-case name."""
        return next((value for key, value in self.headers if key == name), None)


# A handler writes the response; returning False closes the connection afterwards.
Handler = Callable[[Seen, asyncio.StreamWriter], Awaitable[bool]]


async def ok_hello(seen: Seen, writer: asyncio.StreamWriter) -> bool:
    """Answer 200 with a five-byte body and keep the connection."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    return True


@dataclass
class ScriptedOrigin:
    """An origin server whose answers a test scripts with a handler."""

    handler: Handler = ok_hello
    port: int = field(default_factory=free_port)
    tls: ssl.SSLContext | None = None
    gather: bool = True
    connections: int = 0
    closed: int = 0
    requests: list[Seen] = field(default_factory=list)
    open_writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> ScriptedOrigin:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, ssl=self.tls
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self.open_writers):
            writer.close()
        await self._server.wait_closed()

    def close_idle(self) -> None:
        """Close every connection the origin holds open (as an origin's idle timeout would)."""
        for writer in list(self.open_writers):
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self.open_writers.add(writer)
        try:
            while True:
                seen = await read_request(reader, number, self.gather)
                if seen is None:
                    break
                self.requests.append(seen)
                keep = await self.handler(seen, writer)
                await writer.drain()
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.open_writers.discard(writer)
            self.closed += 1
            writer.close()


async def read_request(
    reader: asyncio.StreamReader, connection: int, gather: bool = True
) -> Seen | None:
    """Read one request (Content-Length or chunked body); None at a clean end of stream.

    With ``gather`` false a chunked body is only counted, so that huge uploads stay small.
    """
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
    fields = dict(headers)
    if fields.get("transfer-encoding") == "chunked":
        body, length = await read_chunked(reader, gather)
    else:
        body = await reader.readexactly(int(fields.get("content-length", "0")))
        length = len(body)
    return Seen(method, target, headers, body, connection, length)


async def read_chunked(reader: asyncio.StreamReader, gather: bool) -> tuple[bytes, int]:
    """Read a chunked body to its last chunk, dropping trailers; return it and its length."""
    parts = []
    length = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            return b"".join(parts), length
        data = await reader.readexactly(size)
        length += size
        if gather:
            parts.append(data)
        await reader.readexactly(2)


def run(coro: Awaitable[T]) -> T:
    """Run one test coroutine on a fresh uvloop loop, bounded so that a hang fails the test.

    Errors that the loop would only log (an exception in a protocol callback, a future whose
    exception nobody read) fail the test too.
    """
    loop_errors: list[str] = []

    def keep(context: dict[str, object]) -> None:
        # The test origin's handlers are cancelled when the loop stops: that is no fault.
        if not isinstance(context.get("exception"), asyncio.CancelledError):
            loop_errors.append(str(context))

    async def bounded() -> T:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _, context: keep(context))
        return await asyncio.wait_for(coro, timeout=60)

    result = uvloop.run(bounded())
    gc.collect(1)
    assert not loop_errors, loop_errors
    return result
