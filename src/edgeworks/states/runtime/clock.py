"""Clocks the runtime reads and sleeps on.

Every wait in the runtime (Wait states, retry back-off, task and execution time limits) goes
through a clock, so that tests drive time with :class:`ManualClock` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time in epoch seconds, and sleeping until a moment."""

    def now(self) -> float:
        """Return the current time in epoch seconds."""
        ...

    async def sleep_until(self, when: float) -> None:
        """Return once ``now()`` has reached ``when``."""
        ...


class SystemClock:
    """The real time of the machine."""

    def now(self) -> float:
        """Return ``time.time()``."""
        return time.time()

    async def sleep_until(self, when: float) -> None:
        """Sleep on the event loop until ``when``."""
        while (left := when - time.time()) > 0:
            await asyncio.sleep(left)


class ManualClock:
    """A clock that moves only when told to; safe to advance from another thread.

    Args:
        start: The time it reads at first, in epoch seconds.
    """

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        """Return the time last set."""
        return self._now

    async def sleep_until(self, when: float) -> None:
        """Wait until the clock is advanced to ``when`` or beyond."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if when <= self._now:
                return
            heapq.heappush(self._sleepers, (when, next(self._order), future))
        await future

    def advance(self, seconds: float) -> None:
        """Move the clock forward and wake every sleeper that is now due."""
        with self._lock:
            self._now += seconds
            due = []
            while self._sleepers and self._sleepers[0][0] <= self._now:
                due.append(heapq.heappop(self._sleepers)[2])
        for future in due:
            future.get_loop().call_soon_threadsafe(_wake, future)

    def pending(self) -> list[float]:
        """Return the due times of every sleeper still waiting, earliest first."""
        with self._lock:
            return sorted(when for when, _, f in self._sleepers if not f.done())


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
