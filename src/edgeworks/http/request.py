"""A parsed viewer request and its streamed body.

The connection builds one :class:`Request` per request head and feeds the body into its
:class:`RequestBody` as bytes arrive. The body is read at most once, as an async iterator;
reading it is what sends ``100 Continue`` to a viewer that asked for it (RFC 9110 §10.1.1), so
an application that answers without reading never invites the body.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Protocol

from edgeworks.http.errors import HTTPError
from edgeworks.http.headers import Headers, get

if TYPE_CHECKING:
    from edgeworks.http.heads import Replayable, Seen, Starter

# Bytes buffered in a body before the connection stops reading from the socket.
_HIGH_WATER = 256 * 1024


class BodySource(Protocol):
    """What a body needs from its connection: continue, pause and resume reading."""

    def body_wanted(self) -> None:
        """Called on the first read: send ``100 Continue`` if the viewer waits for it."""

    def pause_body(self) -> None:
        """Stop reading from the socket until :meth:`resume_body`."""

    def resume_body(self) -> None:
        """Read from the socket again."""


class RequestBody:
    """The request body as an async iterator of byte chunks, with flow control.

    Attributes:
        length: The declared ``Content-Length``, or None for a chunked body.
        received: Body bytes received so far.
        complete: True once the whole body has arrived.
    """

    __slots__ = (
        "_buffered",
        "_chunks",
        "_error",
        "_paused",
        "_source",
        "_started",
        "_waiter",
        "complete",
        "length",
        "received",
    )

    def __init__(self, source: BodySource | None, length: int | None) -> None:
        self._source = source
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._waiter: asyncio.Future[None] | None = None
        self._error: BaseException | None = None
        self._paused = False
        self._started = False
        self.length = length
        self.received = 0
        self.complete = length == 0

    @property
    def empty(self) -> bool:
        """True when the request has no body at all."""
        return self.length == 0

    @property
    def started(self) -> bool:
        """True once the application began to read the body."""
        return self._started

    def feed(self, chunk: bytes) -> None:
        """Append a chunk received from the socket (called by the connection)."""
        self.received += len(chunk)
        self._chunks.append(chunk)
        self._buffered += len(chunk)
        if self._buffered > _HIGH_WATER and self._source is not None and not self._paused:
            self._paused = True
            self._source.pause_body()
        self._wake()

    def finish(self) -> None:
        """Mark the body complete (called by the connection)."""
        self.complete = True
        self._wake()

    def fail(self, error: BaseException) -> None:
        """End the body with an error that the reader will see (called by the connection)."""
        if not self.complete:
            self._error = error
            self._wake()

    def __aiter__(self) -> RequestBody:
        return self

    async def __anext__(self) -> bytes:
        if not self._started:
            self._started = True
            if not self.complete and self._source is not None:
                self._source.body_wanted()
        while not self._chunks:
            if self._error is not None:
                raise self._error
            if self.complete:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if self._paused and self._buffered <= _HIGH_WATER // 4 and self._source is not None:
            self._paused = False
            self._source.resume_body()
        return chunk

    async def read(self, limit: int) -> bytes:
        """Read the whole body into memory.

        Args:
            limit: The largest body accepted, in bytes.

        Raises:
            HTTPError: 413 when the body is larger than ``limit``.
        """
        parts = []
        size = 0
        async for chunk in self:
            size += len(chunk)
            if size > limit:
                raise HTTPError(413, f"request body is larger than {limit} bytes")
            parts.append(chunk)
        return b"".join(parts)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)


EMPTY_BODY = RequestBody(None, 0)
"""The body of every request without one; shared, since there is nothing in it to change."""


class Request:
    """One viewer request, as parsed from the wire.

    Attributes:
        method: The method token, as sent (extension methods included).
        target: The request target as sent (origin form: path and query).
        path: The target up to ``?``.
        query: The raw query string after ``?`` (empty when there is none).
        version: ``"1.0"`` or ``"1.1"``.
        headers: The header fields in wire order, names lower-cased.
        client: The viewer's address and port.
        keep_alive: Whether the connection stays open after this exchange.
        expects_continue: The viewer sent ``Expect: 100-continue``.
        body: The body stream.
        scheme: ``"https"`` when the connection is TLS, else ``"http"``.
        arrived: ``time.time()`` when the request head was complete.
        state: Free for the application: what ``respond_now`` learnt, for ``handle``.
        replay: Set by the application in ``respond_now`` to an object that can give the same
            answer again to the same head (``edgeworks.http.heads.Replayable``); None else.
        seen: The server's kept parse this request was rebuilt from, or None.
        starter: Set by the application in ``start_now`` to an object that can take over a
            repeat of the same head the same way (``edgeworks.http.heads.Starter``); None else.
    """

    __slots__ = (
        "arrived",
        "body",
        "client",
        "expects_continue",
        "headers",
        "keep_alive",
        "method",
        "path",
        "query",
        "replay",
        "scheme",
        "seen",
        "starter",
        "state",
        "target",
        "version",
    )

    def __init__(
        self,
        method: str,
        target: bytes,
        version: str,
        headers: Headers,
        client: tuple[str, int],
        *,
        keep_alive: bool = True,
        expects_continue: bool = False,
        body: RequestBody | None = None,
        scheme: str = "http",
        arrived: float = 0.0,
    ) -> None:
        self.method = method
        self.target = target
        path, _, query = target.partition(b"?")
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.client = client
        self.keep_alive = keep_alive
        self.expects_continue = expects_continue
        self.body = body if body is not None else EMPTY_BODY
        self.scheme = scheme
        self.arrived = arrived
        self.state: object = None
        self.replay: Replayable | None = None
        self.seen: Seen | None = None
        self.starter: Starter | None = None

    @property
    def host(self) -> bytes:
        """The ``Host`` header value, or empty bytes."""
        return get(self.headers, b"host") or b""
