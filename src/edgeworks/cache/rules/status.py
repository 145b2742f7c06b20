"""Status code classes that matter to a cache (RFC 9110 §15, RFC 9111 §3, CloudFront errors)."""

from __future__ import annotations

# RFC 9110 §15.1: cacheable by default, so heuristic freshness may apply (RFC 9111 §4.2.2).
HEURISTICALLY_CACHEABLE = frozenset({200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501})

# RFC 9111 §5.2.2.3 (must-understand): the final status codes whose caching rules this cache
# implements. 206 is absent because partial content is never stored as a whole object.
UNDERSTOOD = frozenset(
    {200, 203, 204, 300, 301, 302, 303, 307, 308}
    | {400, 403, 404, 405, 410, 414, 416, 500, 501, 502, 503, 504}
)

# The error statuses CloudFront caches for the error-caching TTL when the origin says nothing.
CACHED_ERRORS = frozenset({400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504})


def is_error(status: int) -> bool:
    """Return whether ``status`` is a client or server error (4xx or 5xx)."""
    return status >= 400
