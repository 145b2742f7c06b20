"""The node's own paths, answered instead of going to an origin.

:class:`NodeApp` wraps the pipeline's ``App``: a GET or HEAD of ``/.edgeworks/stats``
(:data:`~edgeworks.edge.metrics.STATS_PATH`) is answered with the node's counters as JSON; every
other request goes to the pipeline unchanged.

The check sits on the slow paths only (``handle``, and ``start_now``, which the pipeline's
relay uses). ``respond_now`` is the pipeline's own bound method, so a cache hit pays nothing for
the wrapper; the pipeline never stores the reserved path (it is never fetched), so a request for
it always reaches :meth:`NodeApp.handle`, where it is answered.

Requests to the reserved path are not counted and not logged, so that watching the counters
does not move them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from edgeworks.edge.metrics import STATS_PATH, Metrics, stats_body
from edgeworks.http.server import App, Request, Response

Refused = Callable[[tuple[str, int], int, str, int], None]
StartNow = Callable[[Request, Response], bool]

_STATS_FIELDS = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]


class NodeApp:
    """An ``App`` that answers the reserved paths and passes the rest to ``edge``.

    Args:
        edge: The pipeline.
        metrics: The counters served at the stats path.
        node_name: The node's name, reported with the counters.
        started: When the node started, in seconds since the epoch.
    """

    def __init__(self, edge: App, metrics: Metrics, node_name: str, started: float) -> None:
        self.respond_now: Callable[[Request], Sequence[bytes] | None] = edge.respond_now
        self.node_name = node_name
        self._edge_handle = edge.handle
        self._edge_start: StartNow | None = getattr(edge, "start_now", None)
        self._edge_refused: Refused | None = getattr(edge, "refused", None)
        self._metrics = metrics
        self._started = started

    def start_now(self, request: Request, response: Response) -> bool:
        """Let the pipeline relay a request from callbacks, unless it is for a reserved path."""
        if self._edge_start is None or request.path == STATS_PATH:
            return False
        return self._edge_start(request, response)

    async def handle(self, request: Request, response: Response) -> None:
        """Answer the stats path; hand anything else to the pipeline."""
        if request.path == STATS_PATH and request.method in ("GET", "HEAD"):
            body = stats_body(self._metrics, self.node_name, self._started)
            response.write_head(200, b"OK", _STATS_FIELDS, len(body))
            await response.write(body)
            return
        await self._edge_handle(request, response)

    def refused(self, client: tuple[str, int], status: int, reason: str, bytes_sent: int) -> None:
        """Pass a request the server refused on its own to the pipeline to log and count."""
        if self._edge_refused is not None:
            self._edge_refused(client, status, reason, bytes_sent)
