"""One keep-alive connection to an origin, carrying one exchange at a time.

The connection is an asyncio protocol around httptools' response parser. For each request it
writes the head and body, parses the answer, hands the final head to the waiting caller and
then pushes body bytes into a :class:`ResponseBody`. When the response is complete, the request
was fully sent and both sides allow it, the connection goes back to its pool; otherwise it is
closed. A fresh parser serves each exchange, which lets a HEAD response end at its head even
though it may declare a Content-Length (RFC 9110 §9.3.2).

In callback mode (:meth:`OriginConnection.start`, see ``edgeworks.origin.sink``) the same
parser callbacks push the response to a sink instead: no future, no body object, no await.

Origins repeat themselves too: a response head that arrives whole in the first read of an
exchange is kept, parsed, in its pool (:class:`KnownHead`), keyed by its exact bytes. In
callback mode a later head with the same bytes (the same fields, the same ``Date``) is not
parsed again: the sink gets the kept parse, and the body, framed by the kept Content-Length,
is counted through without a parser. Only heads that need nothing of the parser's state are
kept: final (no interim response before them) and framed by Content-Length. The parser
refuses a line ended by a bare LF, so the first CRLF CRLF is where it ended the head too.

The read timeout bounds the silence between bytes from the origin while an exchange waits on
it, not the whole response: the timer is suspended while the consumer is the slow side.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from typing import NoReturn, Protocol, cast

import httptools

from edgeworks.http.headers import Headers
from edgeworks.origin.body import OriginResponse, ResponseBody
from edgeworks.origin.errors import (
    FirstByteTimeoutError,
    OriginError,
    OriginTimeout,
    StaleConnectionError,
)
from edgeworks.origin.framing import LAST_CHUNK, SET_APART, chunk, split_fields
from edgeworks.origin.sink import ResponseSink

log = logging.getLogger(__name__)

Interim = Callable[[int, Headers], None]

# RFC 9110 §6.4.1: these answers never carry content, whatever their head declares.
_BODYLESS = frozenset({204, 304})

# The most an origin may send before its final head is complete, interim heads included: the
# parser itself sets no bound, and a runaway head must not grow without end in memory.
MAX_HEAD_BYTES = 64 << 10

_READ = "OriginReadError"


KNOWN_HEADS = 512


class KnownHead:
    """The parse of one exact response head, as the sink is told it."""

    __slots__ = ("fields", "keep_alive", "length", "reason", "status")

    def __init__(
        self,
        status: int,
        reason: bytes,
        fields: Headers,
        length: int,
        keep_alive: bool,
    ) -> None:
        self.status = status
        self.reason = reason
        self.fields = fields
        self.length = length
        self.keep_alive = keep_alive


class PoolSide(Protocol):
    """What a connection needs from the pool that owns it.

    Attributes:
        name: The origin's id, for logs.
        heads: Response heads seen from this origin, by their exact bytes (bounded here).
    """

    name: str
    heads: dict[bytes, KnownHead]

    def release(self, conn: OriginConnection) -> None:
        """Take back a connection whose exchange ended cleanly and may be reused."""

    def forget(self, conn: OriginConnection) -> None:
        """Note that a connection has closed, whatever the reason."""


class _MalformedError(Exception):
    """Raised inside a parser callback to stop parsing a response the edge refuses."""


class OriginConnection(asyncio.Protocol):
    """A connection to one origin; the pool creates it and drives it with :meth:`exchange`."""

    def __init__(self, pool: PoolSide, read_timeout: float) -> None:
        self._pool = pool
        self._loop = self.loop = asyncio.get_running_loop()
        self._read_timeout = read_timeout
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.exchanges = 0
        self.idle_since = 0.0
        self._active = False
        self._parser: httptools.HttpResponseParser | None = None
        self._head: asyncio.Future[OriginResponse] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._drain: asyncio.Future[None] | None = None
        self._sender: asyncio.Task[None] | None = None
        self._write_paused = False
        self._last_read = 0.0
        self._sink: ResponseSink | None = None
        self._last_known: tuple[bytes, KnownHead] | None = None  # the last known head read
        self._begin_state(False, None)
        self._reset_parse()
        self._parser = None

    # Exchange: send a request, answer with the response head.

    async def exchange(
        self,
        head: bytes,
        body: bytes | AsyncIterator[bytes] | None,
        head_only: bool,
        on_interim: Interim | None,
        length: int | None = None,
    ) -> OriginResponse:
        """Send one request and return the response once its head has arrived.

        ``length`` is the declared length of a streamed ``body`` (sent as is), or None when the
        head announced it chunked.

        Raises:
            OriginError: The origin refused, reset, closed or answered badly (502).
            OriginTimeout: The origin fell silent for longer than the read timeout (504).
            StaleConnectionError: This pooled connection was closed before any response byte.
            Exception: Whatever a streamed ``body`` raised, unchanged: the request is void.
        """
        if self.closed or self.transport is None or self.transport.is_closing():
            raise StaleConnectionError("origin closed the connection", detail="while pooled")
        future = self._begin(head_only, on_interim)
        if body is None or isinstance(body, bytes):
            self._write(head, body)
        else:
            self._sender = self._loop.create_task(self._stream(head, body, length))
        try:
            return await future
        except asyncio.CancelledError:
            self.abandon()
            raise

    def start(self, head: bytes, head_only: bool, sink: ResponseSink) -> None:
        """Send one bodiless request and push its response to ``sink`` (callback mode).

        The connection must be a live pooled one (``Pool.take_idle``). Every outcome reaches
        the sink, failures included: a pooled connection found closed before any response byte
        as :class:`StaleConnectionError`.
        """
        self.exchanges += 1
        self._begin_state(head_only, sink.on_interim)
        self._sink = sink
        self._active = True
        self._parser = None  # made by the first read that no known head answers
        assert self.transport is not None
        self.transport.write(head)
        self._request_sent = True
        self._last_read = self._loop.time()
        if self._timer is None:
            self._arm()

    def _begin(
        self, head_only: bool, on_interim: Interim | None
    ) -> asyncio.Future[OriginResponse]:
        self.exchanges += 1
        self._begin_state(head_only, on_interim)
        self._active = True
        self._head = self._loop.create_future()
        self._new_parser()
        return self._head

    def _begin_state(self, head_only: bool, on_interim: Interim | None) -> None:
        """Reset what one exchange learns about its response."""
        self._head_only = head_only
        self._on_interim = on_interim
        self._sink = None
        self._body_ref: weakref.ref[ResponseBody] | None = None
        self._status = b""
        self._final = False
        self._complete = False
        self._reusable = True
        self._received = False
        self._until_close = False
        self._request_sent = False
        self._paused = False
        # Body bytes still due after a known head (no parser runs); -1 while a parser reads.
        self._counting = -1

    def _new_parser(self) -> httptools.HttpResponseParser:
        """Start parsing this exchange's response (a known head needs no parser)."""
        self._reset_parse()
        self._parser = httptools.HttpResponseParser(self)
        return self._parser

    def _reset_parse(self) -> None:
        """Reset what the parser's callbacks gather about a response."""
        self._fields: Headers = []
        self._apart: Headers = []
        self._head_bytes = 0
        self._bad: str | None = None
        self._interims = 0
        self._candidate: tuple[int, tuple[tuple[bytes, bytes], ...], int, bool] | None = None

    def _write(self, head: bytes, body: bytes | None) -> None:
        assert self.transport is not None
        if body:
            self.transport.writelines((head, body))
        else:
            self.transport.write(head)
        self._sent()

    async def _stream(self, head: bytes, body: AsyncIterator[bytes], length: int | None) -> None:
        transport = self.transport
        assert transport is not None
        try:
            transport.write(head)
            sent = 0
            async for piece in body:
                if self.closed:
                    return
                if piece:
                    sent += len(piece)
                    _check_length(sent, length, done=False)
                    # RFC 9112 §7.1: without a declared length each piece goes out as a chunk.
                    transport.write(chunk(piece) if length is None else piece)
                    if self._write_paused:
                        await self._wait_drain()
            _check_length(sent, length, done=True)
            if not self.closed:
                if length is None:
                    transport.write(LAST_CHUNK)
                self._sent()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The caller's own body failed: the request cannot be completed on this connection.
            self._fail(exc)

    def _sent(self) -> None:
        self._request_sent = True
        if self._active:
            self._last_read = self._loop.time()
            self._arm()

    async def _wait_drain(self) -> None:
        self._drain = self._loop.create_future()
        await self._drain

    # asyncio protocol callbacks.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport (asyncio protocol)."""
        # uvloop's transports implement asyncio.Transport without deriving from it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        """Feed bytes from the origin to the parser of the current exchange."""
        if not self._active:
            # Bytes while idle answer nothing that was asked: the connection is out of step.
            self._close()
            return
        self._last_read = self._loop.time()
        if self._counting >= 0:
            self._count_body(data)
            return
        first = not self._received
        self._received = True
        parser = self._parser
        if parser is None:
            if self._known_head(data):
                return
            parser = self._new_parser()
        if not self._final:
            self._head_bytes += len(data)
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._parse_error(exc)
            return
        if first and self._candidate is not None:
            self._remember_head(data)
        if not self._final and self._head_bytes > MAX_HEAD_BYTES:
            detail = f"more than {MAX_HEAD_BYTES} bytes and the head is not complete"
            too_big = "OriginHeaderTooBigError"
            self._fail(OriginError("origin response head too large", detail, kind=too_big))
        elif self._complete:
            self._settle()
        elif self._timer is None:
            self._arm()

    def _known_head(self, data: bytes) -> bool:
        """Answer the sink from a kept head when ``data`` starts with one; say if it did."""
        sink = self._sink
        if sink is None or self._head_only:
            return False
        last = self._last_known
        if last is not None and data.startswith(last[0]):
            # The head this connection had last time: it ends where that one ended, since a
            # head holds no empty line before its end.
            start, known = len(last[0]), last[1]
        else:
            start = data.find(b"\r\n\r\n") + 4
            if start < 4:
                return False
            head = data[:start]
            found = self._pool.heads.get(head)
            if found is None:
                return False
            known = found
            self._last_known = (head, known)
        if len(data) - start > known.length:
            return False  # bytes past this response: the parser judges
        self._final = True
        self._status = known.reason
        self._reusable = known.keep_alive
        if len(data) - start == known.length:
            # The whole response in one read: pool the connection, then hand it over.
            self._complete = True
            self._release()
            sink.on_response(known.status, known.reason, known.fields, known.length, data[start:])
            return True
        self._counting = known.length
        sink.on_head(known.status, known.reason, known.fields, known.length)
        if start < len(data):
            self._count_body(data[start:])
        elif self._timer is None:
            self._arm()  # the body is still due (a whole one was answered above)
        return True

    def _count_body(self, data: bytes) -> None:
        """Pass the body of a known head on, counting it against its Content-Length."""
        due = self._counting
        if len(data) > due:
            self._reusable = False  # bytes past the response: the connection is out of step
            data = data[:due]
        self._counting = due - len(data)
        sink = self._sink
        if sink is not None and data:
            sink.on_body(data)
        if not self._active:
            return  # the sink abandoned the exchange
        if self._counting == 0:
            self._complete = True
            self._settle()
        elif self._timer is None:
            self._arm()

    def _remember_head(self, data: bytes) -> None:
        """Keep the parse of a final head that came whole at the start of ``data``."""
        assert self._candidate is not None
        status, fields, length, keep_alive = self._candidate
        start = data.find(b"\r\n\r\n") + 4
        if start < 4 or len(data) - start > length:
            return
        head = data[:start]
        heads = self._pool.heads
        if len(heads) >= KNOWN_HEADS:
            heads.clear()  # cheaper than tracking use; live heads come back at once
        heads[head] = KnownHead(status, self._status, list(fields), length, keep_alive)

    def eof_received(self) -> None:
        """Let the transport close; a close-delimited body ends here (asyncio protocol)."""

    def connection_lost(self, exc: Exception | None) -> None:
        """End the exchange in progress, if any, and tell the pool (asyncio protocol)."""
        self.closed = True
        self._disarm()
        self._wake_drain()
        if self._sender is not None and not self._sender.done():
            self._sender.cancel()
        # The pool learns first, so that a sink told below finds the pool's counts true.
        self._pool.forget(self)
        if self._active:
            if self._final and self._until_close and exc is None:
                # RFC 9112 §6.3 rule 8: without framing the body ends when the origin closes.
                body = self._live_body()
                if body is not None:
                    body.finish()
                sink = self._sink
                self._end_exchange()
                if sink is not None:
                    sink.on_end()
            else:
                self._fail(self._lost_error(exc))

    def pause_writing(self) -> None:
        """Stop streaming the request body until the socket drains (asyncio protocol)."""
        self._write_paused = True

    def resume_writing(self) -> None:
        """Carry on streaming the request body (asyncio protocol)."""
        self._write_paused = False
        self._wake_drain()

    def _wake_drain(self) -> None:
        drain = self._drain
        if drain is not None:
            self._drain = None
            if not drain.done():
                drain.set_result(None)

    # httptools parser callbacks.

    def on_message_begin(self) -> None:
        """Start a response head (parser callback)."""
        if self._complete:
            # A second message after the final one was never asked for.
            self._reusable = False
        self._status = b""
        self._fields = []
        self._apart = []

    def on_status(self, status: bytes) -> None:
        """Collect the reason phrase, which may arrive in pieces (parser callback)."""
        self._status += status

    def on_header(self, name: bytes, value: bytes) -> None:
        """Collect one field; trailer fields after a chunked body are dropped (parser callback)."""
        if not self._final:
            name = name.lower()
            if name in SET_APART:
                self._apart.append((name, value))
            else:
                self._fields.append((name, value))

    def on_headers_complete(self) -> None:
        """Handle an interim head, or publish the final head to the caller (parser callback)."""
        assert self._parser is not None
        status = self._parser.get_status_code()
        if status < 200:
            self._interim(status)
            return
        if status > 599:
            self._reject(f"status code {status} is outside 100-599")
        self._final = True
        try:
            fields, length, chunked = split_fields(self._fields, self._apart)
        except ValueError as exc:
            self._reject(str(exc))

        if self._sink is not None:
            self._sink_head(status, fields, length, chunked)
            return
        if self._head_only or status in _BODYLESS:
            body = ResponseBody(None)
            self._complete = True
        else:
            body = ResponseBody(self)
            # Held weakly: a body its consumer dropped unread must free the connection.
            self._body_ref = weakref.ref(body, self._body_dropped)
            self._until_close = length is None and not chunked
            self._reusable = self._reusable and not self._until_close

        head, self._head = self._head, None
        if head is not None and not head.done():
            head.set_result(OriginResponse(status, self._status, fields, length, body))

    def on_body(self, data: bytes) -> None:
        """Pass body bytes on to the consumer (parser callback)."""
        sink = self._sink
        if sink is not None and not self._complete:
            sink.on_body(data)
            return
        body = self._live_body()
        if self._complete or body is None:
            self._reusable = False
            return
        body.feed(data)

    def on_message_complete(self) -> None:
        """Mark the final response complete; interim ones end here too (parser callback)."""
        if not self._final or self._complete:
            return
        assert self._parser is not None
        self._complete = True
        self._reusable = self._reusable and self._parser.should_keep_alive()
        body = self._live_body()
        if body is not None:
            body.finish()

    def _sink_head(self, status: int, fields: Headers, length: int | None, chunked: bool) -> None:
        """Tell the sink the final head (callback mode)."""
        assert self._sink is not None
        if self._head_only or status in _BODYLESS:
            self._complete = True
        else:
            self._until_close = length is None and not chunked
            self._reusable = self._reusable and not self._until_close
            if length is not None and not chunked and not self._interims:
                # Kept once the read ends; the parser tells keep-alive only until the body ends.
                assert self._parser is not None
                alive = self._parser.should_keep_alive()
                self._candidate = (status, tuple(fields), length, alive)
        self._sink.on_head(status, self._status, fields, length)

    def _interim(self, status: int) -> None:
        # RFC 9110 §15.2: 100 answers Expect, which the server side handles; 101 was never asked
        # for; any other 1xx (103 Early Hints) goes to the caller, who may ignore it.
        if status == 101 or status < 100:
            self._reject(f"unexpected interim status {status}")
        self._interims += 1
        if status != 100 and self._on_interim is not None:
            try:
                self._on_interim(status, self._fields)
            except Exception:
                log.warning("origin %s: interim %d handler failed", self._pool.name, status)

    def _reject(self, why: str) -> NoReturn:
        self._bad = why
        raise _MalformedError(why)

    # Flow control (the body's Reader side).

    def pause_body(self) -> None:
        """Stop reading the origin while the consumer is behind; the read timeout waits too."""
        if not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
            self._disarm()

    def resume_body(self) -> None:
        """Read the origin again once the consumer has caught up."""
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
            self._last_read = self._loop.time()
            self._arm()

    def abandon(self) -> None:
        """Close the connection mid-exchange: nobody wants the rest of this response."""
        self._reusable = False
        self._end_exchange()
        self._close()

    def _live_body(self) -> ResponseBody | None:
        ref = self._body_ref
        return None if ref is None else ref()

    def _body_dropped(self, ref: weakref.ref[ResponseBody]) -> None:
        # Nobody can read the rest of this response any more: stop paying for it.
        if ref is self._body_ref and self._active:
            log.debug("origin %s: response dropped unread, closing", self._pool.name)
            self.abandon()

    def shut(self) -> None:
        """Close at once; an exchange in progress fails with a 502 (the client is closing)."""
        if self._active:
            self._fail(OriginError("origin client is closed", detail=self._pool.name))
        else:
            self._close()

    # Endings.

    def _settle(self) -> None:
        """After a complete response: pool the connection if that is safe, else close it."""
        sink = self._release()
        if sink is not None:
            sink.on_end()  # last: the sink may start its next exchange on this connection

    def _release(self) -> ResponseSink | None:
        """End the exchange, pool or close the connection; return the sink to tell."""
        sink = self._sink
        self._active = False  # the exchange ends (as _end_exchange)
        self._sink = None
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        # An origin that answers before the request body is through may not read the rest of
        # it, so only a connection whose request went out whole is trusted again.
        if self._reusable and self._request_sent and not self.closed:
            self._pool.release(self)
        else:
            self._close()
        return sink

    def _fail(self, error: BaseException) -> None:
        head = self._head
        body = self._live_body()
        sink = self._sink
        if sink is not None:
            self._reusable = False
            self._end_exchange()
            if self.transport is not None:
                self.transport.abort()
            sink.on_error(_as_origin_error(error))
            return
        if head is not None and not head.done():
            head.set_exception(error)
        elif body is not None and not body.done:
            log.warning("origin %s: %s after the response head", self._pool.name, error)
            body.fail(error)
        self._reusable = False
        self._end_exchange()
        if self.transport is not None:
            self.transport.abort()

    def _parse_error(self, exc: httptools.HttpParserError) -> None:
        if self._complete:
            # Bytes after a complete response: keep the response, never reuse the connection.
            self._reusable = False
            self._settle()
            return
        detail = self._bad or str(exc.__context__ or exc)
        invalid = "OriginInvalidResponseError"
        self._fail(OriginError("origin sent a malformed response", detail, kind=invalid))

    def _lost_error(self, exc: Exception | None) -> OriginError:
        if not self._received:
            if self.exchanges > 1:
                return StaleConnectionError(
                    "origin closed the connection", detail=f"pooled: {exc}"
                )
            detail = f"before a response: {exc}"
            return OriginError("origin closed the connection", detail, kind=_READ)
        what = "reset" if exc is not None else "closed"
        phase = "in the body" if self._final else "before the response head ended"
        return OriginError(f"origin {what} the connection", f"{phase}: {exc}", kind=_READ)

    def _end_exchange(self) -> None:
        # The read timer is left to lapse: it stops by itself when it finds no exchange, and a
        # busy connection keeps one timer across many exchanges instead of one per request.
        self._active = False
        self._sink = None

    def _close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()

    # Read timeout: one timer, moved forward lazily when it fires instead of on every read.

    def _arm(self) -> None:
        if self._timer is None and self._active and not self._paused:
            due = self._last_read + self._read_timeout
            self._timer = self._loop.call_at(due, self._on_timer)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        if not self._active or self._paused:
            return
        if self._loop.time() < self._last_read + self._read_timeout:
            self._arm()
            return
        detail = f"no byte for {self._read_timeout:g}s"
        kind = OriginTimeout if self._received else FirstByteTimeoutError
        self._fail(kind("origin read timed out", detail=detail))


def _as_origin_error(error: BaseException) -> OriginError:
    """Callback mode sends no body of the caller's, so every failure is the origin's."""
    if isinstance(error, OriginError):
        return error
    return OriginError("origin exchange failed", detail=repr(error))


def _check_length(sent: int, length: int | None, done: bool) -> None:
    """Refuse a streamed body that overruns, or ends short of, its declared length."""
    if length is not None and (sent > length or (done and sent < length)):
        raise ValueError(f"request body of declared length {length} ran to {sent} bytes")
