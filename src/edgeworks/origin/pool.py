"""A bounded pool of keep-alive connections to one origin.

At most ``max_connections`` connections are open or opening at once. A request takes the most
recently used idle connection (LIFO: it is the likeliest to be alive, and the least used ones
age out), else opens a new one, else waits in line for the next free connection, no longer
than the connect timeout. Idle connections close after ``keepalive_timeout`` (CloudFront:
OriginKeepaliveTimeout). Opening tries ``connection_attempts`` times, each bounded by
``connect_timeout`` (CloudFront: ConnectionAttempts x ConnectionTimeout).

The origin's host name is resolved again for each new connection; nothing is cached between
them, so a busy pool that keeps its connections rarely resolves at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections import deque
from dataclasses import dataclass

from edgeworks.config.model import Origin
from edgeworks.origin.connection import KnownHead, OriginConnection
from edgeworks.origin.errors import OriginError, OriginTimeout
from edgeworks.origin.framing import Prepared
from edgeworks.origin.sink import Control, ResponseSink

log = logging.getLogger(__name__)

_CONNECT = "OriginConnectError"

# A waiter is handed a pooled connection, or None: a free slot it may open a connection in.
_Handoff = OriginConnection | None


@dataclass(frozen=True, slots=True)
class PoolStats:
    """Counters of one origin's pool.

    Attributes:
        connections_opened: Connections opened since the pool was made.
        requests: Requests sent, retries included.
        idle: Connections open and waiting for a request right now.
    """

    connections_opened: int
    requests: int
    idle: int


class Pool:
    """Keep-alive connections to one origin (see the module docstring for the rules)."""

    def __init__(self, origin: Origin, tls: ssl.SSLContext | None) -> None:
        self.origin = origin
        self.name = origin.id
        self.prepared = Prepared(origin)
        self.heads: dict[bytes, KnownHead] = {}
        self.opened = 0
        self.requests = 0
        self._tls = tls if origin.scheme == "https" else None
        self._idle: list[OriginConnection] = []
        self._all: set[OriginConnection] = set()
        self._waiters: deque[asyncio.Future[_Handoff]] = deque()
        self._open = 0
        self._closing = False
        self._sweeper: asyncio.TimerHandle | None = None
        self._drained: asyncio.Event | None = None

    def stats(self) -> PoolStats:
        """Return the pool's counters."""
        return PoolStats(self.opened, self.requests, len(self._idle))

    async def acquire(self, fresh: bool = False) -> OriginConnection:
        """Return a connection for one exchange: pooled unless ``fresh``, new, or waited for.

        Raises:
            OriginError: Every connection attempt was refused or failed (502).
            OriginTimeout: Connecting, or waiting for a free connection, took too long (504).
        """
        if self._closing:
            raise OriginError("origin client is closed", detail=self.name)
        if not fresh:
            conn = self.take_idle()
            if conn is not None:
                return conn
        if self._open < self.origin.max_connections:
            self._open += 1
            return await self._open_reserved()
        return await self._wait()

    def release(self, conn: OriginConnection) -> None:
        """Take back a connection after a clean exchange: hand it on, or keep it idle."""
        if self._closing:
            conn.abandon()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        loop = conn.loop  # asking asyncio for the running loop costs a system call
        conn.idle_since = loop.time()
        self._idle.append(conn)
        if self._sweeper is None:
            self._sweeper = loop.call_at(
                conn.idle_since + self.origin.keepalive_timeout, self._sweep
            )

    def forget(self, conn: OriginConnection) -> None:
        """Drop a closed connection and give its slot to the next waiter."""
        if conn in self._all:
            self._all.discard(conn)
            if conn in self._idle:
                self._idle.remove(conn)
            self._open -= 1
            self._pass_slot()
        if self._drained is not None and not self._all:
            self._drained.set()

    async def aclose(self, grace: float = 0.0) -> None:
        """Refuse new requests, close idle connections, then the busy ones.

        Args:
            grace: Seconds that exchanges in flight may take to finish before their connections
                are cut (they fail with a 502 then); 0 cuts them at once.
        """
        self._closing = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(OriginError("origin client is closed", detail=self.name))
        self._waiters.clear()
        while self._idle:
            self._idle.pop().abandon()

        if grace > 0 and self._all:
            # release() closes each busy connection as its exchange ends; forget() reports
            # when none is left.
            self._drained = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace):
                    await self._drained.wait()
        for conn in list(self._all):
            conn.shut()
        # Let the transports run their close callbacks before the loop may stop.
        await asyncio.sleep(0)

    def start(self, head: bytes, head_only: bool, sink: ResponseSink) -> Control | None:
        """Send a bodiless request on an idle connection, in callback mode (``OriginClient``).

        Returns the connection's controls, or None when none was idle (nothing was sent).
        """
        conn = self.take_idle()
        if conn is None:
            return None
        self.requests += 1
        conn.start(head, head_only, sink)
        return conn

    def take_idle(self) -> OriginConnection | None:
        """Return the most recently used live idle connection, or None (LIFO)."""
        while self._idle:
            conn = self._idle.pop()
            transport = conn.transport
            if transport is not None and not transport.is_closing():
                return conn
        return None

    def _sweep(self) -> None:
        # The idle list is in release order, oldest first, so expiry only ever looks at its
        # head; one timer per pool replaces one per request.
        self._sweeper = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() - self.origin.keepalive_timeout
        idle = self._idle
        while idle and idle[0].idle_since <= deadline:
            idle.pop(0).abandon()
        if idle:
            due = idle[0].idle_since + self.origin.keepalive_timeout
            self._sweeper = loop.call_at(due, self._sweep)

    def _pass_slot(self) -> None:
        if self._open >= self.origin.max_connections:
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._open += 1
                waiter.set_result(None)
                return

    def _hand_back(self, handoff: _Handoff) -> None:
        if handoff is None:
            self._open -= 1
            self._pass_slot()
        else:
            self.release(handoff)

    async def _wait(self) -> OriginConnection:
        waiter: asyncio.Future[_Handoff] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        limit = self.origin.connect_timeout
        try:
            async with asyncio.timeout(limit):
                handoff = await waiter
        except (TimeoutError, asyncio.CancelledError) as exc:
            # A handoff may land in the same turn as the timeout: give it back, do not leak it.
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._hand_back(waiter.result())
            if isinstance(exc, TimeoutError):
                detail = f"{self.name}: all {self.origin.max_connections} busy for {limit:g}s"
                raise OriginTimeout("origin busy", detail, kind="OriginError") from None
            raise
        if handoff is None:
            return await self._open_reserved()
        if handoff.closed:
            # Closed between the handoff and this turn; its slot is already given back.
            return await self.acquire()
        return handoff

    async def _open_reserved(self) -> OriginConnection:
        """Open a connection in a slot already counted in ``_open``."""
        try:
            conn = await self._connect()
            if conn.closed:
                # Lost before it joined the pool, so forget() did not count it: fail here.
                raise OriginError("origin closed the connection", detail="right after connect")
        except BaseException:
            self._open -= 1
            self._pass_slot()
            raise
        self.opened += 1
        self._all.add(conn)
        if self._closing:
            # The pool closed while this connection was opening: it must not outlive it.
            conn.shut()
            raise OriginError("origin client is closed", detail=self.name)
        return conn

    async def _connect(self) -> OriginConnection:
        origin = self.origin
        loop = asyncio.get_running_loop()
        error: OriginError | None = None
        for attempt in range(1, max(1, origin.connection_attempts) + 1):
            try:
                async with asyncio.timeout(origin.connect_timeout):
                    _, conn = await loop.create_connection(
                        lambda: OriginConnection(self, origin.read_timeout),
                        origin.host,
                        origin.port,
                        ssl=self._tls,
                        server_hostname=origin.host if self._tls is not None else None,
                    )
                return conn
            except TimeoutError:
                detail = f"{origin.host}:{origin.port} silent for {origin.connect_timeout:g}s"
                error = OriginTimeout("origin connect timed out", detail, kind=_CONNECT)
            except OSError as exc:
                error = _connect_error(exc, f"{origin.host}:{origin.port}")
            log.debug("origin %s: connect attempt %d failed: %s", self.name, attempt, error)
        assert error is not None
        raise error


def _connect_error(exc: OSError, address: str) -> OriginError:
    """Translate a failed connect into the 502 a viewer sees."""
    detail = f"{address}: {exc}"
    if isinstance(exc, ConnectionRefusedError):
        return OriginError("origin refused the connection", detail, kind=_CONNECT)
    if isinstance(exc, socket.gaierror):
        return OriginError("origin host name did not resolve", detail, kind="OriginDnsError")
    if isinstance(exc, ssl.SSLError):
        return OriginError("TLS handshake with the origin failed", detail, kind=_CONNECT)
    return OriginError("origin could not be reached", detail, kind=_CONNECT)
