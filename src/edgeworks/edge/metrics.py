"""Counters of an edge node: requests, bytes, cache results, status classes, origin errors.

The counters live in a table of 64-bit cells with one row per worker process. A node with one
worker keeps its table in private memory; a supervisor with several workers creates the table in
an anonymous shared mapping before it starts them, so each worker adds to its own row without
locks and any worker can answer a snapshot that sums every row. A restarted worker takes over its
row, so the totals survive a crash.

The hot path calls :meth:`Metrics.request` once per request and :meth:`Metrics.origin_error` when
an origin fails; both are a handful of integer additions. :func:`stats_body` renders a snapshot
as the JSON document served at :data:`STATS_PATH`.
"""

from __future__ import annotations

import json
import mmap
import os
import time

STATS_PATH = b"/.edgeworks/stats"
"""The reserved path at which a node answers its counters as JSON (GET or HEAD)."""

COUNTERS: tuple[str, ...] = (
    "requests",
    "bytes_in",
    "bytes_out",
    "result_hit",
    "result_refresh_hit",
    "result_miss",
    "result_error",
    "result_pass",
    "result_other",
    "status_1xx",
    "status_2xx",
    "status_3xx",
    "status_4xx",
    "status_5xx",
    "origin_errors",
)
"""Every counter name, in cell order; a snapshot has exactly these keys plus ``workers``."""

_CELL = 8  # bytes per counter: a signed 64-bit integer
_REQUESTS, _BYTES_IN, _BYTES_OUT = 0, 1, 2
_RESULT_CELLS = {
    # The cache results of CloudFront's x-edge-result-type, plus "Pass" for requests that the
    # behaviour or the response made uncacheable.
    "Hit": 3,
    "RefreshHit": 4,
    "Miss": 5,
    "Error": 6,
    "Pass": 7,
}
_RESULT_OTHER = 8
_STATUS_BASE = 9 - 1  # status class 1 maps to cell 9
_ORIGIN_ERRORS = 14


class CounterTable:
    """A table of counter rows, one per worker, in private or shared memory.

    Args:
        rows: How many workers write to the table.
        shared: Map the table so that forked children share it with their parent.
    """

    def __init__(self, rows: int = 1, *, shared: bool = False) -> None:
        if rows < 1:
            raise ValueError(f"a counter table needs at least one row, not {rows}")
        size = rows * len(COUNTERS) * _CELL
        self.rows = rows
        self._memory: mmap.mmap | bytearray = mmap.mmap(-1, size) if shared else bytearray(size)
        self._cells = memoryview(self._memory).cast("q")

    def metrics(self, row: int = 0) -> Metrics:
        """Return the counters that one worker increments (its row of the table)."""
        return Metrics(self, self.view(row))

    def view(self, row: int) -> memoryview:
        """Return the cells of one row."""
        if not 0 <= row < self.rows:
            raise ValueError(f"row {row} is outside a table of {self.rows} rows")
        width = len(COUNTERS)
        return self._cells[row * width : (row + 1) * width]

    def totals(self) -> dict[str, int]:
        """Return every counter summed over all rows."""
        width = len(COUNTERS)
        sums = [0] * width
        for row in range(self.rows):
            for index, value in enumerate(self._cells[row * width : (row + 1) * width]):
                sums[index] += value
        return dict(zip(COUNTERS, sums, strict=True))


class Metrics:
    """One worker's counters, with the cheap increment calls of the hot path.

    Build it with ``CounterTable(...).metrics(row)``, or ``Metrics()`` for a private table of
    one row.
    """

    __slots__ = ("_cells", "_table")

    def __init__(self, table: CounterTable | None = None, cells: memoryview | None = None) -> None:
        if table is None or cells is None:
            table = CounterTable()
            cells = table.view(0)
        self._table = table
        self._cells: memoryview = cells

    def request(self, status: int, result: str, bytes_in: int, bytes_out: int) -> None:
        """Count one finished request.

        Args:
            status: The status code sent to the viewer.
            result: The cache result: ``Hit``, ``RefreshHit``, ``Miss``, ``Error`` or ``Pass``;
                anything else is counted as ``result_other``.
            bytes_in: Request body bytes received from the viewer.
            bytes_out: Response bytes sent to the viewer, head included.
        """
        cells = self._cells
        cells[_REQUESTS] += 1
        cells[_BYTES_IN] += bytes_in
        cells[_BYTES_OUT] += bytes_out
        cells[_RESULT_CELLS.get(result, _RESULT_OTHER)] += 1
        status_class = status // 100
        if 1 <= status_class <= 5:
            cells[_STATUS_BASE + status_class] += 1

    def origin_error(self) -> None:
        """Count an origin that refused, reset, timed out or answered badly."""
        self._cells[_ORIGIN_ERRORS] += 1

    def snapshot(self) -> dict[str, int]:
        """Return every counter summed over all workers, plus the number of workers."""
        totals = self._table.totals()
        totals["workers"] = self._table.rows
        return totals


def stats_body(metrics: Metrics, node_name: str, started: float) -> bytes:
    """Render the JSON document answered at :data:`STATS_PATH`.

    Args:
        metrics: The answering worker's counters (the snapshot covers all workers).
        node_name: The node's name, as in its ``Via`` header.
        started: When the node started, in seconds since the epoch.
    """
    document = {
        "node": node_name,
        "pid": os.getpid(),
        "uptime_seconds": round(time.time() - started, 3),
        "counters": metrics.snapshot(),
    }
    return json.dumps(document, separators=(",", ":")).encode() + b"\n"
