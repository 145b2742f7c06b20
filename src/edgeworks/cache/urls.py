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
    """(host, path) to the cache keys stored for it.

    One URL usually has one key, so a URL maps to that key alone and only grows a set when a
    second key (another query string, another header in the key) arrives.
    """

    def __init__(self, max_urls: int = MAX_URLS) -> None:
        """Create an empty index that remembers at most ``max_urls`` URLs."""
        self._max_urls = max_urls
        self._keys: dict[bytes, bytes | set[bytes]] = {}

    def add(self, host: bytes, path: bytes, key: bytes) -> None:
        """Remember that ``key`` was stored for ``host`` and ``path``."""
        url = _url(host, path)
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
        """Forget and return the keys stored for ``host`` and ``path``."""
        known = self._keys.pop(_url(host, path), None)
        if known is None:
            return set()
        return known if isinstance(known, set) else {known}

    def __len__(self) -> int:
        return len(self._keys)


def _url(host: bytes, path: bytes) -> bytes:
    return host.lower() + b"\x00" + path
