"""The history of one execution, written once and read back on replay.

Every event the runtime writes carries a key naming the step that wrote it (for example
``0:Check/1:Fetch#0:result``: the second state of the top-level path, its first attempt,
the outcome of its task). Running a step again after a restart asks the journal for that key
first; if the event is there, the step takes what it records (a task's result, a timer's due
time) instead of doing the work again. That is what makes the history the truth: the runtime
keeps no other durable state about a running execution.
"""

from __future__ import annotations

from typing import Any

from edgeworks.states.store import EventRecord, Store


class Journal:
    """The events and timers of one execution, kept in memory and in the store.

    Args:
        execution_arn: The execution this history belongs to.
        store: Where events are written, or None for an execution that keeps no history
            (express executions).
    """

    def __init__(self, execution_arn: str, store: Store | None, *, fresh: bool = False) -> None:
        self.execution_arn = execution_arn
        self._store = store
        # A fresh execution has no history yet: skip reading it.
        self._events: list[EventRecord] = (
            store.events(execution_arn) if store and not fresh else []
        )
        self._by_key = {event.key: event for event in self._events}
        self._timers: dict[str, float] = {}

    @property
    def events(self) -> list[EventRecord]:
        """Every event so far, in id order."""
        return self._events

    @property
    def replaying(self) -> bool:
        """Whether the history already held events when this journal was opened."""
        return bool(self._by_key)

    def find(self, key: str) -> EventRecord | None:
        """Return the event a step wrote under ``key`` before, if any."""
        return self._by_key.get(key)

    def emit(
        self, key: str, kind: str, previous_id: int, now: float, details: dict[str, Any]
    ) -> EventRecord:
        """Append an event, or return the one already written under ``key``."""
        found = self._by_key.get(key)
        if found is not None:
            return found
        event = EventRecord(len(self._events) + 1, key, kind, previous_id, now, details)
        self._events.append(event)
        self._by_key[key] = event
        if self._store is not None:
            self._store.append_events(self.execution_arn, [event])
        return event

    def timer(self, key: str, due: float) -> float:
        """Return the due time first chosen for a timer, choosing ``due`` if it is new."""
        if key in self._timers:
            return self._timers[key]
        if self._store is not None:
            due = self._store.timer(self.execution_arn, key, due)
        self._timers[key] = due
        return due
