"""A plain viewer for the conformance suite: one request per connection, every byte seen.

The standard library's client hides interim responses and merges fields; this one keeps the
wire as it came: interim heads (RFC 9110 §15.2), each field line in order, the body unframed.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import BinaryIO

DEFAULT_HOST = "Host: conformance.test"


@dataclass
class Answer:
    """A response as the viewer received it.

    Attributes:
        status: The final status code.
        fields: Field lines in wire order, names lower-cased.
        body: The body, chunked framing removed.
        interim: Interim heads ``(status, fields)`` received before the final one.
    """

    status: int
    fields: list[tuple[str, str]]
    body: bytes
    interim: list[tuple[int, list[tuple[str, str]]]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """The values of field ``name`` joined with ", ", or None when absent."""
        values = [value for key, value in self.fields if key == name.lower()]
        return ", ".join(values) if values else None

    @property
    def x_cache(self) -> str:
        """The node's cache result (``Hit``, ``Miss``, ``RefreshHit``, ``Error``), or ""."""
        value = self.header("x-cache") or ""
        return value.split(" ", 1)[0]

    @property
    def age(self) -> int | None:
        """The ``Age`` field as an integer, or None when absent."""
        value = self.header("age")
        return int(value) if value is not None else None


def fetch(
    port: int,
    path: str,
    *headers: str,
    method: str = "GET",
    body: bytes | None = None,
    timeout: float = 10.0,
    version: str = "1.1",
) -> Answer:
    """Send one request to the node on 127.0.0.1:``port`` and read the whole answer.

    Args:
        port: The node's port.
        path: The request target.
        *headers: Extra fields as ``"Name: value"`` lines (a ``Host`` line replaces the
            default one).
        method: The request method.
        body: A request body (sent with Content-Length).
        timeout: Seconds to wait for the connection to end.
        version: The HTTP version to speak ("1.1" or "1.0").
    """
    host = [] if any(h.lower().startswith("host:") for h in headers) else [DEFAULT_HOST]
    lines = [f"{method} {path} HTTP/{version}", *host, *headers]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        raw = _read_all(sock)
    return _parse(raw, method)


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(raw: bytes, method: str) -> Answer:
    interim: list[tuple[int, list[tuple[str, str]]]] = []
    while True:
        head, _, raw = raw.partition(b"\r\n\r\n")
        status, fields = _parse_head(head)
        if status >= 200:
            break
        interim.append((status, fields))
    answer = Answer(status, fields, raw, interim)
    if method != "HEAD" and "chunked" in (answer.header("transfer-encoding") or ""):
        answer.body = _unchunk(raw)
    _check_framing(answer, method)
    return answer


def _check_framing(answer: Answer, method: str) -> None:
    """RFC 9112 §6.3: a body must be exactly as long as its Content-Length says."""
    declared = answer.header("content-length")
    bodiless = method == "HEAD" or answer.status in (204, 304)
    if declared is None or bodiless:
        return
    if len(answer.body) != int(declared):
        raise FramingError(f"Content-Length {declared} but {len(answer.body)} body bytes")


class NoResponseError(AssertionError):
    """The connection ended before a response head arrived."""


class FramingError(AssertionError):
    """The response's body and its Content-Length disagree (truncated or overlong)."""


def _parse_head(head: bytes) -> tuple[int, list[tuple[str, str]]]:
    if not head:
        raise NoResponseError("the node closed the connection without a response")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    fields = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields.append((name.strip().lower(), value.strip()))
    return status, fields


def _unchunk(raw: bytes) -> bytes:
    out = bytearray()
    while True:
        size_line, _, raw = raw.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += raw[:size]
        raw = raw[size + 2 :]


def fetch_pipelined(
    port: int, requests: list[tuple[str, str, tuple[str, ...]]], timeout: float = 10.0
) -> list[Answer]:
    """Send ``(method, path, headers)`` requests on one connection, all at once, and read the
    answers by their framing alone (RFC 9112 §6.3, §9.3.2): a body sent after a HEAD or 304
    answer, or a wrong length, shows as a misread next answer.
    """
    data = b""
    for method, path, headers in requests:
        lines = [f"{method} {path} HTTP/1.1", DEFAULT_HOST, *headers]
        data += ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        stream = sock.makefile("rb")
        return [_read_framed(stream, method) for method, _, _ in requests]


def _read_framed(stream: BinaryIO, method: str) -> Answer:
    interim: list[tuple[int, list[tuple[str, str]]]] = []
    while True:
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            line = stream.readline()
            if not line:
                raise AssertionError("connection closed inside a response head")
            head += line
        status, fields = _parse_head(head[:-4])
        if status >= 200:
            break
        interim.append((status, fields))
    answer = Answer(status, fields, b"", interim)
    length = answer.header("content-length")
    if method != "HEAD" and status not in (204, 304):
        if "chunked" in (answer.header("transfer-encoding") or ""):
            raise AssertionError("chunked answers are not expected from stored responses")
        answer.body = stream.read(int(length or 0))
    return answer
