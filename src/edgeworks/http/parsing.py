"""Reading requests off a connection: httptools callbacks and the checks it leaves to us.

:class:`RequestParsing` is the reading half of a connection. It feeds received bytes to the
httptools parser, builds a :class:`Request` from each head, checks what the parser lets through
(see ``edgeworks.http.checks``), enforces the size limits, and hands every request to
``_dispatch`` and every fault to ``_fail``, which the connection implements.

llhttp knows a fixed list of methods. A request whose method is another token is fed to it
under a placeholder method with the same body rules, and the real token is kept aside. When
such a request follows another one inside the same read, the boundary between them is found
again by a second parser, which walks the bytes received since the last read that began at a
request boundary (see :meth:`RequestParsing._recover_method`). Those bytes are kept up to 256
KiB: an extension-method request pipelined behind a larger body within one unbroken stream of
reads is refused (501), and the viewer has to send it again.

A read that holds exactly one complete request without a body is remembered by its bytes
(``edgeworks.http.heads``); the same bytes at a later request boundary skip the parser.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

import httptools

from edgeworks.http import checks
from edgeworks.http.errors import HTTPError
from edgeworks.http.headers import Headers
from edgeworks.http.request import EMPTY_BODY, Request, RequestBody

if TYPE_CHECKING:
    from edgeworks.http.heads import Replayable, Starter
    from edgeworks.http.server import HTTPServer

_KNOWN = (b"GET ", b"HEAD ", b"POST ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ")
_PLACEHOLDER = b"POST"
_MAX_METHOD = 64
_CARRY_LIMIT = 256 * 1024


class _Counter:
    """Counts complete messages; used to find a message boundary again."""

    def __init__(self) -> None:
        self.messages = 0

    def on_message_complete(self) -> None:
        """Parser: one more message ended."""
        self.messages += 1


class RequestParsing:
    """The reading half of a viewer connection (see the module docstring)."""

    def __init__(self, server: HTTPServer) -> None:
        self._server = server
        self._limits = server.limits
        self._parser = httptools.HttpRequestParser(self)
        self._client: tuple[str, int] = ("", 0)
        self._scheme = "http"
        self._closing = False
        self._pending_error: HTTPError | None = None
        self._last_recv = server.now
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
        self._carry: list[bytes] | None = None
        self._carry_len = 0
        self._carry_base = 0

    # What the connection provides: where requests and faults go, and the body's flow control.

    def _dispatch(self, request: Request) -> None:
        raise NotImplementedError

    def _fail(self, error: HTTPError) -> None:
        raise NotImplementedError

    def _replayed(self, replay: Replayable, arrived: float) -> bool:
        """Answer a repeated head with ``replay`` if nothing else is owed; say if it did."""
        raise NotImplementedError

    def _restarted(self, starter: Starter, request: Request) -> bool:
        """Let ``starter`` take over a repeated head if nothing else is owed; say if it did."""
        raise NotImplementedError

    def body_wanted(self) -> None:
        """Send ``100 Continue`` if the viewer waits for it (see the connection)."""
        raise NotImplementedError

    def pause_body(self) -> None:
        """Stop reading while a body waits for its reader (see the connection)."""
        raise NotImplementedError

    def resume_body(self) -> None:
        """Read again after the body reader caught up (see the connection)."""
        raise NotImplementedError

    def data_received(self, data: bytes) -> None:
        """Feed received bytes to the parser."""
        if self._closing or self._pending_error is not None:
            return
        self._last_recv = self._server.now
        if self._at_boundary:
            if not self._method_buf:
                server = self._server
                seen = server.heads.find(data)
                if seen is not None:
                    arrived = time.time()
                    self._completed += 1
                    if seen.replay is not None and self._replayed(seen.replay, arrived):
                        return
                    request = seen.rebuild(self._client, self._scheme, arrived, server.draining)
                    if seen.starter is None or not self._restarted(seen.starter, request):
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
        self._keep_carry(data, started_at_boundary)
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
            carry = self._carry
            completed = self._completed - self._carry_base
            if _is_method_error(exc) and completed and carry is not None:
                self._recover_method(b"".join(carry), completed)
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

    def _keep_carry(self, data: bytes, at_boundary: bool) -> None:
        """Keep the bytes fed since the last read that began at a request boundary.

        A second parser can walk them from that boundary to find where a request with an
        extension method begins; past :data:`_CARRY_LIMIT` they are dropped.
        """
        if at_boundary:
            self._carry = [data]
            self._carry_len = len(data)
            self._carry_base = self._completed
        elif self._carry is not None:
            self._carry.append(data)
            self._carry_len += len(data)
            if self._carry_len > _CARRY_LIMIT:
                self._carry = None

    def _peek_method(self, data: bytes) -> bytes:
        """Hold back a request line until its method is known; mask unknown methods."""
        # RFC 9112 §2.2: empty lines before a request line are ignored.
        buf = (self._method_buf + data).lstrip(b"\r\n")
        if not buf:
            self._method_buf = b""
            return b""
        if not self._in_head:
            self._in_head = True
            self._head_started = self._server.now
        space = buf.find(b" ", 0, _MAX_METHOD + 1)
        if space < 0:
            if len(buf) > _MAX_METHOD or not checks.is_token(buf):
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
        if not peeked:
            return  # the method goes on in the next read
        if self._method_override is None:
            self._fail(HTTPError(400, "the method is not a token"))
        else:
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
        method = self._method_override
        if method is None:
            raw = self._parser.get_method()
            method = _METHOD_NAMES.get(raw) or raw.decode("ascii")
        target = self._url[0] if len(self._url) == 1 else b"".join(self._url)
        if not target.startswith(b"/") or b"#" in target:
            target, authority = checks.request_target(target, method)
            if authority is not None:
                # RFC 9112 §3.2.2: the target's authority replaces any Host field.
                self._headers = [(n, v) for n, v in self._headers if n != b"host"]
                self._headers.insert(0, (b"host", authority))
                self._hosts = 1
        if version == "1.1" and self._hosts == 0:
            raise HTTPError(400, "HTTP/1.1 request without a Host field")  # RFC 9112 §3.2
        if self._chunked:
            length: int | None = None
        elif self._length is not None:
            length = checks.content_length(self._length, self._limits.max_body_bytes)
        else:
            length = 0
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


def _is_method_error(exc: httptools.HttpParserError) -> bool:
    # llhttp reports an unknown method either way, depending on how far it matched a known one.
    return isinstance(exc, httptools.HttpParserInvalidMethodError) or "method" in str(exc)


# Method names as str, made once: decoding per request shows on the hit path.
_METHOD_NAMES = {
    m.encode(): m for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
}

_SPECIAL = frozenset({b"host", b"transfer-encoding", b"content-length", b"expect"})
