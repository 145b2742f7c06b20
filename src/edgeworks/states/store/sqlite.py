"""The workflow store on SQLite.

One connection, used from the event loop's thread only: each call is a short statement in
WAL mode, cheaper than handing it to a thread. Paging is by the row's sequence number, which
only grows, so a page token stays valid while rows are added.

History events and execution ends are committed in groups: what is recorded during one turn
of the event loop is written in one transaction at the end of that turn, and every read or
other write first writes what is pending, so readers always see every event appended before
they asked. A crash loses at most the events of the turn it interrupted, which no caller has
been told of.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from edgeworks.states.store.records import EventRecord, ExecutionRecord, MachineRecord
from edgeworks.states.store.schema import PRAGMAS, TABLES

_MACHINE_COLUMNS = (
    "arn, name, type, definition, role_arn, created, updated, revision_id, logging, tracing"
)
_OWNERS = frozenset({"machine_arn", "map_run", "version_arn", "alias_arn"})
_EXECUTION_COLUMNS = (
    "arn, machine_arn, name, status, input, started, definition, role_arn, machine_updated,"
    " revision_id, type, stopped, output, error, cause, map_run, version_arn, alias_arn,"
    " redrive_count, redrive_date"
)


class Store:
    """State machines, executions, histories, timers and tags in one SQLite file.

    Args:
        path: The database file, or ``":memory:"`` for a store that lives as long as the object.
    """

    def __init__(self, path: Path | str) -> None:
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        for statement in (*PRAGMAS, *TABLES):
            self._db.execute(statement)
        self._pending: list[tuple[Any, ...]] = []
        self._endings: list[tuple[Any, ...]] = []
        self._flush_scheduled = False

    def close(self) -> None:
        """Write pending events and close the connection."""
        self.flush()
        self._db.close()

    def flush(self) -> None:
        """Commit every history event and execution end recorded so far, in one transaction."""
        self._flush_scheduled = False
        if not self._pending and not self._endings:
            return
        rows, self._pending = self._pending, []
        endings, self._endings = self._endings, []
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO events"
                " (execution_arn, id, key, type, previous_id, timestamp, details)"
                " VALUES (?,?,?,?,?,?,?)",
                rows,
            )
            self._db.executemany(
                "UPDATE executions SET status=?, stopped=?, output=?, error=?, cause=?"
                " WHERE arn = ? AND status = 'RUNNING'",
                endings,
            )

    # State machines.

    def add_machine(self, machine: MachineRecord) -> bool:
        """Insert a machine; return False when its ARN is taken."""
        self.flush()
        try:
            self._db.execute(
                f"INSERT INTO machines ({_MACHINE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                _machine_row(machine),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def machine(self, arn: str) -> MachineRecord | None:
        """Return the machine with this ARN, if any."""
        self.flush()
        row = self._db.execute(
            f"SELECT {_MACHINE_COLUMNS} FROM machines WHERE arn = ?", (arn,)
        ).fetchone()
        return _machine_from(row) if row else None

    def replace_machine(self, machine: MachineRecord) -> None:
        """Overwrite the stored fields of an existing machine."""
        self.flush()
        row = _machine_row(machine)
        self._db.execute(
            "UPDATE machines SET name=?, type=?, definition=?, role_arn=?, created=?, updated=?,"
            " revision_id=?, logging=?, tracing=? WHERE arn = ?",
            (*row[1:], row[0]),
        )

    def delete_machine(self, arn: str) -> None:
        """Remove a machine, its versions, aliases and tags; its executions stay readable."""
        self.flush()
        with self._transaction():
            self._db.execute("DELETE FROM machines WHERE arn = ?", (arn,))
            self._db.execute("DELETE FROM tags WHERE resource_arn = ?", (arn,))
            self._db.execute("UPDATE versions SET deleted = 1 WHERE machine_arn = ?", (arn,))
            self._db.execute("DELETE FROM aliases WHERE machine_arn = ?", (arn,))

    def mark_deleting(self, arn: str) -> None:
        """Mark a machine DELETING until its running executions end."""
        self.flush()
        self._db.execute("INSERT OR IGNORE INTO deleting (machine_arn) VALUES (?)", (arn,))

    def deleting(self, arn: str) -> bool:
        """Whether a machine waits for its running executions before it goes."""
        self.flush()
        row = self._db.execute("SELECT 1 FROM deleting WHERE machine_arn = ?", (arn,)).fetchone()
        return row is not None

    def delete_if_drained(self, arn: str) -> None:
        """Delete a DELETING machine once none of its executions runs."""
        if not self.deleting(arn):
            return
        running = self._db.execute(
            "SELECT 1 FROM executions WHERE machine_arn = ? AND status = 'RUNNING' LIMIT 1", (arn,)
        ).fetchone()
        if running is None:
            self.delete_machine(arn)
            self._db.execute("DELETE FROM deleting WHERE machine_arn = ?", (arn,))

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """Run one statement after writing what is pending (for the store's sibling modules)."""
        self.flush()
        return self._db.execute(sql, args)

    def machines(self, after: int, limit: int) -> list[tuple[int, MachineRecord]]:
        """Return up to ``limit`` machines whose sequence number follows ``after``."""
        self.flush()
        rows = self._db.execute(
            f"SELECT seq, {_MACHINE_COLUMNS} FROM machines WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, limit),
        )
        return [(row[0], _machine_from(row[1:])) for row in rows]

    # Activities.

    def add_activity(self, arn: str, name: str, created: float) -> float:
        """Create an activity if it is new; return its creation time either way."""
        self.flush()
        self._db.execute(
            "INSERT OR IGNORE INTO activities (arn, name, created) VALUES (?,?,?)",
            (arn, name, created),
        )
        row = self._db.execute("SELECT created FROM activities WHERE arn = ?", (arn,)).fetchone()
        first: float = row[0]
        return first

    def activity(self, arn: str) -> tuple[str, float] | None:
        """Return an activity's name and creation time, if it exists."""
        self.flush()
        row = self._db.execute(
            "SELECT name, created FROM activities WHERE arn = ?", (arn,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def delete_activity(self, arn: str) -> None:
        """Remove an activity and its tags."""
        self.flush()
        self._db.execute("DELETE FROM activities WHERE arn = ?", (arn,))
        self._db.execute("DELETE FROM tags WHERE resource_arn = ?", (arn,))

    def activities(self, after: int, limit: int) -> list[tuple[int, str, str, float]]:
        """Return up to ``limit`` activities (seq, arn, name, created) following ``after``."""
        self.flush()
        rows = self._db.execute(
            "SELECT seq, arn, name, created FROM activities WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, limit),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    # Executions.

    def add_execution(self, execution: ExecutionRecord) -> bool:
        """Insert an execution; return False when its ARN is taken."""
        self.flush()
        try:
            self._db.execute(
                f"INSERT INTO executions ({_EXECUTION_COLUMNS})"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                _execution_row(execution),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def execution(self, arn: str) -> ExecutionRecord | None:
        """Return the execution with this ARN, if any."""
        self.flush()
        row = self._db.execute(
            f"SELECT {_EXECUTION_COLUMNS} FROM executions WHERE arn = ?", (arn,)
        ).fetchone()
        return ExecutionRecord(*row) if row else None

    def finish_execution(
        self,
        arn: str,
        *,
        status: str,
        stopped: float,
        output: str | None = None,
        error: str | None = None,
        cause: str | None = None,
    ) -> None:
        """Record how a running execution ended; an execution that already ended is kept.

        The change is committed with the history events of the same loop turn.
        """
        self._endings.append((status, stopped, output, error, cause, arn))
        self._schedule_flush()

    def redrive(self, arn: str, count: int, now: float) -> bool:
        """Set an ended execution running again as redrive ``count``; False if it was not
        FAILED, TIMED_OUT or ABORTED."""
        cursor = self.execute(
            "UPDATE executions SET status = 'RUNNING', stopped = NULL, output = NULL,"
            " error = NULL, cause = NULL, redrive_count = ?, redrive_date = ?"
            " WHERE arn = ? AND status IN ('FAILED', 'TIMED_OUT', 'ABORTED')",
            (count, now, arn),
        )
        return cursor.rowcount == 1

    def executions(
        self,
        owner: str,
        status: str | None,
        before: int,
        limit: int,
        *,
        by: str = "machine_arn",
        redriven: bool | None = None,
    ) -> list[tuple[int, ExecutionRecord]]:
        """Return a page of executions, newest first, older than ``before``.

        ``owner`` is the ARN found in column ``by``: ``machine_arn``, ``map_run``,
        ``version_arn`` or ``alias_arn``; ``redriven`` keeps only executions that were (True)
        or were not (False) redriven.
        """
        self.flush()
        if by not in _OWNERS:
            raise ValueError(f"executions cannot be listed by {by!r}")
        column = by
        sql = f"SELECT seq, {_EXECUTION_COLUMNS} FROM executions WHERE {column} = ? AND seq < ?"
        args: list[Any] = [owner, before]
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        if redriven is not None:
            sql += " AND redrive_count > 0" if redriven else " AND redrive_count = 0"
        rows = self._db.execute(sql + " ORDER BY seq DESC LIMIT ?", (*args, limit))
        return [(row[0], ExecutionRecord(*row[1:])) for row in rows]

    def running_executions(self) -> list[ExecutionRecord]:
        """Return every execution still RUNNING, oldest first."""
        self.flush()
        rows = self._db.execute(
            f"SELECT {_EXECUTION_COLUMNS} FROM executions WHERE status = 'RUNNING' ORDER BY seq"
        )
        return [ExecutionRecord(*row) for row in rows]

    # History.

    def append_events(self, execution_arn: str, events: Iterable[EventRecord]) -> None:
        """Append events to a history; they are committed at the end of this loop turn."""
        self._pending.extend(
            (execution_arn, e.id, e.key, e.type, e.previous_id, e.timestamp, json.dumps(e.details))
            for e in events
        )
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        loop.call_soon(self.flush)
        self._flush_scheduled = True

    def events(self, execution_arn: str) -> list[EventRecord]:
        """Return the whole history of an execution in id order."""
        self.flush()
        rows = self._db.execute(
            "SELECT id, key, type, previous_id, timestamp, details FROM events"
            " WHERE execution_arn = ? ORDER BY id",
            (execution_arn,),
        )
        return [EventRecord(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def events_page(
        self, execution_arn: str, after: int | None, limit: int, *, reverse: bool = False
    ) -> list[EventRecord]:
        """Return up to ``limit`` events following id ``after`` in id order (or before it,
        newest first, when ``reverse``); ``after`` None starts at the first (or last) event."""
        self.flush()
        if reverse:
            where, order, bound = "id < ?", "DESC", after if after is not None else 2**62
        else:
            where, order, bound = "id > ?", "ASC", after if after is not None else 0
        rows = self._db.execute(
            "SELECT id, key, type, previous_id, timestamp, details FROM events"
            f" WHERE execution_arn = ? AND {where} ORDER BY id {order} LIMIT ?",
            (execution_arn, bound, limit),
        )
        return [EventRecord(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def event(self, execution_arn: str, key: str) -> EventRecord | None:
        """Return the event a step wrote under ``key``, if any."""
        self.flush()
        row = self._db.execute(
            "SELECT id, key, type, previous_id, timestamp, details FROM events"
            " WHERE execution_arn = ? AND key = ?",
            (execution_arn, key),
        ).fetchone()
        return (
            EventRecord(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))
            if row
            else None
        )

    # Callbacks.

    def add_callback(self, execution_arn: str, key: str, outcome: dict[str, Any]) -> bool:
        """Keep the first outcome sent for a task; return False if one was kept before."""
        self.flush()
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO callbacks (execution_arn, key, outcome) VALUES (?,?,?)",
            (execution_arn, key, json.dumps(outcome)),
        )
        return cursor.rowcount == 1

    def callback(self, execution_arn: str, key: str) -> dict[str, Any] | None:
        """Return the outcome sent for a task, if any."""
        self.flush()
        row = self._db.execute(
            "SELECT outcome FROM callbacks WHERE execution_arn = ? AND key = ?",
            (execution_arn, key),
        ).fetchone()
        return json.loads(row[0]) if row else None

    # Timers.

    def timer(self, execution_arn: str, key: str, due: float) -> float:
        """Return the due time stored for a timer, storing ``due`` if it is new."""
        self.flush()
        self._db.execute(
            "INSERT OR IGNORE INTO timers (execution_arn, key, due) VALUES (?,?,?)",
            (execution_arn, key, due),
        )
        row = self._db.execute(
            "SELECT due FROM timers WHERE execution_arn = ? AND key = ?", (execution_arn, key)
        ).fetchone()
        stored: float = row[0]
        return stored

    # Tags.

    def tag(self, resource_arn: str, tags: dict[str, str]) -> None:
        """Add or overwrite tags on a resource."""
        self.flush()
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO tags (resource_arn, key, value) VALUES (?,?,?)",
                [(resource_arn, k, v) for k, v in tags.items()],
            )

    def untag(self, resource_arn: str, keys: Iterable[str]) -> None:
        """Remove tags from a resource; absent keys are ignored."""
        self.flush()
        with self._transaction():
            self._db.executemany(
                "DELETE FROM tags WHERE resource_arn = ? AND key = ?",
                [(resource_arn, k) for k in keys],
            )

    def tags(self, resource_arn: str) -> dict[str, str]:
        """Return a resource's tags in key order."""
        self.flush()
        rows = self._db.execute(
            "SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY key", (resource_arn,)
        )
        return dict(rows.fetchall())

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN ... COMMIT around a group of statements, ROLLBACK if one fails."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN")

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self._db.execute("ROLLBACK" if kind else "COMMIT")


def _machine_row(m: MachineRecord) -> tuple[Any, ...]:
    return (
        m.arn,
        m.name,
        m.type,
        m.definition,
        m.role_arn,
        m.created,
        m.updated,
        m.revision_id,
        json.dumps(m.logging),
        json.dumps(m.tracing),
    )


def _machine_from(row: tuple[Any, ...] | Any) -> MachineRecord:
    arn, name, kind, definition, role, created, updated, revision, logging, tracing = row
    return MachineRecord(
        arn,
        name,
        kind,
        definition,
        role,
        created,
        updated,
        revision,
        logging=json.loads(logging),
        tracing=json.loads(tracing),
    )


def _execution_row(e: ExecutionRecord) -> tuple[Any, ...]:
    return (
        e.arn,
        e.machine_arn,
        e.name,
        e.status,
        e.input,
        e.started,
        e.definition,
        e.role_arn,
        e.machine_updated,
        e.revision_id,
        e.type,
        e.stopped,
        e.output,
        e.error,
        e.cause,
        e.map_run,
        e.version_arn,
        e.alias_arn,
        e.redrive_count,
        e.redrive_date,
    )
