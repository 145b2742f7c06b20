"""What a viewer's request asks of the cache (RFC 9111 §5.2.1, §5.4, §4.3.2; RFC 9110 §14).

The request fields are scanned once; a request that carries none of the fields a cache reads
(the common case) gets the shared :data:`PLAIN` facts, so the hit path parses nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from edgeworks.cache.rules.directives import delta_seconds, parse_cache_control
from edgeworks.http.headers import Headers

# The request fields whose presence changes what the cache does.
READ_BY_CACHE = frozenset(
    {
        b"cache-control",
        b"pragma",
        b"authorization",
        b"if-none-match",
        b"if-modified-since",
        b"if-match",
        b"if-unmodified-since",
        b"range",
        b"if-range",
    }
)
# RFC 9111 §4.3.2: preconditions that only an origin evaluates.
ORIGIN_PRECONDITIONS = frozenset({b"if-match", b"if-unmodified-since"})
# Fields that change the shape of an answer from the cache (304, 206, 416).
SHAPING = frozenset({b"if-none-match", b"if-modified-since", b"range"})


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """The cache directives and cache-relevant fields of one request.

    Attributes:
        no_cache: the stored response must be validated before use (§5.2.1.4, Pragma §5.4).
        no_store: nothing of this exchange may be stored (§5.2.1.5).
        max_age: the oldest response the viewer accepts, in seconds (§5.2.1.1).
        max_stale: how stale a response may be; ``inf`` when unbounded (§5.2.1.2).
        min_fresh: how long the response must still be fresh (§5.2.1.3).
        only_if_cached: never contact the origin (§5.2.1.7).
        stale_if_error: the viewer's own stale-if-error window (RFC 5861 §4).
        authorization: the request carries Authorization (§3.5).
        origin_preconditions: If-Match or If-Unmodified-Since is present (§4.3.2).
        shaping: a conditional or Range may turn a hit into 304, 206 or 416.
    """

    no_cache: bool = False
    no_store: bool = False
    max_age: int | None = None
    max_stale: float | None = None
    min_fresh: int | None = None
    only_if_cached: bool = False
    stale_if_error: int | None = None
    authorization: bool = False
    origin_preconditions: bool = False
    shaping: bool = False

    @property
    def plain(self) -> bool:
        """Whether the request asks nothing of the cache (no directive, no condition)."""
        return self is PLAIN


PLAIN = RequestFacts()
"""The facts of a request that carries no field the cache reads."""


def read_request(headers: Headers) -> RequestFacts:
    """Read the cache-relevant fields of a request in one pass."""
    picked: dict[bytes, list[bytes]] | None = None
    for name, value in headers:
        if name in READ_BY_CACHE:
            picked = picked if picked is not None else {}
            picked.setdefault(name, []).append(value)
    if picked is None:
        return PLAIN
    return _facts(picked)


def _facts(picked: dict[bytes, list[bytes]]) -> RequestFacts:
    lines = picked.get(b"cache-control", [])
    directives = parse_cache_control(lines)
    max_stale = None
    if directives.has("max-stale"):
        argument = directives.values["max-stale"]
        # §5.2.1.2: without an argument the viewer accepts a response of any staleness.
        max_stale = math.inf if argument is None else float(delta_seconds(argument))
    return RequestFacts(
        no_cache=directives.has("no-cache") or (not lines and _pragma_no_cache(picked)),
        no_store=directives.has("no-store"),
        max_age=directives.seconds("max-age"),
        max_stale=max_stale,
        min_fresh=directives.seconds("min-fresh"),
        only_if_cached=directives.has("only-if-cached"),
        stale_if_error=directives.seconds("stale-if-error"),
        authorization=b"authorization" in picked,
        origin_preconditions=not ORIGIN_PRECONDITIONS.isdisjoint(picked),
        shaping=not SHAPING.isdisjoint(picked),
    )


def _pragma_no_cache(picked: dict[bytes, list[bytes]]) -> bool:
    # RFC 9111 §5.4 (and RFC 7234 §5.4 before it): Pragma: no-cache in a request without
    # Cache-Control asks for the same as Cache-Control: no-cache.
    return any(
        token.strip().lower() == b"no-cache"
        for value in picked.get(b"pragma", [])
        for token in value.split(b",")
    )
