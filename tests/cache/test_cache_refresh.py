"""One background refresh per stale variant (RFC 5861 §3)."""

from __future__ import annotations

from cache_support import T0, hdrs, memory_cache, store

from edgeworks.cache.refresh import REFRESH_TIMEOUT, Refreshes
from edgeworks.cache.rules.reuse import Reuse


def test_first_claim_refreshes_the_rest_serve_rfc5861_3() -> None:
    entry = store(memory_cache(), hdrs(("Cache-Control", "max-age=1")))
    assert entry is not None
    refreshes = Refreshes()
    assert refreshes.claim(b"k", entry, T0) is Reuse.STALE
    assert refreshes.claim(b"k", entry, T0 + 1) is Reuse.FRESH
    assert refreshes.claim(b"other", entry, T0 + 1) is Reuse.STALE
    refreshes.done(b"k", entry.vary_values)
    assert refreshes.claim(b"k", entry, T0 + 2) is Reuse.STALE
    assert refreshes.claim(b"k", entry, T0 + 3 + REFRESH_TIMEOUT) is Reuse.STALE
