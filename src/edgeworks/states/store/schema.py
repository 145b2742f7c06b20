"""The SQLite schema of the workflow store.

The history table is append-only and is the truth about an execution: the runtime rebuilds a
running execution from it after a restart. ``key`` is unique per execution so that a replayed
step finds the event it wrote before instead of writing it again. Timers (Wait states, retry
back-off) keep their due time here so that a restart honours the time first chosen.
"""

from __future__ import annotations

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # WAL with NORMAL survives a killed process; only a power loss may drop the last commits.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=OFF",
    "PRAGMA busy_timeout=5000",
)

TABLES = (
    """CREATE TABLE IF NOT EXISTS machines (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        definition TEXT NOT NULL,
        role_arn TEXT NOT NULL,
        created REAL NOT NULL,
        updated REAL NOT NULL,
        revision_id TEXT NOT NULL,
        logging TEXT NOT NULL,
        tracing TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS executions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        machine_arn TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        input TEXT NOT NULL,
        started REAL NOT NULL,
        definition TEXT NOT NULL,
        role_arn TEXT NOT NULL,
        machine_updated REAL NOT NULL,
        revision_id TEXT NOT NULL,
        type TEXT NOT NULL,
        stopped REAL,
        output TEXT,
        error TEXT,
        cause TEXT,
        map_run TEXT,
        version_arn TEXT,
        alias_arn TEXT,
        redrive_count INTEGER NOT NULL DEFAULT 0,
        redrive_date REAL
    )""",
    "CREATE INDEX IF NOT EXISTS executions_by_machine ON executions (machine_arn, seq)",
    "CREATE INDEX IF NOT EXISTS executions_by_status ON executions (status)",
    "CREATE INDEX IF NOT EXISTS executions_by_map_run ON executions (map_run, seq)",
    """CREATE TABLE IF NOT EXISTS events (
        execution_arn TEXT NOT NULL,
        id INTEGER NOT NULL,
        key TEXT NOT NULL,
        type TEXT NOT NULL,
        previous_id INTEGER NOT NULL,
        timestamp REAL NOT NULL,
        details TEXT NOT NULL,
        PRIMARY KEY (execution_arn, id)
    ) WITHOUT ROWID""",
    "CREATE UNIQUE INDEX IF NOT EXISTS events_by_key ON events (execution_arn, key)",
    """CREATE TABLE IF NOT EXISTS timers (
        execution_arn TEXT NOT NULL,
        key TEXT NOT NULL,
        due REAL NOT NULL,
        PRIMARY KEY (execution_arn, key)
    ) WITHOUT ROWID""",
    # The first SendTaskSuccess or SendTaskFailure for a task token, kept until the task
    # takes it, so that a callback that arrives while the execution is replaying is not lost.
    """CREATE TABLE IF NOT EXISTS callbacks (
        execution_arn TEXT NOT NULL,
        key TEXT NOT NULL,
        outcome TEXT NOT NULL,
        PRIMARY KEY (execution_arn, key)
    ) WITHOUT ROWID""",
    # Published versions are never removed, only marked deleted, so that numbers are not reused.
    """CREATE TABLE IF NOT EXISTS versions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        machine_arn TEXT NOT NULL,
        number INTEGER NOT NULL,
        definition TEXT NOT NULL,
        role_arn TEXT NOT NULL,
        revision_id TEXT NOT NULL,
        description TEXT,
        created REAL NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        UNIQUE (machine_arn, number)
    )""",
    """CREATE TABLE IF NOT EXISTS aliases (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        machine_arn TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        routing TEXT NOT NULL,
        created REAL NOT NULL,
        updated REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS map_runs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        execution_arn TEXT NOT NULL,
        machine_arn TEXT NOT NULL,
        status TEXT NOT NULL,
        started REAL NOT NULL,
        stopped REAL,
        max_concurrency INTEGER NOT NULL,
        tolerated_percentage REAL NOT NULL,
        tolerated_count INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS map_runs_by_execution ON map_runs (execution_arn, seq)",
    """CREATE TABLE IF NOT EXISTS activities (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        created REAL NOT NULL
    )""",
    # Step Functions API, DeleteStateMachine: a machine with running executions is DELETING
    # until the last of them ends.
    """CREATE TABLE IF NOT EXISTS deleting (
        machine_arn TEXT PRIMARY KEY
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS tags (
        resource_arn TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (resource_arn, key)
    ) WITHOUT ROWID""",
)
