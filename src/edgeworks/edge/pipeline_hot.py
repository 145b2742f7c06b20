"""Hot hits: the last answers to identical requests, replayed for up to a second.

A cache hit through the full path (behaviour match, cache key, lookup, answer) costs several
microseconds of Python. Most hit traffic repeats the same request head byte for byte, and for
such a request the whole path is a function of the head and of the stored entry. So the edge
remembers, per exact request head, the entry the full path chose; an identical request within
the memo's window is answered from it with a fresh ``Age`` and nothing else.

What keeps this equal to the full path:

- Only plain requests qualify: GET or HEAD with no field that changes how a stored response
  may be used (Cache-Control, Pragma, the conditionals, Range; RFC 9111 §5.2.1, RFC 9110 §13,
  §14). For the rest the answer is a function of the head alone.
- A remembered answer lasts at most :data:`WINDOW` seconds and never past the entry's freshness
  lifetime (RFC 9111 §4.2), so invalidations and replacements that do not pass through the
  pipeline are seen within that window. The pipeline forgets everything at once when an unsafe
  request invalidates (RFC 9111 §4.4).
- Only bodies held in memory and up to :data:`MAX_BODY` bytes are remembered, at most
  :data:`CAPACITY` heads and :data:`MAX_BYTES` bytes, oldest dropped first, so the memo stays
  small even when the bodies it holds were evicted from the cache meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence

from edgeworks.cache.entry import Entry
from edgeworks.http.request import Request

WINDOW = 1.0
CAPACITY = 4096
MAX_BODY = 256 * 1024
MAX_BYTES = 32 * 1024 * 1024
_X_CACHE = b"\r\nx-cache: Hit from edgeworks\r\n\r\n"
# Below this size a response is kept as one buffer: copying it once per second of age costs
# less than gathering three buffers on every hit.
_JOIN_BELOW = 16 * 1024

# Request fields that change whether or how a stored response is used.
_VOLATILE = frozenset(
    {
        b"cache-control",
        b"pragma",
        b"if-none-match",
        b"if-modified-since",
        b"if-match",
        b"if-unmodified-since",
        b"if-range",
        b"range",
    }
)

# Scheme and method, target, fields: the scheme matters to ViewerProtocolPolicy.
HotKey = tuple[str, bytes, tuple[tuple[bytes, bytes], ...]]


class _Hot:
    """One remembered answer: prepared bytes, birth time and the window it is good for."""

    __slots__ = ("age", "body", "born", "cost", "head", "parts", "size", "status", "until")

    def __init__(self, entry: Entry, head_only: bool, until: float) -> None:
        self.head = entry.head
        self.body = b"" if head_only or entry.body is None else entry.body
        self.status = entry.status
        # RFC 9111 §4.2.3: current_age = corrected_initial_age + (now - response_time).
        self.born = entry.response_time - entry.initial_age
        self.until = until
        self.age = -1
        self.parts: tuple[bytes, ...] = ()
        self.size = 0
        # Bytes this answer may hold: the body, and a joined copy of a small response.
        joined = len(self.head) + 64 + len(self.body) if len(self.body) <= _JOIN_BELOW else 0
        self.cost = len(self.body) + joined

    def prepare(self, age: int) -> None:
        """Build the response bytes for ``age``; small ones as one buffer, written in one go."""
        tail = b"age: %d%s" % (age, _X_CACHE)
        if len(self.body) <= _JOIN_BELOW:
            self.parts = (self.head + tail + self.body,)
        else:
            self.parts = (self.head, tail, self.body)
        self.size = len(self.head) + len(tail) + len(self.body)
        self.age = age


class HotHits:
    """A bounded memo from exact request heads to the fresh hits they were answered with."""

    def __init__(self) -> None:
        self._memo: dict[HotKey, _Hot] = {}
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._memo)

    @staticmethod
    def key(request: Request) -> HotKey | None:
        """Return the memo key of a plain GET or HEAD, or None when it does not qualify."""
        headers = request.headers
        for name, _ in headers:
            if name in _VOLATILE:
                return None
        return (request.scheme + request.method, request.target, tuple(headers))

    def answer(self, key: HotKey, now: float) -> tuple[int, Sequence[bytes], int] | None:
        """Return status, bytes and byte count of a remembered hit, or None (unknown, expired)."""
        hot = self._memo.get(key)
        if hot is None:
            return None
        if now >= hot.until:
            del self._memo[key]
            self._bytes -= hot.cost
            return None
        age = int(now - hot.born)
        if age != hot.age:
            hot.prepare(age)
        return hot.status, hot.parts, hot.size

    def remember(self, key: HotKey, entry: Entry, now: float) -> None:
        """Remember the entry a full lookup served for ``key`` (fresh, body in memory)."""
        if entry.body is None or len(entry.body) > MAX_BODY:
            return
        remaining = entry.freshness.lifetime - (now - (entry.response_time - entry.initial_age))
        if remaining <= 0 or entry.freshness.revalidate_always:
            return
        hot = _Hot(entry, key[0].endswith("HEAD"), now + min(WINDOW, remaining))
        old = self._memo.pop(key, None)
        if old is not None:
            self._bytes -= old.cost
        # Bodies held here may already be gone from the cache: bound them in count and bytes.
        while self._memo and (len(self._memo) >= CAPACITY or self._bytes + hot.cost > MAX_BYTES):
            self._bytes -= self._memo.pop(next(iter(self._memo))).cost
        self._memo[key] = hot
        self._bytes += hot.cost

    def forget(self) -> None:
        """Drop every remembered answer (after an invalidation)."""
        self._memo.clear()
        self._bytes = 0
