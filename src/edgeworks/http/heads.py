"""Request heads seen before, replayed without parsing them again.

Viewers repeat themselves: a client fetching the same object sends the same request head byte
for byte. When one read from a connection held exactly one complete request without a body,
the server keeps what parsing it produced, keyed by those bytes. A later read with the same
bytes at a request boundary is the same request, so it is rebuilt from the kept fields instead
of going through the parser and the checks again; every check already passed on these bytes.
The memo is shared by the connections of one server and bounded in entries and entry size.

An application may go one step further: when its synchronous answer to a request is a function
of the head alone for a while (a fresh cache hit), it hands the server a :class:`Replayable`
on ``request.replay``. The server keeps it beside the head, and the next read of the same bytes
on an idle connection is answered by the replayable without building a request at all. The
replayable decides, each time, whether its answer still holds; when it does not, the request
takes the ordinary path.

The same holds for answers driven from callbacks (``App.start_now``): an application that
took a request over may hand the server a :class:`Starter` on ``request.starter``, which knows
how to take over a repeat of the head without deciding again what depends on the head alone
(where it is routed, what is sent on). A repeat on an idle keep-alive connection then goes
straight to the starter, with a request rebuilt from the kept parse, before ``respond_now``.
The starter may answer it whole, as prepared bytes, without a response object; when it
declines, the request takes the ordinary path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from edgeworks.http.headers import Headers
from edgeworks.http.request import EMPTY_BODY, Request
from edgeworks.http.response import Response

MAX_HEAD = 4096
CAPACITY = 1024


class Replayable(Protocol):
    """An answer that an application promises to give again to the same request head."""

    def replay(self, client: str, arrived: float) -> Sequence[bytes] | None:
        """Return the complete response bytes for a repeat of the head, or None.

        Args:
            client: The viewer's address, for the application's own report of the request.
            arrived: ``time.time()`` when the bytes were read.

        None means the answer no longer holds: the request then takes the ordinary path. A
        replayable that returns bytes has reported the request itself (logs, counters).
        """
        ...


class Link(Protocol):
    """The viewer's connection, as a :class:`Starter` answers on it."""

    def respond(self) -> Response:
        """Return a response to the request taken over, to be written step by step."""
        ...

    def answer(self, data: bytes) -> bool:
        """Send a whole response, framed for an HTTP/1.1 connection kept open, and finish.

        Returns False, sending nothing, when the viewer has gone.
        """
        ...

    def lost(self) -> bool:
        """Whether the viewer has gone (nothing written reaches it any more)."""
        ...


class Starter(Protocol):
    """An application's way to take over repeats of one request head (``App.start_now``)."""

    def start(self, request: Request, link: Link) -> bool:
        """Take over ``request`` as ``start_now`` would, or return False to decline.

        The request is rebuilt from the kept head. The starter answers it, now or later,
        either whole with ``link.answer`` or through the response ``link.respond()`` gives.
        One that declines has answered nothing, and the request then goes to
        ``respond_now`` and on as any other.
        """
        ...


class Seen:
    """The parse of one request head, and the answer an application may replay for it."""

    __slots__ = ("headers", "keep_alive", "method", "replay", "starter", "target", "version")

    def __init__(self, request: Request) -> None:
        self.method = request.method
        self.target = request.target
        self.version = request.version
        self.headers = tuple(request.headers)
        self.keep_alive = request.keep_alive
        self.replay: Replayable | None = None
        self.starter: Starter | None = None
        self.keep(request)

    def rebuild(
        self, client: tuple[str, int], scheme: str, arrived: float, draining: bool
    ) -> Request:
        """Return a fresh request equal to the one these bytes held."""
        headers: Headers = list(self.headers)
        request = Request(
            self.method,
            self.target,
            self.version,
            headers,
            client,
            keep_alive=self.keep_alive and not draining,
            body=EMPTY_BODY,
            scheme=scheme,
            arrived=arrived,
        )
        request.seen = self
        return request

    def keep(self, request: Request) -> None:
        """Take the replayable or starter the application left while answering ``request``."""
        # Prepared bytes cannot promise HTTP/1.0 keep-alive (RFC 9112 §9.3): only a 1.1
        # connection that stays open can take a replayed answer and go on.
        if self.keep_alive and self.version == "1.1":
            self.replay = request.replay
            self.starter = request.starter


class SeenHeads:
    """A bounded memo from the exact bytes of a bodiless request to its parse."""

    def __init__(self) -> None:
        self._seen: dict[bytes, Seen] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def remember(self, data: bytes, request: Request) -> None:
        """Keep the parse of ``data``, which held exactly ``request`` and nothing else."""
        if len(data) > MAX_HEAD:
            return
        if len(self._seen) >= CAPACITY:
            self._seen.clear()  # cheaper than tracking use; hot heads return at once
        self._seen[data] = Seen(request)

    def find(self, data: bytes) -> Seen | None:
        """Return what was kept for these exact bytes, or None."""
        if len(data) > MAX_HEAD:
            return None  # never kept, and not worth hashing
        return self._seen.get(data)

    def clear(self) -> None:
        """Forget every head (the application changed: its replayables are void)."""
        self._seen.clear()
