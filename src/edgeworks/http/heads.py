"""Request heads seen before, replayed without parsing them again.

Viewers repeat themselves: a client fetching the same object sends the same request head byte
for byte. When one read from a connection held exactly one complete request without a body,
the server keeps what parsing it produced, keyed by those bytes. A later read with the same
bytes at a request boundary is the same request, so it is rebuilt from the kept fields instead
of going through the parser and the checks again; every check already passed on these bytes.
The memo is shared by the connections of one server and bounded in entries and entry size.
"""

from __future__ import annotations

from edgeworks.http.headers import Headers
from edgeworks.http.request import EMPTY_BODY, Request

MAX_HEAD = 4096
CAPACITY = 1024


class _Seen:
    """The parse of one request head."""

    __slots__ = ("headers", "keep_alive", "method", "target", "version")

    def __init__(self, request: Request) -> None:
        self.method = request.method
        self.target = request.target
        self.version = request.version
        self.headers = tuple(request.headers)
        self.keep_alive = request.keep_alive


class SeenHeads:
    """A bounded memo from the exact bytes of a bodiless request to its parse."""

    def __init__(self) -> None:
        self._seen: dict[bytes, _Seen] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def remember(self, data: bytes, request: Request) -> None:
        """Keep the parse of ``data``, which held exactly ``request`` and nothing else."""
        if len(data) > MAX_HEAD:
            return
        if len(self._seen) >= CAPACITY:
            self._seen.clear()  # cheaper than tracking use; hot heads return at once
        self._seen[data] = _Seen(request)

    def replay(
        self, data: bytes, client: tuple[str, int], scheme: str, arrived: float, draining: bool
    ) -> Request | None:
        """Return a fresh request for ``data`` if these exact bytes were seen, else None."""
        if len(data) > MAX_HEAD:
            return None  # never kept, and not worth hashing
        seen = self._seen.get(data)
        if seen is None:
            return None
        headers: Headers = list(seen.headers)
        return Request(
            seen.method,
            seen.target,
            seen.version,
            headers,
            client,
            keep_alive=seen.keep_alive and not draining,
            body=EMPTY_BODY,
            scheme=scheme,
            arrived=arrived,
        )
