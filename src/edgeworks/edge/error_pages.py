"""Custom error pages: CloudFront's ``CustomErrorResponses`` applied at the edge.

When the origin answers a status that the distribution lists with a ``ResponsePagePath`` (or
the edge itself answers 502 or 504 for an unreachable origin), the viewer gets that page
instead, with the configured ``ResponseCode`` (the original status when none is set). The page
is fetched with a GET of its path, routed like any request, so it may live on another origin
(a bucket of static pages, say). If the page cannot be had (its origin fails, it answers
anything but 200, or it is larger than :data:`MAX_PAGE`), the original error goes out as it
was, as CloudFront does.

The answer is kept in the cache under the request's own key for ``ErrorCachingMinTTL`` seconds
(the node's ``ErrorCachingTTL`` when unset; nothing kept at 0), through a ``CDN-Cache-Control``
field of its own (RFC 9213), which the cache obeys and viewers never see. Later requests within
that time are hits that do not reach either origin.

An item without a page only sets how long the origin's error is kept: ``ErrorCachingMinTTL``
seconds when the error carries no freshness of its own (no ``max-age``, ``s-maxage``,
``Expires`` or targeted field, which win as the origin's word), again through a
``CDN-Cache-Control`` field of the edge's own; 0 keeps nothing (:func:`error_lifetime`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from edgeworks.config.model import Distribution, ErrorResponse
from edgeworks.edge.pipeline import Route, route
from edgeworks.http.headers import Headers
from edgeworks.http.request import Request
from edgeworks.origin import OriginError, OriginResponse

MAX_PAGE = 1024 * 1024
# The page's own framing and validators describe the page, not the answer to this request.
_DROPPED = frozenset({b"content-length", b"etag", b"last-modified", b"accept-ranges"})

Ask = Callable[[Request, Route], Awaitable[OriginResponse]]


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched error page, ready to answer with."""

    status: int
    fields: Headers
    body: bytes


def custom_response(dist: Distribution, status: int) -> ErrorResponse | None:
    """Return the custom error response that replaces ``status``, or None."""
    custom = dist.error_responses.get(status)
    if custom is None or not custom.response_page_path:
        return None
    return custom


async def fetch_page(
    ask: Ask, dist: Distribution, request: Request, custom: ErrorResponse, status: int
) -> Page | None:
    """Fetch ``custom``'s page for the viewer of ``request``; None when it cannot be had."""
    path = (custom.response_page_path or "/").encode("utf-8", "replace")
    host = request.host
    page_request = Request(
        "GET",
        path,
        "1.1",
        [(b"host", host)] if host else [],
        request.client,
        scheme=request.scheme,
        arrived=request.arrived,
    )
    where = route(dist, page_request)
    if not where.allowed or where.insecure:
        return None
    try:
        answer = await ask(page_request, where)
        if answer.status != 200 or (answer.content_length or 0) > MAX_PAGE:
            await answer.aclose()
            return None
        body = await answer.read()
    except OriginError:
        return None
    if len(body) > MAX_PAGE:
        return None
    fields = [(name, value) for name, value in answer.headers if name not in _DROPPED]
    return Page(custom.response_code or status, fields, body)


def stored_fields(fields: Headers, ttl: float) -> Headers:
    """The fields kept in the cache: the answer's, told to stay ``ttl`` seconds (RFC 9213)."""
    kept = [(name, value) for name, value in fields if name != b"cdn-cache-control"]
    return [*kept, (b"cdn-cache-control", b"max-age=%d" % int(ttl))]


def error_lifetime(
    dist: Distribution, status: int, fields: Headers, hidden: frozenset[bytes]
) -> float | None:
    """Return how long to keep an origin error by its ``ErrorCachingMinTTL``, or None.

    None leaves the cache's own rules in charge: no item for ``status``, an item with a page
    (:func:`custom_response` handles those), no TTL set, or freshness the origin stated.
    """
    custom = dist.error_responses.get(status)
    if custom is None or custom.response_page_path or custom.caching_min_ttl is None:
        return None
    for name, value in fields:
        if name in hidden or name == b"expires":
            return None
        if name == b"cache-control" and _states_age(value):
            return None
    return custom.caching_min_ttl


def _states_age(value: bytes) -> bool:
    for directive in value.lower().split(b","):
        name = directive.partition(b"=")[0].strip()
        if name in (b"max-age", b"s-maxage"):
            return True
    return False
