"""Reason phrases and the short responses the server writes on its own."""

from __future__ import annotations

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
    head = (
        b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
        % (
            status,
            reason_phrase(status),
            len(body),
        )
    )
    return head + (b"connection: close\r\n\r\n" if close else b"\r\n") + body
