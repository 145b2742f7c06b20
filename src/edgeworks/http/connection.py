"""One viewer connection: answers in request order, flow control, timeouts, shutdown.

The reading half (``edgeworks.http.parsing``) turns bytes into requests. Here the first one
without a body is offered to the application's synchronous ``respond_now`` right inside the
parser callback; if it has no answer, the optional ``start_now`` may take the request over
synchronously and drive its response from callbacks (the edge's pass-through relay), and
everything else runs ``handle`` as a task. Pipelined requests wait in a queue
and are answered one after the other, so responses leave in request order (RFC 9112 §9.3.2).

A malformed request is answered with its status and a short reason, after the responses
already owed on the connection, and the connection closes: once framing is in doubt the next
request's first byte cannot be found.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from edgeworks.http.errors import HTTPError
from edgeworks.http.parsing import RequestParsing
from edgeworks.http.request import Request
from edgeworks.http.response import Response
from edgeworks.http.status import plain_response

if TYPE_CHECKING:
    from edgeworks.http.heads import Replayable, Starter
    from edgeworks.http.server import App, HTTPServer

log = logging.getLogger(__name__)

_MAX_PIPELINE = 32
_JOIN_BELOW = 16 * 1024
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"

# Reasons to stop reading from the socket; reading resumes when none is left.
_PAUSE_BODY, _PAUSE_QUEUE = 1, 2


class Connection(RequestParsing, asyncio.Protocol):
    """The server side of one viewer connection."""

    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server)
        # Held once: each lookup of the running loop costs a system call on this Python.
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._eof = False
        self._pauses = 0
        self._write_waiter: asyncio.Future[None] | None = None
        self._write_paused = False
        # The request being answered and those waiting behind it.
        self._current: Request | None = None
        self._response: Response | None = None
        self._task: asyncio.Task[None] | None = None
        self._queue: deque[Request] = deque()
        self._continue_sent = False
        self._idle_since = server.now
        self._served = 0

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start serving, or refuse beyond the connection limit."""
        # uvloop's transports implement asyncio.Transport without inheriting from it.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple):
            self._client = (str(peer[0]), int(peer[1]))
        if transport.get_extra_info("sslcontext") is not None:
            self._scheme = "https"
        if len(self._server._open) >= self._limits.max_connections:
            # Refuse beyond the limit, but say so: a viewer can retry elsewhere.
            log.warning(
                "refused %s: %d connections open", self._client[0], self._limits.max_connections
            )
            self._send_error(HTTPError(503, "too many connections"))
            return
        self._server._open.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the work in progress for this connection."""
        self._closing = True
        self._server._open.discard(self)
        gone = ConnectionResetError("the viewer closed the connection")
        if self._parsing is not None:
            self._parsing.body.fail(gone)
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._wake_writer(gone)
        response = self._response
        if response is not None and response.watcher is not None and not response.done:
            response.watcher.viewer_lost()

    def eof_received(self) -> bool:
        """Note a half-close; keep writing while answers are owed."""
        self._eof = True
        # Keep the write side open while answers are still owed (a half-closed pipeline). TLS
        # has no half-close: its transport closes whatever this returns.
        owed = self._current is not None or bool(self._queue)
        return owed and self._scheme == "http"

    def pause_writing(self) -> None:
        """The socket's write buffer is full: writers wait."""
        self._write_paused = True

    def resume_writing(self) -> None:
        """The socket drained: writers go on."""
        self._write_paused = False
        self._wake_writer(None)
        response = self._response
        if response is not None and response.watcher is not None:
            response.watcher.viewer_resumed()

    # Answering in order

    def _dispatch(self, request: Request) -> None:
        if self._closing:
            return
        if self._current is None and not self._queue:
            self._begin(request)
            return
        self._queue.append(request)
        if len(self._queue) >= _MAX_PIPELINE:
            self._pause(_PAUSE_QUEUE)

    def _replayed(self, replay: Replayable, arrived: float) -> bool:
        if self._current is not None or self._queue or self._server.draining:
            return False  # answers leave in order, and a draining server closes after each
        try:
            parts = replay.replay(self._client[0], arrived)
        except Exception:
            log.exception("replaying an answer to %s failed", self._client[0])
            parts = None
        if parts is None:
            return False
        self._write(parts)
        self._served += 1
        self._idle_since = self._server.now
        return True

    def _restarted(self, starter: Starter, request: Request) -> bool:
        if self._current is not None or self._queue or not request.keep_alive:
            return False  # answers leave in order, and a draining server closes after each
        self._current = request  # no response yet: the starter asks for one if it needs it
        try:
            if starter.start(request, self):
                return True
        except Exception:
            log.exception("restarting %s %r failed", request.method, request.target)
            if self._current is not request:
                return True  # it answered before it failed
            response = self._response
            if response is not None and response.started:
                self.abort()  # the head is out: only a cut connection tells the viewer
                return True
        self._current = None
        self._response = None
        return False

    # Link, used by a Starter

    def respond(self) -> Response:
        """Return a response to the request a starter took over (``edgeworks.http.heads``)."""
        request = self._current
        assert request is not None
        response = Response(self, request.method, request.version, request.keep_alive)
        self._response = response
        return response

    def answer(self, data: bytes) -> bool:
        """Send a whole, framed response for the request a starter took over, and finish."""
        if self._closing:
            return False
        self._write((data,))
        self._finish(True)
        return True

    def lost(self) -> bool:
        """Whether the viewer has gone, or the connection is closing."""
        return self._closing

    def _begin(self, request: Request) -> None:
        self._current = request
        self._continue_sent = False
        app = self._server.app
        if request.body.length == 0:
            try:
                parts = app.respond_now(request)
            except Exception:
                log.exception("respond_now failed for %s %r", request.method, request.target)
                parts = None
            if parts is not None:
                if request.seen is not None:
                    request.seen.keep(request)
                self._write(parts)
                # Prepared bytes cannot promise HTTP/1.0 keep-alive (RFC 9112 §9.3): close.
                self._finish(request.keep_alive and request.version == "1.1")
                return
        response = Response(self, request.method, request.version, request.keep_alive)
        self._response = response
        started = request.body.length == 0 and self._started_now(app, request, response)
        if request.seen is not None:
            request.seen.keep(request)
        if started:
            return  # the app drives the response from callbacks until response.end()
        self._task = self._loop.create_task(self._run(app, request, response))

    def _started_now(self, app: App, request: Request, response: Response) -> bool:
        start_now = getattr(app, "start_now", None)
        if start_now is None:
            return False
        try:
            return bool(start_now(request, response))
        except Exception:
            log.exception("start_now failed for %s %r", request.method, request.target)
            if response.started:
                self.abort()  # the head is out: only a cut connection tells the viewer
                return True
            return False

    async def _run(self, app: App, request: Request, response: Response) -> None:
        try:
            await app.handle(request, response)
        except HTTPError as exc:
            self._answer_failure(response, exc.status, exc.reason)
        except (ConnectionError, asyncio.CancelledError):
            self.abort()
        except Exception:
            log.exception("handling %s %r failed", request.method, request.target)
            self._answer_failure(response, 500, "internal error")
        else:
            if not response.started:
                log.error("handle() wrote no response for %s %r", request.method, request.target)
                self._answer_failure(response, 500, "no response")
            else:
                response.end()

    def _answer_failure(self, response: Response, status: int, reason: str) -> None:
        if response.started:
            self.abort()  # the head is out: only a cut connection tells the viewer
            return
        response.keep_alive = False
        response.write_raw([plain_response(status, reason)], status)

    def _finish(self, keep_alive: bool) -> None:
        request = self._current
        self._current = None
        self._response = None
        self._task = None
        self._served += 1
        if request is not None and request is self._parsing:
            keep_alive = False  # the body was never read to its end: its end cannot be found
        if not keep_alive or self._server.draining:
            self._close()
        elif self._queue:
            if len(self._queue) <= _MAX_PIPELINE // 2:
                self._resume(_PAUSE_QUEUE)
            self._begin(self._queue.popleft())
        elif self._pending_error is not None:
            self._send_error(self._pending_error)
        elif self._eof:
            self._close()
        else:
            self._idle_since = self._server.now

    def _fail(self, error: HTTPError) -> None:
        log.debug("rejected a request from %s: %d %s", self._client[0], error.status, error.reason)
        if self._parsing is not None:
            self._parsing.body.fail(error)
        if self._current is None:
            self._send_error(error)
        else:
            self._pending_error = error
            self._pause(_PAUSE_BODY)

    def _send_error(self, error: HTTPError) -> None:
        answer = plain_response(error.status, error.reason)
        self._write([answer])
        self._close()
        # The app never saw this request; an app that logs requests may still want a line.
        refused = getattr(self._server.app, "refused", None)
        if refused is not None:
            refused(self._client, error.status, error.reason, len(answer))

    # Sink, used by Response

    async def drain(self) -> None:
        """Wait while the socket's write buffer is over its high-water mark."""
        if self._closing:
            raise ConnectionResetError("the viewer closed the connection")
        if self._write_paused:
            self._write_waiter = self._loop.create_future()
            await self._write_waiter

    def response_done(self, response: Response) -> None:
        """Move on to the next request once ``response`` has its last byte out."""
        if response is self._response:
            self._finish(response.keep_alive)

    def backed_up(self) -> bool:
        """Whether a producer should wait: the write buffer is full, or the viewer is gone.

        A closing connection drops what is written; saying so keeps a producer that loops on
        ``write_nowait`` from spinning until ``viewer_lost`` reaches it.
        """
        transport = self._transport
        return (
            self._write_paused
            or self._closing
            or transport is None
            or transport.is_closing()  # a failed write: connection_lost comes on a later turn
        )

    def body_unread(self) -> bool:
        """Whether the current request's body is still arriving and nobody reads it."""
        request = self._parsing
        return request is not None and request is self._current and not request.body.started

    # BodySource, used by RequestBody

    def body_wanted(self) -> None:
        """Send ``100 Continue`` when the viewer waits for it (RFC 9110 §10.1.1)."""
        request = self._parsing
        response = self._response
        if (
            request is not None
            and request is self._current
            and request.expects_continue
            and not self._continue_sent
            and (response is None or not response.started)
        ):
            self._continue_sent = True
            self._write([_CONTINUE])

    def pause_body(self) -> None:
        """Stop reading while a body waits for its reader."""
        self._pause(_PAUSE_BODY)

    def resume_body(self) -> None:
        """Read again after the body reader caught up."""
        self._resume(_PAUSE_BODY)

    # Lifecycle

    def check_timeouts(self, now: float) -> None:
        """Apply the header, body and idle timeouts (called by the server's sweep)."""
        limits = self._limits
        if self._closing:
            return
        if self._in_head and now - self._head_started > limits.header_timeout:
            if self._current is None:
                self._send_error(HTTPError(408, "request header not received in time"))
            else:
                self.abort()
        elif (
            self._parsing is not None
            and not self._pauses  # a paused body waits for its reader, not for the viewer
            and now - self._last_recv > limits.body_timeout
        ):
            response = self._response
            if self._parsing is self._current and response is not None and not response.started:
                self._parsing.body.fail(HTTPError(408, "request body not received in time"))
            else:
                self.abort()
        elif self._current is None and not self._in_head and not self._queue:
            limit = limits.idle_timeout if self._served else limits.header_timeout
            if now - self._idle_since > limit:
                self._close()

    def shutdown(self) -> None:
        """Close now if idle, else after the response in progress (the server is draining)."""
        if self._current is None and not self._queue and not self._in_head:
            self._close()

    def abort(self) -> None:
        """Cut the connection at once."""
        self._closing = True
        if self._transport is not None:
            self._transport.abort()

    def _close(self) -> None:
        if not self._closing and self._transport is not None:
            self._closing = True
            self._transport.close()

    def _write(self, parts: Sequence[bytes]) -> None:
        if self._closing or self._transport is None:
            return
        # One small buffer goes out by the transport's single-write fast path; joining a few
        # kilobytes costs less than the vectored write it saves.
        if len(parts) == 1:
            self._transport.write(parts[0])
        elif sum(map(len, parts)) <= _JOIN_BELOW:
            self._transport.write(b"".join(parts))
        else:
            self._transport.writelines(parts)

    # Sink, used by Response: the same write, without a call in between.
    send = _write

    def _pause(self, reason: int) -> None:
        if not self._pauses and self._transport is not None and not self._closing:
            self._transport.pause_reading()
        self._pauses |= reason

    def _resume(self, reason: int) -> None:
        if not self._pauses & reason:
            return
        self._pauses &= ~reason
        if not self._pauses and self._transport is not None and not self._closing:
            self._last_recv = self._server.now
            self._transport.resume_reading()

    def _wake_writer(self, error: BaseException | None) -> None:
        waiter = self._write_waiter
        self._write_waiter = None
        if waiter is not None and not waiter.done():
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)
