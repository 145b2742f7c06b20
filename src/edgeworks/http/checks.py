"""Checks on request fields that the parser lets through, each raising the status to send.

httptools (llhttp) already refuses bad header names and values, obsolete line folding, a
Content-Length beside Transfer-Encoding and repeated Content-Lengths. What it accepts and HTTP
does not, or what needs a status other than 400, is checked here.
"""

from __future__ import annotations

from edgeworks.http.errors import HTTPError

SUPPORTED_VERSIONS = frozenset({"1.0", "1.1"})

# RFC 9110 §5.6.2: tchar.
_TCHAR = frozenset(
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)


def is_token(data: bytes) -> bool:
    """Whether ``data`` is a non-empty token (RFC 9110 §5.6.2)."""
    return bool(data) and all(byte in _TCHAR for byte in data)


def check_transfer_coding(value: bytes) -> None:
    """Accept only ``chunked`` as the final and only coding of a request body.

    Raises:
        HTTPError: 501 for a coding the server does not implement (RFC 9112 §6.1), 400 when
            ``chunked`` is repeated or not last (RFC 9112 §6.3).
    """
    codings = [part.strip().lower() for part in value.split(b",")]
    for coding in codings:
        if coding != b"chunked":
            shown = coding.decode("latin-1")
            raise HTTPError(501, f"Transfer-Encoding {shown!r} is not implemented")
    if len(codings) != 1:
        raise HTTPError(400, "Transfer-Encoding lists chunked more than once")


def check_version(version: str) -> None:
    """Accept HTTP/1.0 and HTTP/1.1 only.

    Raises:
        HTTPError: 505 for any other version.
    """
    if version not in SUPPORTED_VERSIONS:
        raise HTTPError(505, f"HTTP version {version!r} is not supported")


def content_length(value: bytes, limit: int) -> int:
    """Return the declared body length, refusing one over ``limit``.

    Raises:
        HTTPError: 400 for a malformed value, 413 for a length over ``limit``.
    """
    if not value.isdigit():
        raise HTTPError(400, f"Content-Length {value.decode('latin-1')!r} is not a number")
    length = int(value)
    if length > limit:
        raise HTTPError(413, f"Content-Length {length} is larger than the limit of {limit}")
    return length


def request_target(target: bytes, method: str) -> tuple[bytes, bytes | None]:
    """Return the origin-form target and, for an absolute-form one, its authority.

    RFC 9112 §3.2: origin form (``/path?query``) is what a server expects; absolute form
    (``http://host/path``) must be accepted too, and asterisk form (``*``) only with OPTIONS.
    A fragment is not part of a request target (RFC 9110 §4.2.1) and is dropped.

    Raises:
        HTTPError: 400 for any other form.
    """
    target = target.partition(b"#")[0]
    if target.startswith(b"/"):
        return target, None
    if target == b"*":
        if method != "OPTIONS":
            raise HTTPError(400, f"request target '*' is only for OPTIONS, not {method}")
        return target, None
    scheme, sep, rest = target.partition(b"://")
    if sep and scheme.lower() in (b"http", b"https"):
        cut = min((i for i in (rest.find(b"/"), rest.find(b"?")) if i >= 0), default=len(rest))
        authority, path = rest[:cut], rest[cut:]
        if authority and b"@" not in authority:
            return (path if path.startswith(b"/") else b"/" + path), authority
    shown = target[:100].decode("latin-1")
    raise HTTPError(400, f"request target {shown!r} is not in origin or absolute form")


_PARSER_ERRORS: tuple[tuple[str, int, str], ...] = (
    # Substrings of llhttp's messages, mapped to the status and reason the viewer gets.
    ("Content-Length can't be present", 400, "Content-Length and Transfer-Encoding together"),
    ("can't be present with Content-Length", 400, "Content-Length and Transfer-Encoding together"),
    ("Duplicate Content-Length", 400, "Content-Length given more than once"),
    ("Content-Length", 400, "malformed Content-Length"),
    ("whitespace after header value", 400, "obsolete line folding in a header field"),
    ("space after start line", 400, "obsolete line folding after the request line"),
    ("header value char", 400, "invalid character (CR, LF, NUL or control) in a header value"),
    ("header token", 400, "invalid header field name"),
    ("Transfer-Encoding", 501, "unsupported Transfer-Encoding"),
    ("HTTP version", 505, "HTTP version not supported"),
    ("method", 501, "method not recognised"),
    ("chunk", 400, "malformed chunked body"),
)


def parser_error(message: str) -> HTTPError:
    """Translate a parser error message into the error the viewer sees."""
    for needle, status, reason in _PARSER_ERRORS:
        if needle in message:
            return HTTPError(status, reason)
    return HTTPError(400, f"malformed request: {message}")
