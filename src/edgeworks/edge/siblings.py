"""Invalidations passed between the workers of one node.

Each worker keeps its own memory tier and its own index of the disk files it stored, so an
unsafe request that one worker relays must reach the others too: RFC 9111 §4.4 asks the cache,
not one process of it, to invalidate. Before the workers start, the node makes one Unix
datagram socket pair per worker. Worker *i* reads the far end of pair *i*; every worker may
write to the near end of every pair. A datagram is whole or absent, so a message needs no
framing, and a worker that restarts inherits the same sockets from the supervisor.

A message carries what :meth:`edgeworks.cache.Cache.invalidate` takes: the method, the status,
the viewer's host and path, the ``Location`` and ``Content-Location`` fields of the response,
and the host sent to the origin. Each worker applies it to its own cache exactly as the sender
did to its own. Delivery is best effort: a sibling whose socket buffer is full misses the
message (logged), and its copies then age out as they would have without it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass

from edgeworks.http.headers import Headers

log = logging.getLogger(__name__)

# The response fields RFC 9111 §4.4 reads besides the target: nothing else is sent.
_LOCATIONS = (b"location", b"content-location")
# A datagram past this size is not sent (a Location this long is not a real one).
MAX_MESSAGE = 60 * 1024


@dataclass(frozen=True, slots=True)
class Invalidation:
    """What one worker invalidated, for the others to do the same (RFC 9111 §4.4)."""

    method: str
    status: int
    host: bytes
    path: bytes
    fields: Headers
    origin_host: bytes | None

    @classmethod
    def of(
        cls,
        method: str,
        status: int,
        host: bytes,
        path: bytes,
        response_headers: Headers,
        *,
        origin_host: bytes | None,
    ) -> Invalidation:
        """Keep only what invalidation reads from a relayed response."""
        fields = [(name, value) for name, value in response_headers if name in _LOCATIONS]
        return cls(method, status, host, path, fields, origin_host)

    def encode(self) -> bytes:
        """Return the datagram for this invalidation."""
        document = [
            self.method,
            self.status,
            self.host.decode("latin-1"),
            self.path.decode("latin-1"),
            [[name.decode("latin-1"), value.decode("latin-1")] for name, value in self.fields],
            None if self.origin_host is None else self.origin_host.decode("latin-1"),
        ]
        return json.dumps(document, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> Invalidation:
        """Read a datagram written by :meth:`encode`; ValueError when it is not one."""
        try:
            method, status, host, path, fields, origin_host = json.loads(data)
            return cls(
                str(method),
                int(status),
                host.encode("latin-1"),
                path.encode("latin-1"),
                [(name.encode("latin-1"), value.encode("latin-1")) for name, value in fields],
                None if origin_host is None else origin_host.encode("latin-1"),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"not an invalidation message: {data[:80]!r}") from exc


class Siblings:
    """The sockets that join the workers of one node; made before the workers start.

    Args:
        workers: How many workers the node runs.
    """

    def __init__(self, workers: int) -> None:
        self._pairs = [
            socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM) for _ in range(workers)
        ]
        for near, far in self._pairs:
            near.setblocking(False)
            far.setblocking(False)

    def link(self, index: int) -> SiblingLink:
        """Return worker ``index``'s end: it reads its own pair and writes to the others."""
        others = [near for number, (near, _) in enumerate(self._pairs) if number != index]
        return SiblingLink(self._pairs[index][1], others)

    def close(self) -> None:
        """Close every socket of this process's copy."""
        for near, far in self._pairs:
            near.close()
            far.close()


class SiblingLink:
    """One worker's end: tell the others what it invalidated, hear what they did."""

    def __init__(self, inbox: socket.socket, others: list[socket.socket]) -> None:
        self._inbox = inbox
        self._others = others
        self._loop: asyncio.AbstractEventLoop | None = None

    def tell(self, invalidation: Invalidation) -> None:
        """Send ``invalidation`` to every other worker, without waiting."""
        data = invalidation.encode()
        if len(data) > MAX_MESSAGE:
            log.warning("invalidation of %r not passed on: %d bytes", invalidation.path, len(data))
            return
        for sock in self._others:
            try:
                sock.send(data)
            except OSError as exc:  # full (BlockingIOError) or gone: the copies age out instead
                log.warning("invalidation of %r not passed on: %s", invalidation.path, exc)

    def listen(
        self, loop: asyncio.AbstractEventLoop, apply: Callable[[Invalidation], None]
    ) -> None:
        """Call ``apply`` on ``loop`` for every invalidation the other workers send."""
        self._loop = loop
        loop.add_reader(self._inbox.fileno(), self._receive, apply)

    def close(self) -> None:
        """Stop listening."""
        if self._loop is not None:
            self._loop.remove_reader(self._inbox.fileno())
            self._loop = None

    def _receive(self, apply: Callable[[Invalidation], None]) -> None:
        while True:
            try:
                data = self._inbox.recv(MAX_MESSAGE + 1)
            except BlockingIOError:
                return
            try:
                apply(Invalidation.decode(data))
            except ValueError as exc:
                log.warning("ignored a message from a sibling worker: %s", exc)
