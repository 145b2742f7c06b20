"""What a viewer's request asks of the cache (RFC 9111 §5.2.1, §5.4)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from edgeworks.cache.rules.directives import delta_seconds, parse_cache_control
from edgeworks.http.headers import Headers, get_all


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """The cache directives of one request.

    Attributes:
        no_cache: the stored response must be validated before use (§5.2.1.4, Pragma §5.4).
        no_store: nothing of this exchange may be stored (§5.2.1.5).
        max_age: the oldest response the viewer accepts, in seconds (§5.2.1.1).
        max_stale: how stale a response may be; ``inf`` when unbounded (§5.2.1.2).
        min_fresh: how long the response must still be fresh (§5.2.1.3).
        only_if_cached: never contact the origin (§5.2.1.7).
        stale_if_error: the viewer's own stale-if-error window (RFC 5861 §4).
        authorization: the request carries Authorization (§3.5).
    """

    no_cache: bool = False
    no_store: bool = False
    max_age: int | None = None
    max_stale: float | None = None
    min_fresh: int | None = None
    only_if_cached: bool = False
    stale_if_error: int | None = None
    authorization: bool = False


def read_request(headers: Headers) -> RequestFacts:
    """Read the cache directives of a request's fields."""
    lines = get_all(headers, b"cache-control")
    directives = parse_cache_control(lines)
    max_stale = None
    if directives.has("max-stale"):
        argument = directives.values["max-stale"]
        # §5.2.1.2: without an argument the viewer accepts a response of any staleness.
        max_stale = math.inf if argument is None else float(delta_seconds(argument))
    return RequestFacts(
        no_cache=directives.has("no-cache") or (not lines and _pragma_no_cache(headers)),
        no_store=directives.has("no-store"),
        max_age=directives.seconds("max-age"),
        max_stale=max_stale,
        min_fresh=directives.seconds("min-fresh"),
        only_if_cached=directives.has("only-if-cached"),
        stale_if_error=directives.seconds("stale-if-error"),
        authorization=bool(get_all(headers, b"authorization")),
    )


def _pragma_no_cache(headers: Headers) -> bool:
    # RFC 9111 §5.4 (and RFC 7234 §5.4 before it): Pragma: no-cache in a request without
    # Cache-Control asks for the same as Cache-Control: no-cache.
    return any(
        token.strip().lower() == b"no-cache"
        for value in get_all(headers, b"pragma")
        for token in value.split(b",")
    )
