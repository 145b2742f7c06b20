"""Filling a cache entry from a response body as it streams past.

The facade decides that a response is storable and opens a :class:`Writer`; the edge feeds it
the body chunks it forwards to the viewer and commits at the end. The body is buffered for the
memory tier while it fits there and streamed to the disk tier when one is configured, so a large
body never sits in memory whole. A body that ends short of its Content-Length, or a writer that
is aborted, never becomes an entry (RFC 9111 §3.3).
"""

from __future__ import annotations

from collections.abc import Callable

from edgeworks.cache.entry import Entry
from edgeworks.cache.meta import encode_entry
from edgeworks.cache.store import TieredStore, charge, with_body


class Writer:
    """Collects one response body and stores the finished entry on commit."""

    def __init__(
        self,
        store: TieredStore,
        key: bytes,
        template: Entry,
        expected: int | None,
        *,
        admit: Callable[[], bool] | None = None,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        """Create a writer.

        Args:
            store: the tiers to write to.
            key: the cache key of the URL.
            template: the entry to store, without its body yet.
            expected: the declared Content-Length, or None when unknown.
            admit: asked at commit whether the entry may still be stored.
            on_commit: called once the entry is stored.
        """
        self._store = store
        self._key = key
        self._template = template
        self._expected = expected
        # A variant of a URL with no variants record yet mints the record's epoch itself.
        self._minted = bool(template.vary) and store.variants_epoch(key) is None
        self._skey, self._epoch = store.storage_key(key, template)
        self._record = encode_entry(template)
        self._disk = store.disk_writer(self._skey, self._record, expected)
        # What the memory tier will charge beside the body; the final head's Content-Length
        # has a few more digits than the template's.
        self._charged = charge(self._skey, template) + 20
        self._chunks: list[bytes] | None = []
        self._size = 0
        self._open = True
        self._admit = admit
        self._on_commit = on_commit

    def write(self, chunk: bytes) -> None:
        """Add the next body chunk; a writer that can keep nothing more gives up quietly."""
        if not self._open:
            return
        self._size += len(chunk)
        if self._chunks is not None:
            if self._store.memory.accepts(self._charged + self._size):
                self._chunks.append(chunk)
            else:
                self._chunks = None
        if self._disk is not None and not self._disk.write(chunk):
            self._disk = None
        if self._chunks is None and self._disk is None:
            self.abort()

    def commit(self) -> Entry | None:
        """Store the entry; returns it, or None when nothing was kept."""
        if not self._open:
            return None
        self._open = False
        if self._expected is not None and self._size != self._expected:
            self.abort()
            return None  # RFC 9111 §3.3: an incomplete response is not a complete entry.
        if self._admit is not None and not self._admit():
            self.abort()
            return None
        body = None if self._chunks is None else b"".join(self._chunks)
        entry = with_body(self._template, body, self._size)
        kept = self._disk.commit() if self._disk is not None else False
        if body is not None:
            kept = self._store.keep_in_memory(self._skey, entry) or kept
        if not kept:
            return None
        if not self._store.install(self._key, self._template, self._epoch):
            rehomed = self._rehome(entry)
            self._store.remove(self._skey)
            if not rehomed:
                return None
        if self._on_commit is not None:
            self._on_commit()
        return entry

    def _rehome(self, entry: Entry) -> bool:
        # Two first variants of one URL filled at once each mint an epoch; the one that
        # finishes second moves under the other's record instead of being lost. A body held
        # on disk only is copied there by the kernel.
        if not self._minted:
            return False
        skey, epoch = self._store.storage_key(self._key, self._template)
        if entry.body is not None:
            moved = self._store.put(skey, entry, self._record, entry.body)
        else:
            moved = self._store.copy_on_disk(self._skey, skey, self._record)
        return moved and self._store.install(self._key, self._template, epoch)

    def abort(self) -> None:
        """Drop everything written so far."""
        self._open = False
        self._chunks = None
        if self._disk is not None:
            self._disk.abort()
            self._disk = None
