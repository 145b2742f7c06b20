"""Writing one response to the viewer: head, framing, streamed body, flow control.

The server owns the framing: an application passes end-to-end header fields and, when it knows
it, the body length. The response then picks ``Content-Length``, chunked coding (HTTP/1.1 with
an unknown length) or a close-delimited body (HTTP/1.0 with an unknown length), and leaves the
body out for HEAD and for statuses that never carry one (RFC 9110 §6.4.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from edgeworks.http.headers import Headers

# Fields the server writes itself; an application's copies are dropped so framing stays single.
_FRAMING = frozenset({b"content-length", b"transfer-encoding", b"connection", b"keep-alive"})
_LAST_CHUNK = b"0\r\n\r\n"
_CRLF = b"\r\n"
_PLAIN_HEAD = b"HTTP/1.1 %d %s\r\n%scontent-length: %d\r\n\r\n"


class Sink(Protocol):
    """What a response needs from its connection."""

    def send(self, parts: Sequence[bytes]) -> None:
        """Write bytes to the socket in order."""

    async def drain(self) -> None:
        """Wait until the socket's write buffer is below its high-water mark."""

    def response_done(self, response: Response) -> None:
        """Called once when the response's last byte was handed to the socket."""

    def body_unread(self) -> bool:
        """Whether the request has a body that nobody started to read."""

    def backed_up(self) -> bool:
        """Whether the socket's write buffer is over its high-water mark."""

    def abort(self) -> None:
        """Cut the connection at once."""


class Watcher(Protocol):
    """Who drives a response from callbacks, without a task (``App.start_now``)."""

    def viewer_resumed(self) -> None:
        """The viewer's socket drained below its low-water mark: writing may go on."""

    def viewer_lost(self) -> None:
        """The viewer's connection closed before the response ended."""


def has_no_body(method: str, status: int) -> bool:
    """Whether a response to ``method`` with ``status`` carries no body (RFC 9110 §6.4.1)."""
    return method == "HEAD" or status < 200 or status in (204, 304)


