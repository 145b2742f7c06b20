"""Reason phrases and the short responses the server writes on its own."""

from __future__ import annotations

import time
from email.utils import formatdate
from http import HTTPStatus

_PHRASES: dict[int, bytes] = {int(s): s.phrase.encode("ascii") for s in HTTPStatus}


def reason_phrase(status: int) -> bytes:
    """Return the registered reason phrase of ``status`` (RFC 9110 §15), or empty bytes."""
    return _PHRASES.get(status, b"")


def plain_response(status: int, reason: str, *, close: bool = True) -> bytes:
    """Build a complete short text response naming ``reason``.

    Args:
        status: The status code.
        reason: One line for the viewer; sent as the body.
        close: Announce that the connection closes after this response.
    """
    body = reason.encode("utf-8", "replace") + b"\n"
    # RFC 9110 §6.6.1: a server with a clock sends Date.
    date = formatdate(time.time(), usegmt=True).encode("ascii")
    head = (
        b"HTTP/1.1 %d %s\r\ndate: %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"content-length: %d\r\n" % (status, reason_phrase(status), date, len(body))
    )
    return head + (b"connection: close\r\n\r\n" if close else b"\r\n") + body
