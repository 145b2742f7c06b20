"""Invalidation by unsafe methods (RFC 9111 §4.4).

A successful (non-error) response to an unsafe request removes the stored responses for the
target URI and for the URIs in Location and Content-Location when they share its origin (the
same host), so that a later GET sees the change.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from edgeworks.http.headers import Headers, get

# RFC 9110 §9.2.1: the safe methods; every other method is unsafe.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def invalidated(
    method: str,
    status: int,
    host: bytes,
    path: bytes,
    response_headers: Headers,
    *,
    origin_host: bytes | None = None,
) -> list[tuple[bytes, bytes]]:
    """Return the (viewer host, path) pairs whose stored responses must go (§4.4).

    Args:
        method: the request method.
        status: the final response status.
        host: the viewer's Host.
        path: the request path, without the query.
        response_headers: the response fields (Location, Content-Location).
        origin_host: the Host the origin was sent, when it differs from the viewer's: an
            origin writes its own name in absolute Location values, and for this node that
            name is the same origin as the viewer's. Without it, only the viewer's host is.
    """
    if method.upper() in SAFE_METHODS or not 200 <= status < 400:
        return []
    own_host = host.lower()
    same = {own_host, origin_host.lower()} if origin_host else {own_host}
    found = [(own_host, path)]
    base = "http://" + own_host.decode("latin-1") + path.decode("latin-1")
    for name in (b"location", b"content-location"):
        target = _same_origin(base, get(response_headers, name), same)
        if target is not None and (own_host, target) not in found:
            found.append((own_host, target))
    return found


def _same_origin(base: str, value: bytes | None, same: set[bytes]) -> bytes | None:
    if value is None:
        return None
    try:
        parts = urlsplit(urljoin(base, value.decode("latin-1").strip()))
    except ValueError:
        return None
    if parts.netloc.lower().encode("latin-1") not in same:
        return None  # §4.4: a different origin is not this response's to invalidate.
    return (parts.path or "/").encode("latin-1")
