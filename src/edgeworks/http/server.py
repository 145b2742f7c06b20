"""The viewer-facing HTTP/1.1 server: uvloop, httptools, no framework in between.

An :class:`HTTPServer` serves one :class:`App` on an already-bound listening socket. Each
connection parses requests with httptools and checks what the parser lets through (see
``edgeworks.http.connection``). For every request the server first offers the application a
synchronous answer (:meth:`App.respond_now`: a fresh cache hit written straight from the parser
callback, with no task and no await); when there is none it runs :meth:`App.handle` as a task
with a :class:`Response` to write into. Responses on a connection leave in request order.

Timeouts are checked by one timer per server that sweeps every connection a few times per
timeout, so a request on the hot path never arms or cancels a timer of its own.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Sequence
from typing import Protocol

from edgeworks.config.model import Limits
from edgeworks.http.heads import SeenHeads
from edgeworks.http.request import Request, RequestBody
from edgeworks.http.response import Response

__all__ = ["App", "HTTPServer", "Request", "RequestBody", "Response"]

log = logging.getLogger(__name__)


class App(Protocol):
    """What the server calls for each request."""

    def respond_now(self, request: Request) -> Sequence[bytes] | None:
        """Answer at once from memory, or return None to be called through :meth:`handle`.

        Called only for requests without a body. The returned bytes are a complete response
        (head and body) and are written as they are.
        """

    async def handle(self, request: Request, response: Response) -> None:
        """Answer the request by writing into ``response``; the server ends it if needed."""


# An app may also define ``start_now(request, response) -> bool``, offered each request without
# a body that ``respond_now`` did not answer. True means the app took the request over without
# a task: it drives ``response`` from callbacks (``response.write_nowait``, ``response.watcher``
# to hear that the viewer drained or left) and the request stays in progress, with the next
# pipelined one waiting, until ``response.end()``. False sends the request to ``handle``.
#
# An app may also define ``refused(client, status, reason, bytes_sent)``: the server calls it
# for every request it answered itself with an error (malformed, over a limit, too slow), which
# the app's own methods never saw. It is looked up when needed, so it stays optional.


class HTTPServer:
    """Serves an :class:`App` over HTTP/1.1, optionally behind TLS.

    Args:
        app: The application answering requests.
        limits: Size limits and timeouts protecting the server.
        ssl_context: A server-side TLS context, or None for plain HTTP.
    """

    def __init__(
        self, app: App, limits: Limits, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        from edgeworks.http.connection import Connection

        self.app = app
        self.limits = limits
        self.ssl_context = ssl_context
        self.draining = False
        self.now = 0.0
        self.heads = SeenHeads()
        self._open: set[Connection] = set()
        self._server: asyncio.AbstractServer | None = None
        self._sweeper: asyncio.TimerHandle | None = None
        self._tick = min(max(min(limits.header_timeout, limits.idle_timeout) / 4, 0.05), 1.0)

    @property
    def connections(self) -> int:
        """The number of open viewer connections."""
        return len(self._open)

    def set_app(self, app: App) -> None:
        """Answer the following requests with ``app``; open connections stay open."""
        self.app = app
        self.heads.clear()  # what the old app promised to replay is not the new one's to give

    async def start(self, sock: socket.socket) -> None:
        """Start accepting on ``sock``, an already-bound listening socket."""
        from edgeworks.http.connection import Connection

        loop = asyncio.get_running_loop()
        self.now = loop.time()
        # A TLS handshake gets no longer than a request head would (slowloris on the handshake).
        handshake = self.limits.header_timeout if self.ssl_context is not None else None
        self._server = await loop.create_server(
            lambda: Connection(self),
            sock=sock,
            ssl=self.ssl_context,
            backlog=1024,
            ssl_handshake_timeout=handshake,
        )
        self._sweeper = loop.call_later(self._tick, self._sweep)

    async def drain(self, timeout: float) -> None:
        """Stop accepting, let in-flight requests finish, then close every connection.

        Idle keep-alive connections close at once; busy ones close after their current
        response. Connections still open after ``timeout`` seconds are aborted.
        """
        self.draining = True
        if self._server is not None:
            self._server.close()
        for conn in list(self._open):
            conn.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._open and loop.time() < deadline:
            await asyncio.sleep(0.02)
        for conn in list(self._open):
            conn.abort()
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._server is not None:
            await self._server.wait_closed()

    def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        self.now = loop.time()
        for conn in list(self._open):
            conn.check_timeouts(self.now)
        self._sweeper = loop.call_later(self._tick, self._sweep)
