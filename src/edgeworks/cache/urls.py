"""Which cache keys belong to which URL, for invalidation (RFC 9111 §4.4).

Cache keys are opaque to the cache, so the facade remembers, for each (host, path) it stored,
the keys it stored them under. The index lives in memory; every entry record keeps its URL, so
a restarted node rebuilds the index from the records its disk tier reads at start-up.

It also remembers when each URL was last invalidated, counted in invalidations: a response
whose request went out before an invalidation of its URL may describe the state before the
change, so it is not stored when it arrives after it.
"""

from __future__ import annotations

# Past this many URLs the index forgets the oldest; their entries then age out normally. The
# facade sizes the index after its tiers.
MAX_URLS = 1 << 18
# Invalidations remembered for responses still in flight; a fill outlasting this many later
# invalidations of other URLs is stored even if its own URL was invalidated meanwhile.
MAX_INVALIDATIONS = 4096


class UrlIndex:
    """(host, path) to the cache keys stored for it.

    One URL usually has one key, so a URL maps to that key alone and only grows a set when a
    second key (another query string, another header in the key) arrives.
    """

    def __init__(self, max_urls: int = MAX_URLS) -> None:
        """Create an empty index that remembers at most ``max_urls`` URLs."""
        self._max_urls = max_urls
        self._keys: dict[bytes, bytes | set[bytes]] = {}
        self._invalidated: dict[bytes, int] = {}
        self.generation = 0

    def add(self, url: bytes, key: bytes) -> None:
        """Remember that ``key`` was stored for ``url`` (see :func:`url_of`)."""
        known = self._keys.pop(url, None)
        if known is None or known == key:
            self._keys[url] = key
        elif isinstance(known, set):
            known.add(key)
            self._keys[url] = known
        else:
            self._keys[url] = {known, key}
        if len(self._keys) > self._max_urls:
            del self._keys[next(iter(self._keys))]

    def pop(self, host: bytes, path: bytes) -> set[bytes]:
        """Forget and return the keys stored for ``host`` and ``path``, marking it invalidated."""
        url = url_of(host, path)
        self.generation += 1
        self._invalidated.pop(url, None)
        self._invalidated[url] = self.generation
        if len(self._invalidated) > MAX_INVALIDATIONS:
            del self._invalidated[next(iter(self._invalidated))]
        known = self._keys.pop(url, None)
        if known is None:
            return set()
        return known if isinstance(known, set) else {known}

    def unchanged_since(self, host: bytes, path: bytes, generation: int) -> bool:
        """Whether ``host`` and ``path`` were not invalidated after ``generation``."""
        return self._invalidated.get(url_of(host, path), 0) <= generation

    def __len__(self) -> int:
        return len(self._keys)


def url_of(host: bytes, path: bytes) -> bytes:
    """Return the index's name for a URL: the host (case-insensitive) and the path."""
    return host.lower() + b"\x00" + path
