"""The one place a finished request is reported: counters and the access-log line.

The pipeline calls :meth:`Tracer.request_done` once per request, after its last byte, and
:meth:`Tracer.origin_error` when an origin fails. The tracer feeds the node's counters and its
access log, so the two always agree.
"""

from __future__ import annotations

import time

from edgeworks.edge.accesslog import AccessLog
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
