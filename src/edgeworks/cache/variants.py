"""Variant selection (RFC 9111 §4.1) over a simple in-memory store.

Every cache key holds a short list of variants, newest first. A new response replaces the
variant whose Vary selection it shares and leaves the others alone, so two viewers asking for
different encodings do not evict each other's copy ("no flip-flop").

The store here is bounded in bytes and drops the least recently stored keys first. It is the
facade's own fallback while no storage tier is configured.
"""

from __future__ import annotations

from collections import OrderedDict

from edgeworks.cache.entry import Entry
from edgeworks.cache.rules.fields import vary_values
from edgeworks.http.headers import Headers

# A key rarely has more than a handful of variants; the oldest beyond this bound are dropped.
MAX_VARIANTS = 16


def matches(entry: Entry, request_headers: Headers) -> bool:
    """Return whether ``entry`` was selected by the same request values (RFC 9111 §4.1)."""
    if not entry.vary:
        return True
    if b"*" in entry.vary:
        return False  # §4.1: Vary: * always fails to match.
    return vary_values(entry.vary, request_headers) == entry.vary_values


def select(variants: list[Entry], request_headers: Headers) -> Entry | None:
    """Return the newest variant that matches the request (§4.1), or None."""
    for entry in variants:
        if matches(entry, request_headers):
            return entry
    return None


class VariantStore:
    """Variants by cache key in memory, bounded by the sum of their body lengths."""

    def __init__(self, max_bytes: int) -> None:
        """Create an empty store holding at most ``max_bytes`` of bodies."""
        self._max_bytes = max_bytes
        self._keys: OrderedDict[bytes, list[Entry]] = OrderedDict()
        self.bytes = 0
        self.evictions = 0

    def variants(self, key: bytes) -> list[Entry]:
        """Return the variants of ``key``, newest first (empty when none)."""
        return self._keys.get(key, [])

    def put(self, key: bytes, entry: Entry) -> None:
        """Store ``entry``, replacing the variant with the same Vary selection."""
        kept = [old for old in self._keys.get(key, []) if not _same_selection(old, entry)]
        self._set(key, [entry, *kept][:MAX_VARIANTS])
        self._evict()

    def remove(self, key: bytes, entry: Entry | None = None) -> None:
        """Remove one variant of ``key``, or all of them when ``entry`` is None."""
        kept = [] if entry is None else [e for e in self.variants(key) if e is not entry]
        self._set(key, kept)

    def __len__(self) -> int:
        return sum(len(variants) for variants in self._keys.values())

    def _set(self, key: bytes, variants: list[Entry]) -> None:
        self.bytes -= sum(e.length for e in self._keys.pop(key, []))
        if variants:
            self._keys[key] = variants
            self.bytes += sum(e.length for e in variants)

    def _evict(self) -> None:
        while self.bytes > self._max_bytes and self._keys:
            key = next(iter(self._keys))
            self._set(key, [])
            self.evictions += 1


def _same_selection(old: Entry, new: Entry) -> bool:
    return old.vary == new.vary and old.vary_values == new.vary_values
