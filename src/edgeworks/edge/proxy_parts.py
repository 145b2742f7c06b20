"""Small parts of the edge pipeline: the request's outcome, bodies, interim responses.

Kept apart from ``edgeworks.edge.proxy`` so that the pipeline reads as its states.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from edgeworks.cache import Lookup
from edgeworks.http.headers import Headers
from edgeworks.http.request import Request
from edgeworks.http.response import Response
from edgeworks.http.status import reason_phrase

# Request bodies up to this size are read whole, so the origin gets a Content-Length and the
# request can be retried on a stale pooled connection; larger ones stream chunked.
_BUFFERED_BODY = 64 * 1024


@dataclass(slots=True)
class Outcome:
    """What the access log and counters learn about one request."""

    status: int = 0
    result: str = "Error"
    origin_time: float | None = None


def release(found: Lookup | None) -> None:
    """Close the disk file a lookup opened, if any (memory entries hold none)."""
    if found is not None and found.entry is not None:
        found.entry.close()


async def request_body(request: Request) -> bytes | AsyncIterator[bytes] | None:
    """Return the viewer's body as the origin client takes it: none, whole, or a stream."""
    length = request.body.length
    if length == 0:
        return None
    if length is not None and length <= _BUFFERED_BODY:
        return await request.body.read(length)
    return request.body


def interim_relay(response: Response | None) -> Callable[[int, Headers], None] | None:
    """Relay 1xx interim responses such as 103 Early Hints to the viewer (RFC 9110 §15.2)."""
    if response is None:
        return None
    viewer = response

    def relay(status: int, headers: Headers) -> None:
        """Write one interim response to the viewer."""
        viewer.write_interim(status, reason_phrase(status), headers)

    return relay
