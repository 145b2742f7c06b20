"""One background refresh per stale entry (RFC 5861 §3, stale-while-revalidate).

While a stale entry is within its stale-while-revalidate window, the first lookup is told
"stale" (serve it and refresh in the background); the lookups after it, until that refresh
stores a new response, are told "hit" and just serve it. A refresh that never stores anything
(origin down, response not storable) is forgotten after :data:`REFRESH_TIMEOUT` seconds, and the
next lookup starts another.
"""

from __future__ import annotations

from edgeworks.cache.entry import Entry
from edgeworks.cache.rules.reuse import Reuse

REFRESH_TIMEOUT = 30.0
# Claims kept at most; past it the expired ones are swept.
MAX_CLAIMS = 4096

Variant = tuple[bytes, tuple[bytes | None, ...]]


class Refreshes:
    """The background refreshes under way, by cache key and Vary selection."""

    def __init__(self) -> None:
        """Start with no refresh under way."""
        self._until: dict[Variant, float] = {}

    def claim(self, key: bytes, entry: Entry, now: float) -> Reuse:
        """Return STALE for the lookup that should refresh ``entry``, FRESH for the others."""
        variant = (key, entry.vary_values)
        if self._until.get(variant, 0.0) > now:
            return Reuse.FRESH
        if len(self._until) >= MAX_CLAIMS:
            self._until = {k: t for k, t in self._until.items() if t > now}
        self._until[variant] = now + REFRESH_TIMEOUT
        return Reuse.STALE

    def done(self, key: bytes, vary_values: tuple[bytes | None, ...]) -> None:
        """Forget the refresh of one variant: a new response for it was stored."""
        self._until.pop((key, vary_values), None)
