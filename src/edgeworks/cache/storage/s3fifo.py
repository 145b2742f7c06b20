"""S3-FIFO: a byte-bounded, scan-resistant eviction index shared by both tiers.

Three queues, as the S3-FIFO paper ("FIFO queues are all you need for cache eviction", SOSP
2023) describes them, with the small-to-main threshold at one read:

- *small* takes new keys and holds about a tenth of the bytes. A key that reaches its tail
  without having been read since insertion is dropped and remembered in *ghost*; a key that
  was read moves on to *main*. One pass over many cold keys therefore churns only *small*.
- *main* holds keys that proved useful. Each read bumps a 2-bit counter; eviction from main
  gives a key with a non-zero counter another lap (counter minus one) instead of dropping it.
- *ghost* remembers hashes of recently dropped keys, not their values; a key that comes back
  while still remembered goes straight to *main*. It is a set for membership plus a deque for
  FIFO order (a hash read back is removed from the set only; its stale place in the deque
  still counts toward the size until it reaches the front), which costs well under what an
  ordered dict would per remembered key.

Reads cost one dict lookup and a counter bump, nothing else, because they are on the hit path.
Removal is lazy: a removed node stays in its deque marked dead and is skipped when it reaches the
tail; the deques are compacted when dead nodes outnumber live ones.

Not thread-safe: callers that share an index across threads hold their own lock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Generic, TypeVar

V = TypeVar("V")

SMALL, MAIN, DEAD = 0, 1, 2
MAX_FREQUENCY = 3  # a 2-bit counter, as the algorithm prescribes
MIN_GHOST_ENTRIES = 64
COMPACT_SLACK = 64  # dead nodes tolerated beyond the live count before the deques are rebuilt


class _Node(Generic[V]):
    __slots__ = ("freq", "key", "queue", "size", "value")

    def __init__(self, key: bytes, value: V, size: int, queue: int) -> None:
        self.key = key
        self.value = value
        self.size = size
        self.queue = queue
        self.freq = 0


class S3FifoIndex(Generic[V]):
    """Map opaque keys to values, evicting by S3-FIFO so the byte total stays within a bound.

    Args:
        max_bytes: The bound on the sum of the sizes given to :meth:`put`.
        small_ratio: Share of ``max_bytes`` the small queue aims at.
    """

    def __init__(self, max_bytes: int, small_ratio: float = 0.1) -> None:
        """Create an empty index; see the class docstring for the arguments."""
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes!r}")
        if not 0.0 < small_ratio < 1.0:
            raise ValueError(f"small_ratio must be between 0 and 1, got {small_ratio!r}")
        self.max_bytes = max_bytes
        self._small_target = int(max_bytes * small_ratio)
        self._nodes: dict[bytes, _Node[V]] = {}
        self._small: deque[_Node[V]] = deque()
        self._main: deque[_Node[V]] = deque()
        self._ghost: set[int] = set()
        self._ghost_order: deque[int] = deque()
        self._small_bytes = 0
        self._main_bytes = 0
        self._dead = 0

    def get(self, key: bytes) -> V | None:
        """Return the value for ``key`` and count the read, or None."""
        node = self._nodes.get(key)
        if node is None:
            return None
        if node.freq < MAX_FREQUENCY:
            node.freq += 1
        return node.value

    def peek(self, key: bytes) -> V | None:
        """Return the value for ``key`` without counting a read, or None."""
        node = self._nodes.get(key)
        return None if node is None else node.value

    def put(self, key: bytes, value: V, size: int, *, main: bool = False) -> list[V]:
        """Insert or replace ``key`` and return the values evicted to make room.

        A replaced value is not among those returned. ``main=True`` places the key straight in
        the main queue (used when an index is rebuilt from entries that had already proved
        themselves). A key larger than the whole bound is not stored (and an older value under it
        is removed without being returned): check :meth:`admits` first.
        """
        replaced = self._unlink(key)
        if size > self.max_bytes:
            return []
        queue = MAIN if main or replaced == MAIN or self._ghost_hit(key) else SMALL
        evicted = self._make_room(size)
        node = _Node(key, value, size, queue)
        self._nodes[key] = node
        if queue == MAIN:
            self._main.append(node)
            self._main_bytes += size
        else:
            self._small.append(node)
            self._small_bytes += size
        return evicted

    def remove(self, key: bytes) -> V | None:
        """Remove ``key`` and return its value, or None when absent."""
        node = self._nodes.get(key)
        if node is None:
            return None
        self._unlink(key)
        return node.value

    def admits(self, size: int) -> bool:
        """Whether an object of ``size`` bytes can be held at all."""
        return size <= self.max_bytes

    @property
    def bytes_used(self) -> int:
        """Sum of the sizes of the keys held."""
        return self._small_bytes + self._main_bytes

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, key: object) -> bool:
        return key in self._nodes

    def keys(self) -> Iterator[bytes]:
        """Iterate over the keys held (a snapshot, safe against changes meanwhile)."""
        return iter(list(self._nodes))

    def _unlink(self, key: bytes) -> int | None:
        node = self._nodes.pop(key, None)
        if node is None:
            return None
        queue = node.queue
        if queue == MAIN:
            self._main_bytes -= node.size
        else:
            self._small_bytes -= node.size
        node.queue = DEAD
        self._dead += 1
        if self._dead > len(self._nodes) + COMPACT_SLACK:
            self._compact()
        return queue

    def _compact(self) -> None:
        self._small = deque(node for node in self._small if node.queue != DEAD)
        self._main = deque(node for node in self._main if node.queue != DEAD)
        self._dead = 0

    def _ghost_hit(self, key: bytes) -> bool:
        remembered = hash(key)
        if remembered not in self._ghost:
            return False
        self._ghost.discard(remembered)
        return True

    def _make_room(self, size: int) -> list[V]:
        evicted: list[V] = []
        while self.bytes_used + size > self.max_bytes and self._nodes:
            if self._small and (self._small_bytes > self._small_target or not self._main):
                node = self._step_small()
            else:
                node = self._step_main()
            if node is not None:
                evicted.append(node.value)
        return evicted

    def _step_small(self) -> _Node[V] | None:
        node = self._small.popleft()
        if node.queue == DEAD:
            self._dead -= 1
            return None
        self._small_bytes -= node.size
        if node.freq > 0:
            # S3-FIFO: a key read while in the small queue has earned a place in main.
            node.queue = MAIN
            node.freq = 0
            self._main.append(node)
            self._main_bytes += node.size
            return None
        del self._nodes[node.key]
        self._remember(node.key)
        return node

    def _step_main(self) -> _Node[V] | None:
        node = self._main.popleft()
        if node.queue == DEAD:
            self._dead -= 1
            return None
        if node.freq > 0:
            node.freq -= 1
            self._main.append(node)
            return None
        self._main_bytes -= node.size
        del self._nodes[node.key]
        return node

    def _remember(self, key: bytes) -> None:
        remembered = hash(key)
        self._ghost.add(remembered)
        self._ghost_order.append(remembered)
        limit = max(len(self._nodes), MIN_GHOST_ENTRIES)
        while len(self._ghost_order) > limit:
            self._ghost.discard(self._ghost_order.popleft())
