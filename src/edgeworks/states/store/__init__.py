"""Durable storage of state machines, executions and their append-only histories (SQLite)."""

from edgeworks.states.store.mapruns import MapRuns
from edgeworks.states.store.records import (
    AliasRecord,
    EventRecord,
    ExecutionRecord,
    MachineRecord,
    MapRunRecord,
    VersionRecord,
)
from edgeworks.states.store.sqlite import Store
from edgeworks.states.store.versions import Catalog

__all__ = [
    "AliasRecord",
    "Catalog",
    "EventRecord",
    "ExecutionRecord",
    "MachineRecord",
    "MapRunRecord",
    "MapRuns",
    "Store",
    "VersionRecord",
]
