"""Shared by the storage tests: an async test runner and a real, slow origin on loopback."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from conftest import free_port


def run(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test (fixtures passed through) on a fresh event loop, bounded in time."""

    @functools.wraps(test)
    def sync_test(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(test(*args, **kwargs), timeout=30))

    return sync_test


BODY = b"".join(b"chunk %03d of the origin body\n" % i for i in range(200))


class SlowOrigin:
    """A real TCP origin on loopback that streams BODY in pieces and counts requests."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests = 0
        self.halfway = asyncio.Event()  # set once half the body is sent
        self.resume = asyncio.Event()  # the second half waits for it
        self.resume.set()
        self.port = free_port()
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> SlowOrigin:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        self.requests += 1
        writer.write(b"HTTP/1.1 %d OK\r\ncontent-length: %d\r\n\r\n" % (self.status, len(BODY)))
        for start in range(0, len(BODY), 600):
            if start >= len(BODY) // 2 and not self.halfway.is_set():
                self.halfway.set()
                await self.resume.wait()
            writer.write(BODY[start : start + 600])
            await writer.drain()
            await asyncio.sleep(0.005)
        writer.close()


async def origin_get(port: int) -> AsyncIterator[bytes]:
    """Yield the status line, then body pieces, from a real request to the origin."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /obj HTTP/1.1\r\nhost: origin\r\n\r\n")
    head = await reader.readuntil(b"\r\n\r\n")
    yield head.split(b"\r\n", 1)[0]
    while piece := await reader.read(4096):
        yield piece
    writer.close()
