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
- Only bodies up to :data:`MAX_BODY` bytes are remembered, at most :data:`CAPACITY` heads and
  :data:`MAX_BYTES` bytes, oldest dropped first, so the memo stays small even when the bodies
  it holds were evicted from the cache meanwhile. A body held in memory is kept; a body on
  disk is not: each answer reads it again from the disk tier's open file with one ``pread``
  (``Entry.read_small_body``; answers of one event-loop turn share it), so a disk hit stays a
  read of the disk tier, and an answer whose file the tier let go (replaced, deleted,
  evicted) stops at once.

Each remembered answer is also handed to the HTTP server as a replayable
(``edgeworks.http.heads``): the server keeps it beside the exact request bytes, and a repeat of
those bytes on an idle keep-alive connection is answered by :meth:`_Hot.replay` before any
request object exists. The same window applies, and an answer dropped from the memo (expired,
pushed out, forgotten) stops replaying at once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from edgeworks.cache.entry import Entry
from edgeworks.edge.trace import Prepared, Tracer
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

    __slots__ = (
        "age",
        "alive",
        "body",
        "born",
        "cost",
        "disk",
        "head",
        "host",
        "method",
        "parts",
        "prepared",
        "size",
        "status",
        "target",
        "tracer",
        "until",
    )

    def __init__(
        self, entry: Entry, request: Request, tracer: Tracer, head_only: bool, until: float
    ) -> None:
        self.alive = True
        self.tracer = tracer
        self.method = request.method
        self.host = request.host
        self.target = request.target
        self.prepared: Prepared | None = None
        self.head = entry.head
        self.body = b"" if head_only or entry.body is None else entry.body
        # A body on disk is read again for every answer (see the module docstring).
        self.disk = None if head_only or entry.body is not None else entry
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
        self.parts = _parts(self.head + tail, self.body)
        body_length = len(self.body) if self.disk is None else self.disk.length
        self.size = len(self.head) + len(tail) + body_length
        self.age = age

    def retire(self) -> None:
        """Stop answering and let go of the bytes (the server may keep this object a while)."""
        self.alive = False
        self.head = self.body = b""
        self.parts = ()
        self.disk = None

    def answer(self, now: float) -> Sequence[bytes] | None:
        """Return the response bytes at ``now``, or None once the window has passed."""
        if now >= self.until or not self.alive:
            return None
        age = int(now - self.born)
        if age != self.age:
            self.prepare(age)
        disk = self.disk
        if disk is None:
            return self.parts
        body = disk.read_small_body()
        if body is None:
            self.retire()  # the disk tier let the file go: look it up again
            return None
        return _parts(self.parts[0], body)

    def replay(self, client: str, arrived: float) -> Sequence[bytes] | None:
        """Answer a repeat of the remembered head, reported as a hit (``Replayable``)."""
        parts = self.answer(arrived)
        if parts is None:
            return None
        prepared = self.prepared
        if prepared is None or prepared.client != client or prepared.bytes_out != self.size:
            prepared = self.prepared = self.tracer.prepare(
                client=client,
                method=self.method,
                host=self.host,
                target=self.target,
                status=self.status,
                bytes_out=self.size,
                result="Hit",
            )
        finished = time.time()
        prepared.done(finished, finished - arrived)
        return parts


def _parts(head: bytes, body: bytes) -> tuple[bytes, ...]:
    return (head + body,) if len(body) <= _JOIN_BELOW else (head, body)


class HotHits:
    """A bounded memo from exact request heads to the fresh hits they were answered with."""

    def __init__(self, tracer: Tracer) -> None:
        self._memo: dict[HotKey, _Hot] = {}
        self._bytes = 0
        self._tracer = tracer

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

    def answer(self, key: HotKey, now: float) -> tuple[_Hot, Sequence[bytes]] | None:
        """Return the remembered hit for ``key`` and its response bytes at ``now``, or None."""
        hot = self._memo.get(key)
        if hot is None:
            return None
        parts = hot.answer(now)
        if parts is None:
            self._drop(key)
            return None
        return hot, parts

    def remember(self, key: HotKey, request: Request, entry: Entry, now: float) -> _Hot | None:
        """Remember the entry a full lookup served for ``key`` (fresh, body in memory).

        Returns the remembered answer, or None when the entry does not qualify.
        """
        if entry.length > MAX_BODY or (entry.body is None and entry.disk is None):
            return None
        remaining = entry.freshness.lifetime - (now - (entry.response_time - entry.initial_age))
        if remaining <= 0 or entry.freshness.revalidate_always:
            return None
        head_only = key[0].endswith("HEAD")
        hot = _Hot(entry, request, self._tracer, head_only, now + min(WINDOW, remaining))
        self._drop(key)
        # Bodies held here may already be gone from the cache: bound them in count and bytes.
        while self._memo and (len(self._memo) >= CAPACITY or self._bytes + hot.cost > MAX_BYTES):
            self._drop(next(iter(self._memo)))
        self._memo[key] = hot
        self._bytes += hot.cost
        return hot

    def forget(self) -> None:
        """Drop every remembered answer (after an invalidation); replays of them stop too."""
        for hot in self._memo.values():
            hot.retire()
        self._memo.clear()
        self._bytes = 0

    def _drop(self, key: HotKey) -> None:
        hot = self._memo.pop(key, None)
        if hot is not None:
            hot.retire()
            self._bytes -= hot.cost
