"""A response from an origin, with a body that streams under flow control.

The connection pushes body bytes in as they arrive; the consumer pulls them out with
``async for``. When more than :data:`HIGH_WATER` bytes wait unread, the connection stops reading
the origin's socket and resumes below :data:`LOW_WATER`, so a body of any size passes through
in bounded memory and a slow viewer slows the origin instead of filling the node.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Protocol

from edgeworks.http.headers import Headers

HIGH_WATER = 1 << 20
LOW_WATER = 256 << 10


class Reader(Protocol):
    """The side that fills a body: a connection that can pause, resume and be abandoned."""

    def pause_body(self) -> None:
        """Stop reading from the origin until :meth:`resume_body`."""

    def resume_body(self) -> None:
        """Read from the origin again."""

    def abandon(self) -> None:
        """Close the connection: the rest of the body is not wanted."""


class ResponseBody:
    """An async iterator over the chunks of one response body, as they arrive."""

    __slots__ = ("__weakref__", "_buffered", "_chunks", "_done", "_error", "_reader", "_waiter")

    def __init__(self, reader: Reader | None) -> None:
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._done = reader is None
        self._error: BaseException | None = None
        self._reader = reader
        self._waiter: asyncio.Future[None] | None = None

    @property
    def done(self) -> bool:
        """Whether the whole body has arrived (or failed)."""
        return self._done

    def feed(self, data: bytes) -> None:
        """Append bytes received from the origin (connection side)."""
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered > HIGH_WATER and self._reader is not None:
            self._reader.pause_body()
        self._wake()

    def finish(self) -> None:
        """Mark the body complete (connection side)."""
        self._done = True
        self._reader = None
        self._wake()

    def fail(self, error: BaseException) -> None:
        """End the body with an error the consumer meets after the bytes already received."""
        if not self._done:
            self._error = error
            self.finish()

    def __aiter__(self) -> ResponseBody:
        return self

    async def __anext__(self) -> bytes:
        while not self._chunks:
            if self._error is not None:
                raise self._error
            if self._done:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        data = self._chunks.popleft()
        self._buffered -= len(data)
        if self._reader is not None and self._buffered <= LOW_WATER:
            self._reader.resume_body()
        return data

    def abandon(self) -> None:
        """Drop what is buffered; close the connection if the body has not fully arrived."""
        self._chunks.clear()
        self._buffered = 0
        reader = self._reader
        if reader is not None:
            self._done = True
            self._reader = None
            reader.abandon()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)


class OriginResponse:
    """A response head from an origin and its streaming body.

    Attributes:
        status: The final status code (interim 1xx responses never appear here).
        reason: The reason phrase as sent, possibly empty.
        headers: End-to-end fields: hop-by-hop fields, those named in Connection, and
            Content-Length are removed (RFC 9110 §7.6.1).
        content_length: The Content-Length the origin declared, None when the body is chunked
            or runs until the origin closes. For HEAD and 304 it describes the representation;
            the body itself is empty then, and for 204 as well.
        body: The body's chunks as they arrive; iterating to the end releases the connection.

    A response that is neither read to its end nor closed keeps its connection busy, reading
    paused, for as long as its body is referenced; once the body is dropped, the connection
    closes.
    """

    __slots__ = ("body", "content_length", "headers", "reason", "status")

    def __init__(
        self,
        status: int,
        reason: bytes,
        headers: Headers,
        content_length: int | None,
        body: ResponseBody,
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.content_length = content_length
        self.body = body

    async def read(self) -> bytes:
        """Return the whole body; meant for small bodies only.

        Raises:
            OriginError: The origin failed or timed out before the body was complete.
        """
        return b"".join([chunk async for chunk in self.body])

    async def aclose(self) -> None:
        """Abandon the body: the connection is closed instead of pooled if it is unread."""
        self.body.abandon()
