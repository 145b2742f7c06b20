"""Map runs of distributed Map states, and the counts of their child executions."""

from __future__ import annotations

from edgeworks.states.store.records import MapRunRecord
from edgeworks.states.store.sqlite import Store

_COLUMNS = (
    "arn, execution_arn, machine_arn, status, started, stopped, max_concurrency,"
    " tolerated_percentage, tolerated_count"
)
# Execution statuses as the map run's counts name them.
_COUNTED = {
    "RUNNING": "running",
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "TIMED_OUT": "timedOut",
    "ABORTED": "aborted",
}


class MapRuns:
    """Records map runs beside the executions of a store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, run: MapRunRecord) -> None:
        """Record a map run when it starts; a replayed start keeps the first record."""
        self._store.execute(
            f"INSERT OR IGNORE INTO map_runs ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
            (run.arn, run.execution_arn, run.machine_arn, run.status, run.started, run.stopped,
             run.max_concurrency, run.tolerated_percentage, run.tolerated_count),
        )  # fmt: skip

    def end(self, arn: str, status: str, stopped: float) -> None:
        """Record how a running map run ended."""
        self._store.execute(
            "UPDATE map_runs SET status = ?, stopped = ? WHERE arn = ? AND status = 'RUNNING'",
            (status, stopped, arn),
        )

    def update(self, arn: str, concurrency: int, percentage: float, count: int) -> None:
        """Change a map run's limits."""
        self._store.execute(
            "UPDATE map_runs SET max_concurrency = ?, tolerated_percentage = ?,"
            " tolerated_count = ? WHERE arn = ?",
            (concurrency, percentage, count, arn),
        )

    def get(self, arn: str) -> MapRunRecord | None:
        """Return a map run."""
        row = self._store.execute(
            f"SELECT {_COLUMNS} FROM map_runs WHERE arn = ?", (arn,)
        ).fetchone()
        return MapRunRecord(*row) if row else None

    def of_execution(
        self, execution_arn: str, after: int, limit: int
    ) -> list[tuple[int, MapRunRecord]]:
        """Return a page of an execution's map runs in start order."""
        rows = self._store.execute(
            f"SELECT seq, {_COLUMNS} FROM map_runs WHERE execution_arn = ? AND seq > ?"
            " ORDER BY seq LIMIT ?",
            (execution_arn, after, limit),
        )
        return [(r[0], MapRunRecord(*r[1:])) for r in rows]

    def counts(self, arn: str) -> dict[str, int]:
        """Return the child executions of a map run by status, with their total."""
        found = dict.fromkeys(("pending", *_COUNTED.values(), "total", "resultsWritten"), 0)
        rows = self._store.execute(
            "SELECT status, COUNT(*) FROM executions WHERE map_run = ? GROUP BY status", (arn,)
        )
        for status, count in rows:
            found[_COUNTED.get(status, "failed")] += count
            found["total"] += count
        return found
