"""Freshness lifetime and age (RFC 9111 §4.2), with CloudFront's TTL clamp on top.

The policy layer follows CloudFront's expiration table: an explicit lifetime is clamped into
[MinTTL, MaxTTL]; a response that says nothing gets DefaultTTL; with MinTTL above zero even
``no-cache``, ``no-store`` and ``private`` responses are kept for MinTTL; error statuses that
say nothing are kept for the error-caching TTL. A policy with MinTTL 0 and DefaultTTL 0 (one
that follows the origin) leaves the RFC untouched: heuristic freshness applies and errors are
not cached on the policy's account.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgeworks.cache.rules.response import ResponseFacts
from edgeworks.cache.rules.status import CACHED_ERRORS, HEURISTICALLY_CACHEABLE
from edgeworks.config.model import CachePolicy

# RFC 9111 §4.2.2: a heuristic lifetime of a tenth of the time since Last-Modified.
HEURISTIC_FRACTION = 0.1


@dataclass(frozen=True, slots=True)
class Freshness:
    """How long a stored response is fresh and what may happen once it is stale.

    Attributes:
        lifetime: freshness lifetime in seconds (§4.2.1).
        revalidate_always: ``no-cache`` asks for validation before every reuse (§5.2.2.4).
        stale_allowed: a stale copy may be served when permitted (§4.2.4).
        stale_while_revalidate: RFC 5861 §3 window in seconds.
        stale_if_error: RFC 5861 §4 window in seconds.
    """

    lifetime: float
    revalidate_always: bool = False
    stale_allowed: bool = True
    stale_while_revalidate: float = 0.0
    stale_if_error: float = 0.0


def explicit_lifetime(facts: ResponseFacts, response_time: float) -> float | None:
    """Return the explicit lifetime, or None when the response gives none (RFC 9111 §4.2.1).

    A shared cache takes ``s-maxage`` over ``max-age`` over ``Expires`` minus ``Date``.
    """
    directives = facts.directives
    for name in ("s-maxage", "max-age"):
        seconds = directives.seconds(name)
        if seconds is not None:
            return float(seconds)
    if facts.expires is not None:
        date = facts.date if facts.date is not None else response_time
        return max(0.0, facts.expires - date)
    return None


def heuristic_lifetime(facts: ResponseFacts, status: int, response_time: float) -> float:
    """Return a heuristic lifetime where RFC 9111 §4.2.2 allows one, else 0."""
    allowed = status in HEURISTICALLY_CACHEABLE or facts.directives.has("public")
    if not allowed or facts.last_modified is None:
        return 0.0
    date = facts.date if facts.date is not None else response_time
    return max(0.0, (date - facts.last_modified) * HEURISTIC_FRACTION)


def follows_origin(policy: CachePolicy) -> bool:
    """Whether the policy adds nothing to the origin's headers (MinTTL 0, DefaultTTL 0)."""
    return policy.min_ttl <= 0 and policy.default_ttl <= 0


def error_caching_ttl(status: int, policy: CachePolicy, error_ttl: float) -> float:
    """Return how long an error without freshness information is kept (CloudFront).

    CloudFront keeps the error statuses it lists for the error-caching TTL. A policy that
    follows the origin keeps the RFC exactly, so there the TTL is 0.
    """
    if status not in CACHED_ERRORS or follows_origin(policy):
        return 0.0
    return max(0.0, error_ttl)


def policy_overrides(facts: ResponseFacts, policy: CachePolicy) -> bool:
    """Return whether MinTTL overrides ``no-cache``/``no-store``/``private`` (CloudFront)."""
    directives = facts.directives
    forbidding = any(directives.has(name) for name in ("no-cache", "no-store", "private"))
    return forbidding and policy.min_ttl > 0


def freshness(
    facts: ResponseFacts,
    status: int,
    policy: CachePolicy,
    error_ttl: float,
    response_time: float,
) -> Freshness:
    """Compute the freshness of a response this cache is about to store."""
    directives = facts.directives
    if policy_overrides(facts, policy):
        return Freshness(lifetime=policy.min_ttl)

    lifetime = _lifetime(facts, status, policy, error_ttl, response_time)
    revalidate = directives.has("no-cache") and not directives.qualified("no-cache")
    forbidden = revalidate or any(
        directives.has(name) for name in ("must-revalidate", "proxy-revalidate")
    )
    # RFC 9111 §5.2.2.10: s-maxage implies proxy-revalidate for a shared cache. An explicit
    # RFC 5861 window in the same response is read as the origin's permission all the same.
    swr = float(directives.seconds("stale-while-revalidate") or 0)
    sie = float(directives.seconds("stale-if-error") or 0)
    if directives.has("s-maxage") and not (swr or sie):
        forbidden = True
    return Freshness(
        lifetime=lifetime,
        revalidate_always=revalidate,
        stale_allowed=not forbidden,
        stale_while_revalidate=0.0 if forbidden else swr,
        stale_if_error=0.0 if forbidden else sie,
    )


def _lifetime(
    facts: ResponseFacts,
    status: int,
    policy: CachePolicy,
    error_ttl: float,
    response_time: float,
) -> float:
    explicit = explicit_lifetime(facts, response_time)
    if explicit is not None:
        return min(max(explicit, policy.min_ttl), policy.max_ttl)
    error_lifetime = error_caching_ttl(status, policy, error_ttl)
    if error_lifetime > 0:
        return error_lifetime
    if policy.default_ttl > 0:
        return min(max(policy.default_ttl, policy.min_ttl), policy.max_ttl)
    heuristic = heuristic_lifetime(facts, status, response_time)
    return min(max(heuristic, policy.min_ttl), policy.max_ttl)


def corrected_initial_age(
    facts: ResponseFacts, request_time: float, response_time: float
) -> float:
    """Return corrected_initial_age (RFC 9111 §4.2.3) from the origin's Age and Date."""
    date = facts.date if facts.date is not None else response_time
    apparent_age = max(0.0, response_time - date)
    response_delay = max(0.0, response_time - request_time)
    corrected_age_value = (facts.age or 0) + response_delay
    return max(apparent_age, corrected_age_value)


def current_age(initial_age: float, response_time: float, now: float) -> float:
    """Return current_age (RFC 9111 §4.2.3): initial age plus time resident in the cache."""
    return initial_age + max(0.0, now - response_time)
