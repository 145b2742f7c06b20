"""Versions and aliases of state machines, kept beside the machines in the same database."""

from __future__ import annotations

import json
from typing import Any

from edgeworks.states.store.records import AliasRecord, MachineRecord, VersionRecord
from edgeworks.states.store.sqlite import Store

_VERSION = "machine_arn, number, definition, role_arn, revision_id, description, created"
_ALIAS = "arn, machine_arn, name, description, routing, created, updated"


class Catalog:
    """Publishes versions and keeps aliases for the machines of a store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def publish(
        self, machine: MachineRecord, description: str | None, now: float
    ) -> VersionRecord:
        """Publish the machine's current revision; an already published revision is reused."""
        latest = self.latest(machine.arn)
        if latest is not None and latest.revision_id == machine.revision_id:
            return latest
        row = self._store.execute(
            "SELECT COALESCE(MAX(number), 0) FROM versions WHERE machine_arn = ?", (machine.arn,)
        ).fetchone()
        version = VersionRecord(
            machine.arn,
            row[0] + 1,
            machine.definition,
            machine.role_arn,
            machine.revision_id,
            description,
            now,
        )
        self._store.execute(
            f"INSERT INTO versions ({_VERSION}) VALUES (?,?,?,?,?,?,?)",
            (version.machine_arn, version.number, version.definition, version.role_arn,
             version.revision_id, version.description, version.created),
        )  # fmt: skip
        return version

    def latest(self, machine_arn: str) -> VersionRecord | None:
        """Return the newest version that is not deleted."""
        found = self.versions(machine_arn, 2**62, 1)
        return found[0][1] if found else None

    def version(self, machine_arn: str, number: int) -> VersionRecord | None:
        """Return one version, unless deleted."""
        row = self._store.execute(
            f"SELECT {_VERSION} FROM versions"
            " WHERE machine_arn = ? AND number = ? AND deleted = 0",
            (machine_arn, number),
        ).fetchone()
        return VersionRecord(*row) if row else None

    def versions(
        self, machine_arn: str, below: int, limit: int
    ) -> list[tuple[int, VersionRecord]]:
        """Return a page of versions, newest first, numbered below ``below``."""
        rows = self._store.execute(
            f"SELECT number, {_VERSION} FROM versions WHERE machine_arn = ? AND number < ?"
            " AND deleted = 0 ORDER BY number DESC LIMIT ?",
            (machine_arn, below, limit),
        )
        return [(r[0], VersionRecord(*r[1:])) for r in rows]

    def delete_version(self, machine_arn: str, number: int) -> None:
        """Mark a version deleted; its number is not given out again."""
        self._store.execute(
            "UPDATE versions SET deleted = 1 WHERE machine_arn = ? AND number = ?",
            (machine_arn, number),
        )

    def add_alias(self, alias: AliasRecord) -> bool:
        """Create an alias; False when its ARN is taken."""
        if self.alias(alias.arn) is not None:
            return False
        self._store.execute(f"INSERT INTO aliases ({_ALIAS}) VALUES (?,?,?,?,?,?,?)", _row(alias))
        return True

    def replace_alias(self, alias: AliasRecord) -> None:
        """Overwrite an alias's description, routing and update time."""
        self._store.execute(
            "UPDATE aliases SET description = ?, routing = ?, updated = ? WHERE arn = ?",
            (alias.description, json.dumps(alias.routing), alias.updated, alias.arn),
        )

    def alias(self, arn: str) -> AliasRecord | None:
        """Return an alias by ARN."""
        row = self._store.execute(f"SELECT {_ALIAS} FROM aliases WHERE arn = ?", (arn,)).fetchone()
        return _alias(row) if row else None

    def aliases(self, machine_arn: str, after: int, limit: int) -> list[tuple[int, AliasRecord]]:
        """Return a page of a machine's aliases in creation order."""
        rows = self._store.execute(
            f"SELECT seq, {_ALIAS} FROM aliases WHERE machine_arn = ? AND seq > ?"
            " ORDER BY seq LIMIT ?",
            (machine_arn, after, limit),
        )
        return [(r[0], _alias(r[1:])) for r in rows]

    def delete_alias(self, arn: str) -> None:
        """Remove an alias."""
        self._store.execute("DELETE FROM aliases WHERE arn = ?", (arn,))


def _row(alias: AliasRecord) -> tuple[Any, ...]:
    return (
        alias.arn,
        alias.machine_arn,
        alias.name,
        alias.description,
        json.dumps(alias.routing),
        alias.created,
        alias.updated,
    )


def _alias(row: Any) -> AliasRecord:
    arn, machine_arn, name, description, routing, created, updated = row
    return AliasRecord(arn, machine_arn, name, description, json.loads(routing), created, updated)
