"""Filling a cache entry from a response body as it streams past.

The facade decides that a response is storable and opens a :class:`Writer`; the edge feeds it
the body chunks it forwards to the viewer and commits at the end. A body that ends short of its
Content-Length, or a writer that is aborted, never becomes an entry.
"""

from __future__ import annotations

from collections.abc import Callable

from edgeworks.cache.entry import Entry

Build = Callable[[bytes], Entry]


class Writer:
    """Collects one response body and stores the finished entry on commit."""

    def __init__(
        self,
        build: Build,
        store: Callable[[Entry], None],
        expected: int | None,
        limit: int,
    ) -> None:
        """Create a writer.

        Args:
            build: makes the entry from the complete body.
            store: keeps the finished entry.
            expected: the declared Content-Length, or None when unknown.
            limit: the largest body kept; a longer one is dropped.
        """
        self._build = build
        self._store = store
        self._expected = expected
        self._limit = limit
        self._chunks: list[bytes] = []
        self._size = 0
        self._open = True

    def write(self, chunk: bytes) -> None:
        """Add the next body chunk; past the size limit the writer gives up quietly."""
        if not self._open:
            return
        self._size += len(chunk)
        if self._size > self._limit:
            self.abort()
            return
        self._chunks.append(chunk)

    def commit(self) -> Entry | None:
        """Store the entry; returns it, or None when the body was incomplete or dropped."""
        if not self._open:
            return None
        self._open = False
        if self._expected is not None and self._size != self._expected:
            self._chunks = []
            return None  # RFC 9111 §3.3: an incomplete response is not a complete entry.
        entry = self._build(b"".join(self._chunks))
        self._chunks = []
        self._store(entry)
        return entry

    def abort(self) -> None:
        """Drop everything written so far."""
        self._open = False
        self._chunks = []