class Response:
    """The response to one request, written through the connection.

    Attributes:
        status: The status sent, 0 until the head is written.
        bytes_sent: Bytes handed to the socket, head included.
        keep_alive: Whether the connection stays open afterwards; the response may clear it
            (an HTTP/1.0 body of unknown length, a body shorter than announced).
        done: True after :meth:`end` or :meth:`write_raw`.
    """

    __slots__ = (
        "_chunked",
        "_head",
        "_method",
        "_no_body",
        "_remaining",
        "_sink",
        "_version",
        "bytes_sent",
        "done",
        "keep_alive",
        "status",
        "watcher",
    )

    def __init__(self, sink: Sink, method: str, version: str, keep_alive: bool) -> None:
        self._sink = sink
        self._method = method
        self._version = version
        self._head: bytes | None = None
        self._chunked = False
        self._no_body = False
        self._remaining: int | None = None
        self.keep_alive = keep_alive
        self.status = 0
        self.bytes_sent = 0
        self.done = False
        self.watcher: Watcher | None = None

    @property
    def started(self) -> bool:
        """True once the head has been written (or queued with the first body bytes)."""
        return self.status != 0

    def write_interim(self, status: int, reason: bytes, headers: Headers) -> None:
        """Send a 1xx interim response such as 103 Early Hints (RFC 9110 §15.2).

        HTTP/1.0 viewers do not understand interim responses, so they get none.
        """
        if self._version == "1.0" or self.started or status == 101:
            return
        self._send([_status_line(status, reason), *_fields(headers), _CRLF])

    def write_head(
        self, status: int, reason: bytes, headers: Headers, content_length: int | None = None
    ) -> None:
        """Queue the status line and header fields; they leave with the first body bytes.

        Args:
            status: The final status code (200-599).
            reason: The reason phrase.
            headers: End-to-end fields; framing fields in it are replaced by the server's.
            content_length: The body length, or None when unknown (then chunked on HTTP/1.1,
                close-delimited on HTTP/1.0).

        Raises:
            RuntimeError: The head was already written.
        """
        if self.started:
            raise RuntimeError("the response head was already written")
        self.status = status
        self._no_body = has_no_body(self._method, status)
        parts = [_status_line(status, reason), *_fields(headers)]
        parts.append(self._framing(status, content_length))
        self._head = b"".join(parts)

    def write_head_lines(
        self, status: int, reason: bytes, lines: bytes, content_length: int | None = None
    ) -> None:
        """As :meth:`write_head`, with the fields already serialised by :func:`field_lines`.

        For a caller that sends the same fields many times: it serialises them once.
        """
        if self.started:
            raise RuntimeError("the response head was already written")
        self.status = status
        self._no_body = has_no_body(self._method, status)
        if content_length is not None and self._plain(status):
            # The common case of what _framing decides, in one format.
            self._remaining = content_length
            self._head = _PLAIN_HEAD % (status, reason, lines, content_length)
            return
        framing = self._framing(status, content_length)
        self._head = b"".join((_status_line(status, reason), lines, framing))

    def write_whole(self, status: int, reason: bytes, lines: bytes, body: bytes) -> None:
        """Send a whole response at once: :meth:`write_head_lines`, then :meth:`finish`.

        For a body that is complete before the head is written (its length is the
        Content-Length); a response to HEAD leaves the body out.
        """
        if self.status:
            raise RuntimeError("the response head was already written")
        if self._method == "HEAD" or not self._plain(status):
            self.write_head_lines(status, reason, lines, len(body))
            self.finish(body)
            return
        self.status = status
        self.done = True
        data = plain_whole(status, reason, lines, body)
        self.bytes_sent += len(data)
        self._sink.send((data,))
        self._sink.response_done(self)

    def _plain(self, status: int) -> bool:
        """Whether a head with a Content-Length is framed by it alone, the connection kept."""
        return (
            self.keep_alive
            and self._version == "1.1"
            and status >= 200
            and status not in (204, 304)
            and not self._sink.body_unread()
        )

    def write_prepared(self, head: bytes, status: int, content_length: int) -> None:
        """Queue a complete head (status line, fields, blank line) prepared elsewhere.

        The body that follows through :meth:`write` must be exactly ``content_length`` bytes,
        which the head is expected to announce; used for stored responses streamed from disk.
        """
        if self.started:
            raise RuntimeError("the response head was already written")
        self.status = status
        self._no_body = has_no_body(self._method, status)
        self._remaining = content_length
        self._head = head

    async def write(self, chunk: bytes) -> None:
        """Send a piece of the body, waiting while the viewer's socket is backed up."""
        self.write_nowait(chunk)
        await self._sink.drain()

    def write_nowait(self, chunk: bytes) -> bool:
        """Send a piece of the body at once; return whether the viewer's socket is backed up.

        A caller that gets True should stop producing until its :attr:`watcher` hears
        ``viewer_resumed``.
        """
        if self.done:
            raise RuntimeError("write() after the response ended")
        if not chunk or self._no_body:
            return False
        if self._remaining is not None:
            if len(chunk) > self._remaining:
                raise RuntimeError(
                    f"body passes its Content-Length by {len(chunk) - self._remaining} bytes"
                )
            self._remaining -= len(chunk)
        if self._chunked:
            self._send([b"%x\r\n" % len(chunk), chunk, _CRLF])
        else:
            self._send([chunk])
        return self._sink.backed_up()

    def end(self) -> None:
        """Finish the response. A body shorter than its Content-Length closes the connection."""
        self.finish(b"")

    def finish(self, last: bytes) -> None:
        """Send the body's last bytes and finish, in one write (see :meth:`end`)."""
        if self.done:
            if last:
                raise RuntimeError("write() after the response ended")
            return
        if not self.started:
            raise RuntimeError("end() before write_head()")
        self.done = True
        parts = []
        if last and not self._no_body:
            if self._remaining is not None:
                if len(last) > self._remaining:
                    over = len(last) - self._remaining
                    raise RuntimeError(f"body passes its Content-Length by {over} bytes")
                self._remaining -= len(last)
            parts = [b"%x\r\n" % len(last), last, _CRLF] if self._chunked else [last]
        if self._chunked and not self._no_body:
            parts.append(_LAST_CHUNK)
        if parts or self._head is not None:
            self._send(parts)
        if self._remaining and not self._no_body:
            self.keep_alive = False
        self._sink.response_done(self)

    def abort(self) -> None:
        """Cut the viewer's connection: the response cannot be completed (its head is out).

        Only a cut connection tells the viewer that a body it was promised went wrong.
        """
        self.done = True
        self.keep_alive = False
        self._sink.abort()

    def write_raw(self, parts: Sequence[bytes], status: int = 200) -> None:
        """Send a complete, already framed response (head and body) and finish.

        Args:
            parts: The response bytes, in order.
            status: The status inside ``parts``, for logs and counters.
        """
        if self.started:
            raise RuntimeError("write_raw() after the head was written")
        self.status = status
        self.done = True
        if self._version == "1.0":
            self.keep_alive = False  # prepared bytes carry no "Connection: keep-alive"
        self._sink.send(parts)
        self.bytes_sent += sum(map(len, parts))
        self._sink.response_done(self)

    def _framing(self, status: int, content_length: int | None) -> bytes:
        fields = []
        if status >= 200 and status not in (204, 304):
            if content_length is not None:
                fields.append(b"content-length: %d\r\n" % content_length)
                self._remaining = content_length
            elif self._version == "1.1":
                fields.append(b"transfer-encoding: chunked\r\n")
                self._chunked = True
            elif not self._no_body:
                self.keep_alive = False
        if self.keep_alive and self._sink.body_unread():
            # The unread body stands between this response and the next request: it is not
            # worth reading only to throw away, so the connection ends here (RFC 9112 §9.6).
            self.keep_alive = False
        if not self.keep_alive:
            fields.append(b"connection: close\r\n")
        elif self._version == "1.0":
            fields.append(b"connection: keep-alive\r\n")
        fields.append(_CRLF)
        return b"".join(fields)

    def _send(self, parts: list[bytes]) -> None:
        if self._head is not None:
            parts.insert(0, self._head)
            self._head = None
        if parts:
            self.bytes_sent += sum(map(len, parts))
            self._sink.send(parts)


def plain_whole(status: int, reason: bytes, lines: bytes, body: bytes) -> bytes:
    """Return a whole response as :meth:`Response.write_whole` frames it in the common case.

    That case: a final status that carries a body (not 204 or 304), to a request other than
    HEAD, on an HTTP/1.1 connection that stays open, with no request body left unread.
    """
    return _PLAIN_HEAD % (status, reason, lines, len(body)) + body


def field_lines(headers: Headers) -> bytes:
    """Serialise end-to-end fields as a head carries them, framing fields left out."""
    return b"".join(_fields(headers))


def _status_line(status: int, reason: bytes) -> bytes:
    return b"HTTP/1.1 %d %s\r\n" % (status, reason)


def _fields(headers: Headers) -> list[bytes]:
    return [b"%s: %s\r\n" % (name, value) for name, value in headers if name not in _FRAMING]
