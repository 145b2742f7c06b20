"""Request collapsing: concurrent misses for one key share one origin request.

The first caller for a key becomes the :class:`Filler`; later callers become followers and
read what the filler publishes: a head (an opaque value, typically status and headers) and then
body chunks. Every chunk is kept for the life of the fill, so a follower that joins late still
streams the body from its first byte. The fill leaves the registry as soon as it ends, so the
next request for the key finds the stored entry (or, if nothing was stored, starts a new fill).

Followers never wait without bound. Waiting for the head is limited by ``wait_timeout``; when
it runs out, or the filler declares the response uncacheable or fails before the head, the
follower gets ``None`` from :meth:`Follower.head` and goes to the origin itself (an uncacheable
response releases all followers at once: RFC 9111 gives no basis for sharing it). Once the
head has been shared, a filler that fails or stalls for ``wait_timeout`` between chunks makes
:meth:`Follower.body` raise :class:`FillError`: bytes are already on their way to viewers, so
those responses must be aborted.

Everything runs on one event loop, and :meth:`Collapser.join` is called from inside it. Waiting
for the head is timed per follower; the wait between chunks is timed once per fill (a stall
ends the fill for every follower at once), which keeps a thousand followers cheap.

Chunks are shared in memory. While a fill admits followers it keeps every chunk (a newcomer
starts from the first byte); beyond ``max_buffer_bytes`` it stops admitting them (later
requests for the key start a fill of their own) and from then on drops the chunks that every
follower has read, so a large body is held only between its slowest and fastest reader.
"""

from __future__ import annotations

import asyncio
import enum
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

from edgeworks.cache.storage.errors import FillError, StorageError, check_sizes

H = TypeVar("H")


class FillState(enum.Enum):
    """Where a fill stands."""

    WAITING = "waiting"  # no head yet
    STREAMING = "streaming"  # head shared, body under way
    DONE = "done"
    UNCACHEABLE = "uncacheable"
    FAILED = "failed"


ENDED = frozenset({FillState.DONE, FillState.UNCACHEABLE, FillState.FAILED})
TRIM_EVERY = 16  # chunks between two attempts to drop what every reader has passed


@dataclass(slots=True)
class CollapseStats:
    """Counters of a :class:`Collapser`."""

    fills: int = 0
    followers: int = 0
    fallbacks: int = 0


class _Fill(Generic[H]):
    __slots__ = (
        "base",
        "buffered",
        "changed",
        "chunks",
        "head",
        "key",
        "last_progress",
        "loop",
        "readers",
        "reason",
        "released",
        "state",
        "watchdog",
    )

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.state = FillState.WAITING
        self.head: H | None = None
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.reason = ""
        self.changed = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        self.last_progress = 0.0
        self.watchdog: asyncio.TimerHandle | None = None
        self.base = 0  # position in the body of chunks[0]: earlier chunks were trimmed
        self.readers: weakref.WeakSet[Follower[H]] = weakref.WeakSet()
        self.released = False  # out of the registry: no follower can join any more

    def notify(self) -> None:
        # Wake everyone waiting now; later waits use a fresh event.
        self.changed.set()
        self.changed = asyncio.Event()

    def trim(self) -> None:
        # Once no follower can join, chunks every reader has passed are dropped, so a large
        # body is held only between the slowest and the fastest reader.
        if not self.released or len(self.chunks) < TRIM_EVERY:
            return
        low = min((reader._position for reader in self.readers), default=self.end)
        if low > self.base:
            del self.chunks[: low - self.base]
            self.base = low

    @property
    def end(self) -> int:
        return self.base + len(self.chunks)


class Collapser(Generic[H]):
    """A per-key registry of fills in progress, on one event loop.

    Args:
        wait_timeout: Seconds a follower waits for the head, and at most between two chunks.
        max_buffer_bytes: Body bytes after which a fill admits no new followers.
    """

    def __init__(self, wait_timeout: float = 10.0, max_buffer_bytes: int = 64 << 20) -> None:
        """Create an empty registry; see the class docstring for the arguments.

        Raises:
            StorageError: ``wait_timeout`` or ``max_buffer_bytes`` is not positive.
        """
        if not wait_timeout > 0:
            raise StorageError(f"collapse wait_timeout must be positive, got {wait_timeout!r}")
        check_sizes("collapse", max_buffer_bytes=max_buffer_bytes)
        self.wait_timeout = wait_timeout
        self.max_buffer_bytes = max_buffer_bytes
        self.stats = CollapseStats()
        self._fills: dict[bytes, _Fill[H]] = {}

    def join(self, key: bytes) -> Filler[H] | Follower[H]:
        """Become the filler for ``key``, or a follower of the fill already under way."""
        fill = self._fills.get(key)
        if fill is not None:
            self.stats.followers += 1
            return Follower(self, fill)
        fill = _Fill(key)
        self._fills[key] = fill
        self.stats.fills += 1
        return Filler(self, fill)

    def in_progress(self, key: bytes) -> bool:
        """Whether a fill for ``key`` is admitting followers."""
        return key in self._fills

    def __len__(self) -> int:
        return len(self._fills)

    def _release(self, fill: _Fill[H]) -> None:
        fill.released = True
        if self._fills.get(fill.key) is fill:
            del self._fills[fill.key]


