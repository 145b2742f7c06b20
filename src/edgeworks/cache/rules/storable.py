"""May this response be stored? (RFC 9111 §3, as a shared cache, under a CloudFront policy.)

Each condition is a named check returning the reason it refuses, so a refusal can be logged and
tested by name. The first refusal wins; no refusal means Store.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from edgeworks.cache.rules.fields import vary_names
from edgeworks.cache.rules.freshness import error_caching_ttl
from edgeworks.cache.rules.request import RequestFacts
from edgeworks.cache.rules.response import ResponseFacts
from edgeworks.cache.rules.status import HEURISTICALLY_CACHEABLE, UNDERSTOOD
from edgeworks.config.model import CachePolicy
from edgeworks.http.headers import Headers


class Storing(enum.Enum):
    """The two outcomes of the storage decision."""

    STORE = "store"
    NO_STORE = "no-store"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request/response pair offered to the cache.

    Attributes:
        method: the request method.
        status: the final response status.
        request: the request's cache directives.
        response: the response's caching facts.
        response_headers: the response fields as received.
        policy: the behaviour's cache policy.
        error_ttl: how long uncacheable-looking errors are kept (CloudFront error caching).
    """

    method: str
    status: int
    request: RequestFacts
    response: ResponseFacts
    response_headers: Headers
    policy: CachePolicy
    error_ttl: float


def decide(exchange: Exchange) -> tuple[Storing, str]:
    """Return Store or NoStore with the reason (the name of the refusing rule)."""
    for check in _CHECKS:
        reason = check(exchange)
        if reason:
            return Storing.NO_STORE, reason
    return Storing.STORE, "storable"


def refused_early(ex: Exchange) -> str:
    """Return the reason of a refusal that reads no date, or "" when none refuses.

    Only the method, the status and the directives are read, so ``ex.response`` may be
    :func:`~edgeworks.cache.rules.response.undated`: most uncacheable responses stop here,
    before any date is parsed.
    """
    for check in _EARLY:
        reason = check(ex)
        if reason:
            return reason
    return ""


def _method(ex: Exchange) -> str:
    # §3: the method must be cacheable and understood. Only GET creates entries: a HEAD
    # response has no body to serve a later GET (§4.3.5 only lets it update one).
    return "" if ex.method == "GET" else f"method {ex.method} does not create entries (§3)"


def _final_status(ex: Exchange) -> str:
    # §3: interim (1xx) responses are never stored; 206 is never stored as a whole object
    # (§3.3) and 304 only refreshes an entry (§4.3.4).
    if ex.status < 200 or ex.status in (206, 304):
        return f"status {ex.status} is not stored as a complete response (§3)"
    return ""


def _must_understand(ex: Exchange) -> str:
    # §5.2.2.3: with must-understand, store only status codes whose rules we implement.
    if ex.response.directives.has("must-understand") and ex.status not in UNDERSTOOD:
        return f"must-understand with status {ex.status} (§5.2.2.3)"
    return ""


def _request_no_store(ex: Exchange) -> str:
    return "request no-store (§5.2.1.5)" if ex.request.no_store else ""


def _overridden(ex: Exchange) -> bool:
    # CloudFront: MinTTL above zero keeps even no-store / no-cache / private responses.
    return ex.policy.min_ttl > 0


def _response_no_store(ex: Exchange) -> str:
    directives = ex.response.directives
    # §5.2.2.3: must-understand with an understood status overrides no-store.
    understood = directives.has("must-understand") and ex.status in UNDERSTOOD
    if directives.has("no-store") and not understood and not _overridden(ex):
        return "response no-store (§5.2.2.5)"
    return ""


def _private(ex: Exchange) -> str:
    directives = ex.response.directives
    # §5.2.2.7: unqualified private forbids a shared cache; the qualified form only drops
    # the named fields.
    if directives.has("private") and not directives.qualified("private") and not _overridden(ex):
        return "response private in a shared cache (§5.2.2.7)"
    return ""


def _authorization(ex: Exchange) -> str:
    # §3.5: a response to a request with Authorization is shared only when the response
    # says public, s-maxage or must-revalidate.
    directives = ex.response.directives
    permits = any(directives.has(n) for n in ("public", "s-maxage", "must-revalidate"))
    return "" if not ex.request.authorization or permits else "authorized request (§3.5)"


def _lifetime_known(ex: Exchange) -> str:
    # §3: storable only with explicit freshness, public, a heuristically cacheable status,
    # or (CloudFront) an error status cached for the error-caching TTL.
    facts = ex.response
    directives = facts.directives
    explicit = any(directives.has(n) for n in ("max-age", "s-maxage", "public"))
    if explicit or facts.has_expires or ex.status in HEURISTICALLY_CACHEABLE:
        return ""
    if error_caching_ttl(ex.status, ex.policy, ex.error_ttl) > 0:
        return ""
    if _overridden(ex) and ex.status in UNDERSTOOD:
        return ""
    return f"status {ex.status} without explicit freshness (§3)"


def _vary_star(ex: Exchange) -> str:
    # §4.1: a response with Vary: * never matches a later request, so keeping it is waste.
    return "Vary: * never matches (§4.1)" if b"*" in vary_names(ex.response_headers) else ""


_CHECKS: tuple[Callable[[Exchange], str], ...] = (
    _method,
    _final_status,
    _must_understand,
    _request_no_store,
    _response_no_store,
    _private,
    _authorization,
    _vary_star,
    _lifetime_known,
)
# The leading checks read neither dates nor Age (see refused_early).
_EARLY = _CHECKS[:6]
