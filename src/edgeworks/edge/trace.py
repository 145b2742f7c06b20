"""The one place a finished request is reported: counters and the access-log line.

The pipeline calls :meth:`Tracer.request_done` once per request, after its last byte, and
:meth:`Tracer.origin_error` when an origin fails. The tracer feeds the node's counters and its
access log, so the two always agree.
"""

from __future__ import annotations

import time

from edgeworks.edge.accesslog import AccessLog, line_middle
from edgeworks.edge.metrics import Metrics


class Tracer:
    """Feeds one worker's counters and access log from finished requests.

    Args:
        metrics: The worker's counters.
        access_log: Where request lines go, or None when the access log is off.
    """

    __slots__ = ("access_log", "metrics")

    def __init__(self, metrics: Metrics | None = None, access_log: AccessLog | None = None):
        self.metrics = metrics if metrics is not None else Metrics()
        self.access_log = access_log

    def request_done(
        self,
        *,
        client: str,
        method: str | bytes,
        host: str | bytes,
        target: str | bytes,
        status: int,
        bytes_in: int,
        bytes_out: int,
        result: str,
        origin_time: float | None,
        total_time: float,
    ) -> None:
        """Report one finished request.

        Args:
            client: The viewer's address.
            method: The request method.
            host: The viewer's ``Host`` header (empty when absent).
            target: The request target, path and query string.
            status: The status code sent.
            bytes_in: Request body bytes received.
            bytes_out: Response bytes sent, head included.
            result: ``Hit``, ``RefreshHit``, ``Miss``, ``Error`` or ``Pass``.
            origin_time: Seconds waiting for the origin, or None when it was not asked.
            total_time: Seconds from the request's arrival to its last byte.
        """
        self.metrics.request(status, result, bytes_in, bytes_out)
        log = self.access_log
        if log is not None:
            entry = (time.time(), client, method, host, target, status, bytes_out, result)
            log.add((*entry, origin_time, total_time))

    def origin_error(self) -> None:
        """Count an origin failure (refused, reset, timed out, bad response)."""
        self.metrics.origin_error()

    def prepare(
        self,
        *,
        client: str,
        method: str | bytes,
        host: str | bytes,
        target: str | bytes,
        status: int,
        bytes_out: int,
        result: str,
        origin_asked: bool = False,
    ) -> Prepared:
        """Make the report of an answer that repeats ready once (no body in).

        Arguments as :meth:`request_done`; :meth:`Prepared.done` then reports one request,
        with the origin's time of each when ``origin_asked``.
        """
        log = self.access_log
        middle = None
        if log is not None:
            middle = line_middle(
                client=client,
                method=method,
                host=host,
                target=target,
                status=status,
                bytes_sent=bytes_out,
                result=result,
                origin_asked=origin_asked,
            )
        return Prepared(self, client, (status, bytes_out, result), middle, origin_asked)


class Prepared:
    """The report of a repeated answer, made ready by :meth:`Tracer.prepare`."""

    __slots__ = ("bytes_out", "client", "middle", "origin_asked", "result", "status", "tracer")

    def __init__(
        self,
        tracer: Tracer,
        client: str,
        answer: tuple[int, int, str],
        middle: bytes | None,
        origin_asked: bool = False,
    ) -> None:
        self.tracer = tracer
        self.client = client
        self.status, self.bytes_out, self.result = answer
        self.middle = middle
        self.origin_asked = origin_asked

    def done(self, finished: float, total_time: float, origin_time: float = 0.0) -> None:
        """Report one more request answered this way, finished at ``finished``.

        ``origin_time`` is the origin's part of it, for a report made with ``origin_asked``.
        """
        tracer = self.tracer
        tracer.metrics.request(self.status, self.result, 0, self.bytes_out)
        log = tracer.access_log
        if log is not None and self.middle is not None:
            asked = origin_time if self.origin_asked else None
            log.add_line(finished, self.middle, total_time, asked)
