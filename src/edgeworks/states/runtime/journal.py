"""The history of one execution, written once and read back on replay.

Every event the runtime writes carries a key naming the step that wrote it (for example
``/0:Check/1:Fetch#0:result``: the second state of the top-level path, its first attempt,
the outcome of its task). Running a step again after a restart asks the journal for that key
first; if the event is there, the step takes what it records (a task's result, a timer's due
time) instead of doing the work again. That is what makes the history the truth: the runtime
keeps no other durable state about a running execution.

A redrive (RedriveExecution) runs the execution again as generation N: what the earlier
generations recorded is reused for every state visit that exited, and a visit that did not
(the one that failed, and the states around it) runs again, its events stored under the key
with ``GENERATION_MARK + N`` appended so they do not collide with the earlier ones.
"""

from __future__ import annotations

from typing import Any

from edgeworks.states.store import EventRecord, Store

# Separates a key from its generation; no state name the service accepts holds it.
GENERATION_MARK = "\x1e"


# The key of the ExecutionRedriven event that begins each generation after the first.
REDRIVEN = "redriven"


def stored_key(key: str, generation: int) -> str:
    """Return the key an event of ``generation`` is stored under."""
    return key if generation == 0 else f"{key}{GENERATION_MARK}{generation}"


class Journal:
    """The events and timers of one execution, kept in memory and in the store.

    Args:
        execution_arn: The execution this history belongs to.
        store: Where events are written, or None for an execution that keeps no history
            (express executions).
        fresh: The execution was just created: there is no history to read.
        generation: How many times the execution was redriven.
    """

    def __init__(
        self,
        execution_arn: str,
        store: Store | None,
        *,
        fresh: bool = False,
        generation: int = 0,
    ) -> None:
        self.execution_arn = execution_arn
        self.generation = generation
        self._store = store
        self._events: list[EventRecord] = []
        self._by_key: dict[str, tuple[int, EventRecord]] = {}
        self._exited: set[str] = set()
        self._redrives: dict[int, float] = {}
        self._timers: dict[str, float] = {}
        for event in store.events(execution_arn) if store and not fresh else []:
            self._index(event)

    @property
    def events(self) -> list[EventRecord]:
        """Every event so far, in id order."""
        return self._events

    def find(self, key: str, visit: str | None = None) -> EventRecord | None:
        """Return the event a step wrote under ``key`` before, if it still counts.

        Args:
            key: The step's key.
            visit: The key of the state visit the step belongs to (None: the execution's).
        """
        found = self._by_key.get(key)
        if found is None or found[0] == self.generation:
            return found[1] if found else None
        if key == "end" or self._again(visit):
            return None
        return found[1]

    def emit(
        self,
        key: str,
        kind: str,
        previous_id: int,
        now: float,
        details: dict[str, Any],
        *,
        visit: str | None = None,
    ) -> EventRecord:
        """Append an event, or return the one already written under ``key``."""
        found = self.find(key, visit)
        if found is not None:
            return found
        event = EventRecord(
            len(self._events) + 1,
            stored_key(key, self.generation),
            kind,
            previous_id,
            now,
            details,
        )
        self._index(event)
        if self._store is not None:
            self._store.append_events(self.execution_arn, [event])
        return event

    def timer(self, key: str, due: float, visit: str | None = None) -> float:
        """Return the due time first chosen for a timer, choosing ``due`` if it is new."""
        key = stored_key(key, self.generation) if self._again(visit) else key
        if key in self._timers:
            return self._timers[key]
        if self._store is not None:
            due = self._store.timer(self.execution_arn, key, due)
        self._timers[key] = due
        return due

    def generation_of(self, event: EventRecord) -> int:
        """Return the redrive generation that wrote an event."""
        _, _, mark = event.key.partition(GENERATION_MARK)
        return int(mark) if mark else 0

    def redrive_time(self, generation: int) -> float | None:
        """Return when redrive ``generation`` began, or None for the first run."""
        return self._redrives.get(generation)

    def callback_key(self, key: str, visit: str | None) -> str:
        """Return the key a task token names: unique to the generation that waits."""
        return stored_key(key, self.generation) if self._again(visit) else key

    def _again(self, visit: str | None) -> bool:
        # A redriven generation runs again every visit that did not exit.
        return self.generation > 0 and visit is not None and visit not in self._exited

    def _index(self, event: EventRecord) -> None:
        key, _, mark = event.key.partition(GENERATION_MARK)
        generation = int(mark) if mark else 0
        self._events.append(event)
        if key not in self._by_key or self._by_key[key][0] <= generation:
            self._by_key[key] = (generation, event)
        if key.endswith(":exited"):
            self._exited.add(key.removesuffix(":exited"))
        elif key == REDRIVEN:
            self._redrives[generation] = event.timestamp
