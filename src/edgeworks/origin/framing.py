"""Message framing toward origins, as pure functions (RFC 9112 §6, RFC 9110 §7.6.1).

The client decides here how a request is delimited on the wire and what a response's head says
about its body; the connection only moves bytes. Nothing in this module touches a socket.
"""

from __future__ import annotations

import re

from edgeworks.config.model import Origin
from edgeworks.http.headers import HOP_BY_HOP, Headers, hop_by_hop_names, without

# RFC 9110 §9.2.2: methods whose repetition has the same effect as one request.
IDEMPOTENT: frozenset[bytes] = frozenset(
    {b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE", b"TRACE"}
)

# RFC 9110 §9.3.3, §9.3.4: a request that usually carries content gets Content-Length: 0 when
# it carries none, so that the origin does not wait for a body.
_EXPECTS_BODY: frozenset[bytes] = frozenset({b"POST", b"PUT", b"PATCH"})

# The client frames every message itself and speaks for its own hop (RFC 9110 §7.6.1), so it
# never forwards the caller's framing or hop-by-hop fields, even if the caller left some in.
FRAMING: frozenset[bytes] = HOP_BY_HOP | {b"content-length"}

# RFC 9112 §3.2: origin-form or asterisk-form, visible ASCII only (no space, CR, LF, NUL).
_TARGET = re.compile(rb"(?:/[\x21-\x7e]*|\*)\Z")
_METHOD = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")

LAST_CHUNK = b"0\r\n\r\n"

# Response fields the connection sets apart as they arrive, so that the end-to-end ones need no
# second pass: the framing and every fixed hop-by-hop name (RFC 9110 §7.6.1).
SET_APART: frozenset[bytes] = HOP_BY_HOP | {b"content-length"}
_NAMING_NOTHING = SET_APART | {b"close", b""}
_PLAIN_CONNECTION = frozenset({b"keep-alive", b"close"})


class Prepared:
    """What the client adds to every request toward one origin: path prefix, custom headers.

    CloudFront's ``OriginPath`` is prepended to every target and the origin's custom headers
    replace any field of the same name that the caller built (CloudFront: origin custom headers).
    """

    __slots__ = ("custom", "drop", "prefix")

    def __init__(self, origin: Origin) -> None:
        self.prefix = _encoded(origin, "path", origin.path.rstrip("/"))
        self.custom: Headers = [
            (_encoded(origin, "header name", name.lower()), _encoded(origin, name, value))
            for name, value in origin.custom_headers
        ]
        self.drop = FRAMING | {name for name, _ in self.custom}


def _encoded(origin: Origin, what: str, text: str) -> bytes:
    """Encode configuration text for the wire, refusing what cannot go on it (RFC 9110 §5.5)."""
    try:
        data: bytes | None = text.encode("latin-1")
    except UnicodeEncodeError:
        data = None
    if data is None or any(byte in data for byte in b"\r\n\x00"):
        raise ValueError(f"origin {origin.id!r}: {what} {text!r} cannot be sent on the wire")
    return data


def request_head(
    prepared: Prepared, method: bytes, target: bytes, headers: Headers, body_length: int | None
) -> bytes:
    """Serialise a request head for one origin.

    Args:
        prepared: The origin's prefix and custom headers.
        method: The request method, as sent by the viewer (extension methods included).
        target: Path and query as the caller wants the origin to see them, before the prefix.
        headers: End-to-end fields built by the caller, Host included.
        body_length: Length of a bytes body, -1 for a streamed body of unknown length, None for
            no body at all.

    Returns:
        The head bytes, ending with the blank line.

    Raises:
        ValueError: The method or target is not a legal token or origin-form target.
    """
    if _METHOD.match(method) is None:
        raise ValueError(f"origin request method {method!r} is not an HTTP token")
    if _TARGET.match(target) is None:
        raise ValueError(f"origin request target {target!r} is not an origin-form target")

    path = target if target == b"*" else prepared.prefix + target
    lines = [method, b" ", path, b" HTTP/1.1\r\n"]
    drop = prepared.drop
    for name, value in headers:
        if name not in drop:
            lines += (name, b": ", value, b"\r\n")
    for name, value in prepared.custom:
        lines += (name, b": ", value, b"\r\n")
    lines.append(_framing_line(method, body_length))
    return b"".join(lines)


def _framing_line(method: bytes, body_length: int | None) -> bytes:
    """Return the framing field (with CRLF and the final blank line) for a request body."""
    if body_length is None:
        return b"content-length: 0\r\n\r\n" if method in _EXPECTS_BODY else b"\r\n"
    if body_length < 0:
        return b"transfer-encoding: chunked\r\n\r\n"
    return b"content-length: %d\r\n\r\n" % body_length


def chunk(data: bytes) -> bytes:
    """Frame one piece of a streamed request body as a chunk (RFC 9112 §7.1)."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def split_fields(kept: Headers, apart: Headers) -> tuple[Headers, int | None, bool]:
    """:func:`response_fields` for a head whose :data:`SET_APART` fields came separately.

    Args:
        kept: The other fields, in order.
        apart: The fields named in :data:`SET_APART`, in order.

    Returns:
        As :func:`response_fields`: ``kept`` less the fields that Connection names, the
        declared Content-Length or None, and whether the body is chunked.

    Raises:
        ValueError: As :func:`response_fields`.
    """
    length: int | None = None
    chunked = False
    named: set[bytes] = set()
    for name, value in apart:
        if name == b"content-length":
            # The parser has already refused a non-numeric or conflicting Content-Length.
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = _chunked(value, chunked)
        elif name == b"connection" and value.lower() not in _PLAIN_CONNECTION:
            # The fields that Connection names are hop-by-hop as well; the common
            # "keep-alive" and "close" name nothing left in ``kept``.
            tokens = (token.strip().lower() for token in value.split(b","))
            named.update(token for token in tokens if token not in _NAMING_NOTHING)
    if named:
        kept = without(kept, named)
    return kept, (None if chunked else length), chunked


def _chunked(value: bytes, already: bool) -> bool:
    """Accept one ``Transfer-Encoding: chunked``; refuse any other coding (RFC 9112 §6.1)."""
    if value.strip().lower() != b"chunked" or already:
        raise ValueError(f"unsupported transfer-encoding {value!r}")
    return True


def response_fields(headers: Headers) -> tuple[Headers, int | None, bool]:
    """Split a final response head into end-to-end fields and its framing.

    Args:
        headers: The fields as received, names lower-cased.

    Returns:
        The fields with every hop-by-hop field and Content-Length removed (RFC 9110 §7.6.1),
        the declared Content-Length or None, and whether the body is chunked.

    Raises:
        ValueError: The response uses a transfer coding other than chunked, which the edge
            cannot decode and must not forward as is (RFC 9112 §6.1).
    """
    length: int | None = None
    chunked = False
    named = False
    kept: Headers = []
    for name, value in headers:
        if name == b"content-length":
            # The parser has already refused a non-numeric or conflicting Content-Length.
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = _chunked(value, chunked)
        elif name not in HOP_BY_HOP:
            kept.append((name, value))
        elif name == b"connection":
            named = True
    if named:
        # Rarely taken: the fields that Connection names are hop-by-hop as well.
        kept = without(kept, hop_by_hop_names(headers))
    return kept, (None if chunked else length), chunked
