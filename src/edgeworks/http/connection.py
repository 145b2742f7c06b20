"""One viewer connection: httptools parsing, strict checks, answers in request order.

The parser calls back into :class:`Connection` as bytes arrive. Each request head becomes a
:class:`Request`; the first one without a body is offered to the application's synchronous
``respond_now`` right inside the parser callback, everything else runs ``handle`` as a task.
Pipelined requests wait in a queue and are answered one after the other, so responses leave in
request order (RFC 9112 §9.3.2).

A malformed request is answered with its status and a short reason, after the responses
already owed on the connection, and the connection closes: once framing is in doubt the next
request's first byte cannot be found.

llhttp knows a fixed list of methods. A request whose method is another token is fed to it
under a placeholder method with the same body rules, and the real token is kept aside. When
such a request follows another one inside the same read, the boundary between them is found
again by a second parser (see :meth:`Connection._recover_method`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import httptools

from edgeworks.http import checks
from edgeworks.http.errors import HTTPError
from edgeworks.http.headers import Headers
from edgeworks.http.request import EMPTY_BODY, Request, RequestBody
from edgeworks.http.response import Response
from edgeworks.http.status import plain_response

if TYPE_CHECKING:
    from edgeworks.http.server import App, HTTPServer

log = logging.getLogger(__name__)

_KNOWN = (b"GET ", b"HEAD ", b"POST ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ")
_PLACEHOLDER = b"POST"
_MAX_METHOD = 64
_MAX_PIPELINE = 32
_JOIN_BELOW = 16 * 1024
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"

# Reasons to stop reading from the socket; reading resumes when none is left.
_PAUSE_BODY, _PAUSE_QUEUE = 1, 2


class _Counter:
    """Counts complete messages; used to find a message boundary again."""

    def __init__(self) -> None:
        self.messages = 0

    def on_message_complete(self) -> None:
        self.messages += 1


class Connection(asyncio.Protocol):
    """The server side of one viewer connection."""

    def __init__(self, server: HTTPServer) -> None:
        self._server = server
        self._limits = server.limits
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpRequestParser(self)
        self._client: tuple[str, int] = ("", 0)
        self._scheme = "http"
        self._closing = False
        self._eof = False
        self._pauses = 0
        self._write_waiter: asyncio.Future[None] | None = None
        self._write_paused = False
        # The request being parsed.
        self._at_boundary = True
        self._in_head = False
        self._head_started = 0.0
        self._head_seen = 0
        self._method_buf = b""
        self._method_override: str | None = None
        self._url: list[bytes] = []
        self._url_len = 0
        self._headers: Headers = []
        self._field_bytes = 0
        self._hosts = 0
        self._expects_continue = False
        self._chunked = False
        self._length: bytes | None = None
        self._parsing: Request | None = None
        self._completed = 0
        self._error: HTTPError | None = None
        self._last: Request | None = None
        # The request being answered and those waiting behind it.
        self._current: Request | None = None
        self._response: Response | None = None
        self._task: asyncio.Task[None] | None = None
        self._queue: deque[Request] = deque()
        self._pending_error: HTTPError | None = None
        self._continue_sent = False
        self._idle_since = server.now
        self._last_recv = server.now
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
            transport.write(plain_response(503, "too many connections"))
            self._closing = True
            transport.close()
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

    def eof_received(self) -> bool:
        """Note a half-close; keep writing while answers are owed."""
        self._eof = True
        # Keep the write side open while answers are still owed (a half-closed pipeline).
        return self._current is not None or bool(self._queue)

    def pause_writing(self) -> None:
        """The socket's write buffer is full: writers wait."""
        self._write_paused = True

    def resume_writing(self) -> None:
        """The socket drained: writers go on."""
        self._write_paused = False
        self._wake_writer(None)

    def data_received(self, data: bytes) -> None:
        """Feed received bytes to the parser."""
        if self._closing or self._pending_error is not None:
            return
        self._last_recv = self._server.now
        if self._at_boundary:
            if not self._method_buf:
                server = self._server
                request = server.heads.replay(
                    data, self._client, self._scheme, time.time(), server.draining
                )
                if request is not None:
                    self._completed += 1
                    self._dispatch(request)
                    return
            if self._method_buf or not data.startswith(_KNOWN):
                data = self._peek_method(data)
                if not data:
                    return
        self._feed(data)

    # Feeding the parser

    def _feed(self, data: bytes) -> None:
        completed_before = self._completed
        started_at_boundary = self._at_boundary
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as exc:
            # RFC 9110 §7.8: a server may ignore Upgrade; what follows is the next request.
            self._parser = httptools.HttpRequestParser(self)
            rest = data[int(exc.args[0]) :]
            if rest and not self._closing:
                self.data_received(rest)
            return
        except httptools.HttpParserError as exc:
            completed = self._completed - completed_before
            if _is_method_error(exc) and completed and started_at_boundary:
                self._recover_method(data, completed)
            else:
                self._fail(self._error or checks.parser_error(str(exc)))
            return
        if self._in_head:
            self._head_seen += len(data)
            if self._head_seen > self._limits.max_request_line + self._limits.max_header_bytes:
                self._fail(HTTPError(431, "the request header section is too large"))
        elif (
            started_at_boundary
            and self._at_boundary
            and self._completed == completed_before + 1
            and self._last is not None
        ):
            # Exactly one bodiless request in this read: its bytes may come again.
            self._server.heads.remember(data, self._last)

    def _peek_method(self, data: bytes) -> bytes:
        """Hold back a request line until its method is known; mask unknown methods."""
        buf = self._method_buf + data
        if not self._in_head:
            self._in_head = True
            self._head_started = self._server.now
        space = buf.find(b" ", 0, _MAX_METHOD + 1)
        if space < 0:
            if len(buf) > _MAX_METHOD or not checks.is_token(buf.lstrip(b"\r\n")):
                self._method_buf = b""
                return buf
            self._method_buf = buf
            return b""
        self._method_buf = b""
        token = buf[:space]
        if buf.startswith(_KNOWN) or not checks.is_token(token):
            return buf
        self._method_override = token.decode("ascii")
        return _PLACEHOLDER + buf[space:]

    def _recover_method(self, data: bytes, completed: int) -> None:
        """Find where the failed request starts in ``data`` and feed it again, masked."""
        low, high = 0, len(data)
        while low < high:
            middle = (low + high) // 2
            counter = _Counter()
            with contextlib.suppress(httptools.HttpParserError):
                httptools.HttpRequestParser(counter).feed_data(data[:middle])
            if counter.messages >= completed:
                high = middle
            else:
                low = middle + 1
        self._parser = httptools.HttpRequestParser(self)
        self._at_boundary = True
        self._in_head = False
        rest = data[low:]
        peeked = self._peek_method(rest)
        if self._method_override is None:
            self._fail(HTTPError(400, "the method is not a token"))
        elif peeked:
            self._feed(peeked)

    # httptools callbacks

    def on_message_begin(self) -> None:
        """Parser: a request starts."""
        self._at_boundary = False
        if not self._in_head:
            self._in_head = True
            self._head_started = self._server.now
        self._head_seen = 0
        self._url = []
        self._url_len = 0
        self._headers = []
        self._field_bytes = 0
        self._hosts = 0
        self._expects_continue = False
        self._chunked = False
        self._length = None

    def on_url(self, url: bytes) -> None:
        """Parser: a piece of the request target."""
        self._url.append(url)
        self._url_len += len(url)
        if self._url_len > self._limits.max_request_line:
            self._raise(
                HTTPError(414, f"request target longer than {self._limits.max_request_line}")
            )

    def on_header(self, name: bytes, value: bytes) -> None:
        """Parser: one header (or trailer) field."""
        self._field_bytes += len(name) + len(value) + 4
        if self._field_bytes > self._limits.max_header_bytes:
            self._raise(HTTPError(431, "the request header section is too large"))
        if not self._in_head:
            return  # trailer fields (RFC 9112 §7.1.2) are not forwarded
        name = name.lower()
        value = value.rstrip(b" \t")  # RFC 9112 §5.1: trailing whitespace is not part of it
        self._headers.append((name, value))
        if len(self._headers) > self._limits.max_headers:
            self._raise(HTTPError(431, f"more than {self._limits.max_headers} header fields"))
        if name in _SPECIAL:
            self._special_header(name, value)

    def on_headers_complete(self) -> None:
        """Parser: the head is complete; check it and dispatch the request."""
        self._in_head = False
        version = self._parser.get_http_version()
        try:
            if version not in checks.SUPPORTED_VERSIONS:
                checks.check_version(version)
            request = self._build(version)
        except HTTPError as exc:
            self._raise(exc)
        if request.body.length != 0:
            self._parsing = request
            self._last = None
        else:
            self._last = request if self._method_override is None else None
        self._dispatch(request)

    def on_body(self, data: bytes) -> None:
        """Parser: a piece of the body."""
        request = self._parsing
        if request is None:
            return
        if request.body.received + len(data) > self._limits.max_body_bytes:
            error = HTTPError(413, f"request body larger than {self._limits.max_body_bytes} bytes")
            request.body.fail(error)
            self._raise(error)
        request.body.feed(data)

    def on_message_complete(self) -> None:
        """Parser: the request, body included, is complete."""
        self._completed += 1
        self._at_boundary = True
        self._method_override = None
        request = self._parsing
        if request is not None:
            self._parsing = None
            request.body.finish()

    # Building and checking the request

    def _special_header(self, name: bytes, value: bytes) -> None:
        if name == b"host":
            self._hosts += 1
            if self._hosts > 1:
                self._raise(HTTPError(400, "more than one Host field"))  # RFC 9112 §3.2
        elif name == b"transfer-encoding":
            try:
                checks.check_transfer_coding(value)
            except HTTPError as exc:
                self._raise(exc)
            self._chunked = True
        elif name == b"content-length":
            self._length = value
        elif name == b"expect":
            if value.lower() != b"100-continue":
                shown = value.decode("latin-1")
                self._raise(HTTPError(417, f"Expect {shown!r} is not supported"))
            self._expects_continue = True

    def _build(self, version: str) -> Request:
        if version == "1.1" and self._hosts == 0:
            raise HTTPError(400, "HTTP/1.1 request without a Host field")  # RFC 9112 §3.2
        if self._chunked:
            length: int | None = None
        elif self._length is not None:
            length = checks.content_length(self._length, self._limits.max_body_bytes)
        else:
            length = 0
        method = self._method_override
        if method is None:
            raw = self._parser.get_method()
            method = _METHOD_NAMES.get(raw) or raw.decode("ascii")
        target = self._url[0] if len(self._url) == 1 else b"".join(self._url)
        return Request(
            method,
            target,
            version,
            self._headers,
            self._client,
            keep_alive=self._parser.should_keep_alive() and not self._server.draining,
            expects_continue=self._expects_continue and length != 0 and version == "1.1",
            body=RequestBody(self, length) if length != 0 else EMPTY_BODY,
            scheme=self._scheme,
            arrived=time.time(),
        )

    def _raise(self, error: HTTPError) -> None:
        # Keep the error: httptools wraps what a callback raises in its own exception.
        self._error = error
        raise error

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
                self._write(parts)
                self._finish(request.keep_alive)
                return
        response = Response(self, request.method, request.version, request.keep_alive)
        self._response = response
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run(app, request, response))

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
        self._write([plain_response(error.status, error.reason)])
        self._close()

    # Sink, used by Response

    def send(self, parts: Sequence[bytes]) -> None:
        """Write ``parts`` to the socket unless the connection is closing."""
        self._write(parts)

    async def drain(self) -> None:
        """Wait while the socket's write buffer is over its high-water mark."""
        if self._closing:
            raise ConnectionResetError("the viewer closed the connection")
        if self._write_paused:
            self._write_waiter = asyncio.get_running_loop().create_future()
            await self._write_waiter

    def response_done(self, response: Response) -> None:
        """Move on to the next request once ``response`` has its last byte out."""
        if response is self._response:
            self._finish(response.keep_alive)

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


def _is_method_error(exc: httptools.HttpParserError) -> bool:
    # llhttp reports an unknown method either way, depending on how far it matched a known one.
    return isinstance(exc, httptools.HttpParserInvalidMethodError) or "method" in str(exc)


# Method names as str, made once: decoding per request shows on the hit path.
_METHOD_NAMES = {
    m.encode(): m for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
}

_SPECIAL = frozenset({b"host", b"transfer-encoding", b"content-length", b"expect"})
