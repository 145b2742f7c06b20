"""The node's own paths, answered before a request reaches the pipeline.

:class:`NodeApp` wraps the pipeline's ``App``: a GET or HEAD of ``/.edgeworks/stats``
(:data:`~edgeworks.edge.metrics.STATS_PATH`) is answered with the node's counters as JSON; every
other request goes to the pipeline unchanged. ``handle`` is the pipeline's own bound method, so
only the synchronous fast path pays for the check, one comparison of bytes.

Requests to the reserved path are not counted and not logged, so that watching the counters
does not move them.
"""

from __future__ import annotations

from collections.abc import Sequence

from edgeworks.edge.metrics import STATS_PATH, Metrics, stats_body
from edgeworks.http.server import App, Request


class NodeApp:
    """An ``App`` that answers the reserved paths and passes the rest to ``edge``.

    Args:
        edge: The pipeline.
        metrics: The counters served at the stats path.
        node_name: The node's name, reported with the counters.
        started: When the node started, in seconds since the epoch.
    """

    def __init__(self, edge: App, metrics: Metrics, node_name: str, started: float) -> None:
        self.edge = edge
        self.handle = edge.handle
        self._edge_now = edge.respond_now
        self._metrics = metrics
        self.node_name = node_name
        self._started = started

    def respond_now(self, request: Request) -> Sequence[bytes] | None:
        """Answer the stats path at once; offer anything else to the pipeline's fast path."""
        if request.path == STATS_PATH and request.method in ("GET", "HEAD"):
            return self._stats(request)
        return self._edge_now(request)

    def _stats(self, request: Request) -> list[bytes]:
        body = stats_body(self._metrics, self.node_name, self._started)
        connection = b"keep-alive" if request.keep_alive else b"close"
        head = (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"cache-control: no-store\r\ncontent-length: %d\r\nconnection: %s\r\n\r\n"
            % (len(body), connection)
        )
        return [head] if request.method == "HEAD" else [head, body]
