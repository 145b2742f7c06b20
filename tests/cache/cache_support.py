"""Shared builders for the cache tests: policies, headers and a stored entry in one call."""

from __future__ import annotations

from edgeworks.cache import Cache, Entry
from edgeworks.config.model import CachePolicy, CacheStorage
from edgeworks.http.headers import Headers

# A policy that follows the origin's headers: the RFC applies untouched.
FOLLOW = CachePolicy(id="follow", name="follow", min_ttl=0, default_ttl=0, max_ttl=31536000)
T0 = 1_700_000_000.0
DATE_T0 = b"Tue, 14 Nov 2023 22:13:20 GMT"  # T0 as an IMF-fixdate


def hdrs(*pairs: tuple[str, str]) -> Headers:
    """Build Headers from text pairs, names lower-cased as the server delivers them."""
    return [(name.lower().encode(), value.encode()) for name, value in pairs]


def store(
    cache: Cache,
    response: Headers,
    body: bytes = b"hello",
    *,
    key: bytes = b"k",
    request: Headers | None = None,
    status: int = 200,
    policy: CachePolicy = FOLLOW,
    at: float = T0,
    method: str = "GET",
) -> Entry | None:
    """Offer one response to the cache; return the stored entry or None when refused."""
    writer = cache.open_writer(
        key, method, request or [], status, response, policy, at, at, host=b"h", path=b"/p"
    )
    if writer is None:
        return None
    writer.write(body)
    return writer.commit()


def memory_cache(**overrides: object) -> Cache:
    """Return a memory-only cache; keyword arguments override CacheStorage fields."""
    return Cache(CacheStorage(**overrides))  # type: ignore[arg-type]
