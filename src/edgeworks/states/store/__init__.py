"""Durable storage of state machines, executions and their append-only histories (SQLite)."""

from edgeworks.states.store.records import EventRecord, ExecutionRecord, MachineRecord
from edgeworks.states.store.sqlite import Store

__all__ = ["EventRecord", "ExecutionRecord", "MachineRecord", "Store"]
