"""Which cache keys belong to which URL, for invalidation (RFC 9111 §4.4).

Cache keys are opaque to the cache, so the facade remembers, for each (host, path) it stored,
the keys it stored them under. The index lives in memory only: after a restart, entries loaded
from disk are still served but an unsafe request no longer finds them until they are stored
again.
"""

from __future__ import annotations

# Past this many URLs the index forgets the oldest; their entries then age out normally.
MAX_URLS = 1 << 20


class UrlIndex:
    """(host, path) to the set of cache keys stored for it."""

    def __init__(self, max_urls: int = MAX_URLS) -> None:
        """Create an empty index that remembers at most ``max_urls`` URLs."""
        self._max_urls = max_urls
        self._keys: dict[tuple[bytes, bytes], set[bytes]] = {}

    def add(self, host: bytes, path: bytes, key: bytes) -> None:
        """Remember that ``key`` was stored for ``host`` and ``path``."""
        url = (host.lower(), path)
        keys = self._keys.pop(url, set())
        keys.add(key)
        self._keys[url] = keys
        if len(self._keys) > self._max_urls:
            del self._keys[next(iter(self._keys))]

    def pop(self, host: bytes, path: bytes) -> set[bytes]:
        """Forget and return the keys stored for ``host`` and ``path``."""
        return self._keys.pop((host.lower(), path), set())

    def __len__(self) -> int:
        return len(self._keys)