class Filler(Generic[H]):
    """The handle of the caller that goes to the origin; publishes what it receives.

    Use it as a context manager: leaving the block without :meth:`finish` or
    :meth:`uncacheable` fails the fill, so followers are never left waiting.
    """

    is_filler = True

    def __init__(self, owner: Collapser[H], fill: _Fill[H]) -> None:
        """Built by :meth:`Collapser.join`."""
        self._owner = owner
        self._fill = fill

    @property
    def key(self) -> bytes:
        """The cache key being filled."""
        return self._fill.key

    def publish_head(self, head: H) -> None:
        """Share the response head; followers waiting in :meth:`Follower.head` get it.

        Raises:
            ValueError: ``head`` is None, which followers would read as "go to the origin".
            RuntimeError: A head was already published or the fill has ended.
        """
        if head is None:
            raise ValueError(f"head for cache key {self._fill.key[:80]!r} must not be None")
        fill = self._fill
        if fill.state is not FillState.WAITING:
            state = fill.state.value
            raise RuntimeError(f"head published in state {state} for cache key {fill.key[:80]!r}")
        fill.head = head
        fill.state = FillState.STREAMING
        fill.last_progress = fill.loop.time()
        fill.watchdog = fill.loop.call_later(self._owner.wait_timeout, self._check_stall)
        fill.notify()

    def publish(self, chunk: bytes) -> None:
        """Share one body chunk (after the head); ignored once the fill has ended.

        Raises:
            RuntimeError: No head was published yet.
        """
        fill = self._fill
        if fill.state is not FillState.STREAMING:
            if fill.state is FillState.WAITING:
                raise RuntimeError(f"chunk published before the head for {fill.key[:80]!r}")
            # The followers gave up (stall) or the fill ended; the filler's response goes on.
            return
        if not chunk:
            return
        fill.chunks.append(chunk)
        fill.buffered += len(chunk)
        fill.last_progress = fill.loop.time()
        if fill.buffered > self._owner.max_buffer_bytes:
            self._owner._release(fill)
        if fill.end % TRIM_EVERY == 0:
            fill.trim()
        fill.notify()

    def finish(self) -> None:
        """Mark the body complete."""
        self._end(FillState.DONE, "")

    def uncacheable(self) -> None:
        """Declare the response not shareable.

        Before the head, every follower is released at once to go to the origin itself. After
        it, followers already streaming finish the same bytes, and the key is freed for new
        requests.
        """
        if self._fill.state is FillState.STREAMING:
            self._owner._release(self._fill)
            return
        self._end(FillState.UNCACHEABLE, "response is not shareable")

    def fail(self, reason: str) -> None:
        """End the fill in failure (origin unreachable, body cut short)."""
        self._end(FillState.FAILED, reason)

    def __enter__(self) -> Filler[H]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        fill = self._fill
        if fill.state in ENDED:
            return
        if exc is None and fill.state is FillState.WAITING:
            self.uncacheable()
            return
        reason = "filler left without finishing" if exc is None else f"filler raised {exc!r}"
        self.fail(reason)

    def _end(self, state: FillState, reason: str) -> None:
        fill = self._fill
        if fill.state in ENDED:
            return
        fill.state = state
        fill.reason = reason
        if fill.watchdog is not None:
            fill.watchdog.cancel()
        self._owner._release(fill)
        fill.notify()

    def _check_stall(self) -> None:
        # One timer per fill bounds the wait between chunks for every follower at once,
        # instead of a timer per follower per chunk.
        fill = self._fill
        if fill.state is not FillState.STREAMING:
            return
        timeout = self._owner.wait_timeout
        idle = fill.loop.time() - fill.last_progress
        if idle >= timeout:
            self._end(FillState.FAILED, f"no data for {timeout} s")
        else:
            fill.watchdog = fill.loop.call_later(timeout - idle, self._check_stall)


class Follower(Generic[H]):
    """The handle of a caller waiting on someone else's fill."""

    is_filler = False

    def __init__(self, owner: Collapser[H], fill: _Fill[H]) -> None:
        """Built by :meth:`Collapser.join`."""
        self._owner = owner
        self._fill = fill
        self._position = fill.base  # the next chunk this follower reads
        fill.readers.add(self)

    @property
    def key(self) -> bytes:
        """The cache key being filled."""
        return self._fill.key

    async def head(self) -> H | None:
        """Wait (bounded) for the head; None means "go to the origin yourself"."""
        fill = self._fill
        if fill.state is FillState.WAITING:
            try:
                async with asyncio.timeout(self._owner.wait_timeout):
                    while fill.state is FillState.WAITING:
                        await fill.changed.wait()
            except TimeoutError:
                pass
        if fill.head is None:
            self._owner.stats.fallbacks += 1
            fill.readers.discard(self)
        return fill.head

    async def body(self) -> AsyncIterator[bytes]:
        """Yield the body from its first byte, as the filler publishes it.

        Raises:
            FillError: The filler failed, or published nothing for ``wait_timeout`` seconds.
        """
        fill = self._fill
        if fill.state is FillState.WAITING and await self.head() is None:
            raise FillError(fill.key, fill.reason or "no head within the bounded wait")
        try:
            while True:
                while self._position < fill.end:
                    chunk = fill.chunks[self._position - fill.base]
                    self._position += 1
                    yield chunk
                if fill.state is FillState.DONE:
                    return
                if fill.state is not FillState.STREAMING:
                    raise FillError(fill.key, fill.reason or fill.state.value)
                # Bounded by the fill's stall timer, which ends the fill when the filler stops.
                await fill.changed.wait()
        finally:
            fill.readers.discard(self)
