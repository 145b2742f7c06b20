"""May a stored response answer this request? (RFC 9111 §4, §4.2.4, §5.2.1; RFC 5861.)

The answer is one of five named states; the facade maps them onto ``Lookup.kind``:

- Fresh: serve the stored response as it is.
- Stale: serve it now and refresh it once in the background (stale-while-revalidate).
- MustRevalidate: ask the origin with the stored validators first.
- Miss: go to the origin.
- Unsatisfiable: only-if-cached and nothing usable (answer 504).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from edgeworks.cache.rules.freshness import Freshness
from edgeworks.cache.rules.request import RequestFacts


class Reuse(enum.Enum):
    """The named outcomes of a lookup."""

    FRESH = "hit"
    STALE = "stale"
    MUST_REVALIDATE = "revalidate"
    MISS = "miss"
    UNSATISFIABLE = "unsatisfiable"


@dataclass(frozen=True, slots=True)
class Stored:
    """What the reuse rules need to know about one stored response.

    Attributes:
        age: current_age in seconds (§4.2.3).
        freshness: the lifetime and stale permissions fixed when it was stored.
        has_validator: it carries an ETag or Last-Modified for a conditional request.
    """

    age: float
    freshness: Freshness
    has_validator: bool

    @property
    def staleness(self) -> float:
        """Seconds past the freshness lifetime (negative while fresh)."""
        return self.age - self.freshness.lifetime


def decide(request: RequestFacts, stored: Stored | None) -> Reuse:
    """Return how a request may use a stored response (None: nothing selected)."""
    outcome = _decide(request, stored)
    # §5.2.1.7: only-if-cached never reaches the origin.
    if request.only_if_cached and outcome in (Reuse.MISS, Reuse.MUST_REVALIDATE):
        return Reuse.UNSATISFIABLE
    return outcome


def _decide(request: RequestFacts, stored: Stored | None) -> Reuse:
    if stored is None:
        return Reuse.MISS
    fresh = stored.staleness < 0
    # §5.2.1.4 request no-cache and §5.2.2.4 response no-cache: validate before every use.
    if request.no_cache or stored.freshness.revalidate_always:
        return _validate(stored)
    if fresh and _acceptable_fresh(request, stored):
        return Reuse.FRESH
    if not fresh and _client_accepts_stale(request, stored):
        return Reuse.FRESH
    if not fresh and _while_revalidate(stored):
        return Reuse.STALE
    return _validate(stored)


def _acceptable_fresh(request: RequestFacts, stored: Stored) -> bool:
    # §5.2.1.1 max-age and §5.2.1.3 min-fresh narrow what the viewer accepts.
    if request.max_age is not None and stored.age > request.max_age:
        return False
    remaining = -stored.staleness
    return request.min_fresh is None or remaining >= request.min_fresh


def _client_accepts_stale(request: RequestFacts, stored: Stored) -> bool:
    # §5.2.1.2 max-stale, unless the response forbids stale use (§4.2.4).
    if request.max_stale is None or not stored.freshness.stale_allowed:
        return False
    within_age = request.max_age is None or stored.age <= request.max_age
    return within_age and stored.staleness <= request.max_stale


def _while_revalidate(stored: Stored) -> bool:
    # RFC 5861 §3: serve stale during the window while one background request refreshes.
    window = stored.freshness.stale_while_revalidate
    return stored.freshness.stale_allowed and window > 0 and stored.staleness <= window


def _validate(stored: Stored) -> Reuse:
    # §4.3.1: without a validator, the origin can only answer in full.
    return Reuse.MUST_REVALIDATE if stored.has_validator else Reuse.MISS


def stale_if_error(request: RequestFacts, stored: Stored, keeps_serving: bool = False) -> bool:
    """Return whether a stale response may answer because the origin failed (RFC 5861 §4).

    The window is the larger of the response's and the request's stale-if-error. Under a
    policy with TTLs of its own (``keeps_serving``), CloudFront's rule applies instead: an
    expired object stays servable while the origin fails. Either way a response that forbids
    stale use (RFC 9111 §4.2.4) is never served this way.
    """
    if not stored.freshness.stale_allowed:
        return False
    if keeps_serving:
        return True
    window = max(stored.freshness.stale_if_error, float(request.stale_if_error or 0))
    return stored.staleness < 0 or (window > 0 and stored.staleness <= window)


def ever_reusable(freshness: Freshness, has_validator: bool) -> bool:
    """Return whether a response could ever answer a request without the origin's help.

    One that is born stale (or must always be validated), has no validator and no stale
    window would only ever be a miss; storing it wastes memory and disk. Only a viewer's
    max-stale could have used it, and that is given up.
    """
    if has_validator:
        return True
    windows = freshness.stale_while_revalidate > 0 or freshness.stale_if_error > 0
    fresh_some_time = freshness.lifetime > 0 and not freshness.revalidate_always
    return fresh_some_time or windows
