"""Small parts of the edge pipeline: outcome, bodies, interim responses, the edge's own answers.

Kept apart from ``edgeworks.edge.proxy`` so that the pipeline reads as its states.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from edgeworks.cache import Lookup
from edgeworks.edge.pipeline import (
    ERROR,
    LOOKUP_METHODS,
    REDIRECT,
    http_date,
    https_location,
    via,
)
from edgeworks.edge.trace import Tracer
from edgeworks.http.headers import Headers
from edgeworks.http.request import Request
from edgeworks.http.response import Response
from edgeworks.http.status import plain_response, reason_phrase

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


async def answer_error(response: Response, node_name: str, status: int, reason: str) -> None:
    """Write an error of the edge's own: a short text body, never stored, X-Cache: Error."""
    body = reason.encode("utf-8", "replace") + b"\n"
    fields = [
        (b"date", http_date(time.time())),
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"cache-control", b"no-store"),
        (b"via", via(node_name)),
        (b"x-cache", ERROR),
    ]
    response.write_head(status, reason_phrase(status), fields, len(body))
    await response.write(body)
    response.end()


def answer_failure(response: Response) -> None:
    """Answer 500 after a fault of the edge's own; cut the connection if the head is out."""
    if response.started:
        response.abort()
        return
    response.keep_alive = False
    response.write_raw([plain_response(500, "internal error")], 500)


def answer_redirect(request: Request, response: Response, node_name: str) -> None:
    """Send a plain-HTTP viewer to HTTPS: 301 for GET and HEAD, 307 otherwise (CloudFront)."""
    status = 301 if request.method in LOOKUP_METHODS else 307
    fields = [
        (b"date", http_date(time.time())),
        (b"location", https_location(request)),
        (b"via", via(node_name)),
        (b"x-cache", REDIRECT),
    ]
    response.write_head(status, reason_phrase(status), fields, 0)
    response.end()


def report(
    tracer: Tracer,
    request: Request,
    status: int,
    bytes_out: int,
    *,
    result: str,
    origin_time: float | None,
) -> None:
    """Report one finished request to the access log and the counters."""
    tracer.request_done(
        client=request.client[0],
        method=request.method,
        host=request.host,
        target=request.target,
        status=status,
        bytes_in=request.body.received,
        bytes_out=bytes_out,
        result=result,
        origin_time=origin_time,
        total_time=time.time() - request.arrived,
    )


def report_refused(tracer: Tracer, client: str, status: int, bytes_sent: int) -> None:
    """Report a request the server refused on its own (no method or target to show)."""
    tracer.request_done(
        client=client,
        method="-",
        host="",
        target="-",
        status=status,
        bytes_in=0,
        bytes_out=bytes_sent,
        result="Error",
        origin_time=None,
        total_time=0.0,
    )
