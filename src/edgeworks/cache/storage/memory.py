"""The memory tier: whole objects in a dict, bounded in bytes, evicted by S3-FIFO.

Each entry is charged its key, metadata and body plus :data:`ENTRY_OVERHEAD`, a measured
figure for the index and object headers (``bench/cache_memory.py``), so that ``max_bytes``
bounds the memory really used rather than the payload alone. Measured for 100,000 small
objects with a 67-byte key and 237 bytes of metadata: about 590 bytes per object without the
body while the tier fills (220 of them index and object headers), and about 730 once it evicts
all along (360 of them index, object headers and the ghost queue's share).

Used from one event loop only; it takes no locks.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from edgeworks.cache.storage.errors import check_sizes
from edgeworks.cache.storage.objects import StoredObject
from edgeworks.cache.storage.s3fifo import S3FifoIndex

# Bytes of index and object headers per entry beyond key, meta and body, rounded up from the
# figure bench/cache_memory.py measures.
ENTRY_OVERHEAD = 384

V = TypeVar("V")


class MemoryTier(Generic[V]):
    """Objects held whole in memory.

    A tier of :class:`StoredObject` takes them with :meth:`put`; a caller that keeps its own
    decoded values (the cache facade keeps ready entries) stores them with :meth:`keep`,
    charging each the size it stands for.

    Args:
        max_bytes: Bound on the bytes charged for all entries.
        max_object_bytes: Largest single entry accepted; defaults to an eighth of ``max_bytes``
            so that one object never flushes most of the tier.
    """

    def __init__(self, max_bytes: int, max_object_bytes: int | None = None) -> None:
        """Create an empty tier; see the class docstring for the arguments.

        Raises:
            StorageError: A size is not a positive integer.
        """
        check_sizes("memory", max_bytes=max_bytes, max_object_bytes=max_object_bytes)
        self._index: S3FifoIndex[V] = S3FifoIndex(max_bytes)
        self.max_bytes = max_bytes
        self.max_object_bytes = max_bytes // 8 if max_object_bytes is None else max_object_bytes
        self.evicted = 0  # entries dropped to make room, since start

    def get(self, key: bytes) -> V | None:
        """Return the object stored under ``key`` and count the read, or None."""
        return self._index.get(key)

    def peek(self, key: bytes) -> V | None:
        """Return the object stored under ``key`` without counting a read, or None."""
        return self._index.peek(key)

    def accepts(self, size: int) -> bool:
        """Whether an object of ``size`` bytes (key, meta and body) would be stored."""
        return size + ENTRY_OVERHEAD <= self.max_object_bytes

    def put(self: MemoryTier[StoredObject], obj: StoredObject) -> bool:
        """Store ``obj`` under ``obj.key``, replacing any older object there.

        Returns:
            False when the object is too large for the tier; any older object under the same
            key is removed even then, so that an outdated response is never served after a
            newer one was seen.
        """
        return self.keep(obj.key, obj, obj.size)

    def keep(self, key: bytes, value: V, size: int) -> bool:
        """Store ``value`` under ``key``, charged ``size`` bytes plus the per-entry overhead.

        Returns:
            False when it is too large for the tier (any older value under ``key`` is removed
            even then, as with :meth:`put`).
        """
        if not self.accepts(size):
            self._index.remove(key)
            return False
        self.evicted += len(self._index.put(key, value, size + ENTRY_OVERHEAD))
        return True

    def delete(self, key: bytes) -> bool:
        """Remove the object under ``key``; return whether there was one."""
        return self._index.remove(key) is not None

    @property
    def bytes_used(self) -> int:
        """Bytes charged for the entries held (payload plus per-entry overhead)."""
        return self._index.bytes_used

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index
