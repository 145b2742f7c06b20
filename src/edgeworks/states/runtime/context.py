"""What a running execution carries: the run shared by all its paths, and each path's place.

A *path* is one line of states being run: the top level of the machine, one branch of a
Parallel state or one iteration of a Map state. Each path has a key prefix, from which every
event it writes gets a key that is the same on every replay (see :mod:`journal`), and the id
of the last event it wrote, which becomes the next event's ``previousEventId``.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from edgeworks.states.functions import FunctionRunner
from edgeworks.states.runtime.callbacks import Callbacks

if TYPE_CHECKING:
    from edgeworks.states.runtime.activities import ActivityQueues
from edgeworks.states.runtime.clock import Clock
from edgeworks.states.runtime.journal import Journal
from edgeworks.states.store import EventRecord, ExecutionRecord, MapRunRecord


class Children(Protocol):
    """Runs and stops child executions (the engine, for distributed Map states)."""

    async def run_child(self, execution: ExecutionRecord) -> ExecutionRecord:
        """Run a child execution to its end and return it as it ended."""
        ...

    async def stop(self, arn: str, error: str | None, cause: str | None) -> float:
        """Abort a running execution."""
        ...

    async def start_nested(
        self, parent_arn: str, key: str, parameters: dict[str, Any]
    ) -> ExecutionRecord:
        """Start (or, on replay, find) an execution of another machine for a Task."""
        ...

    def find(self, arn: str) -> ExecutionRecord | None:
        """Return a stored execution."""
        ...

    def map_run_started(self, run: MapRunRecord) -> None:
        """Record a map run as it starts."""
        ...

    def map_run_ended(self, arn: str, status: str) -> None:
        """Record how a map run ended."""
        ...


@dataclass
class Run:
    """One execution: its identity, its history and the services its tasks use."""

    arn: str
    name: str
    machine_arn: str
    machine_name: str
    role_arn: str
    input: Any
    started: float
    region: str
    account: str
    journal: Journal
    clock: Clock
    functions: FunctionRunner
    callbacks: Callbacks
    children: Children
    activities: ActivityQueues
    durable: bool = True

    def context(self, generation: int | None = None) -> dict[str, Any]:
        """Return the context object's Execution and StateMachine members, as they were in
        redrive ``generation`` (the current one when None)."""
        generation = self.journal.generation if generation is None else generation
        redriven = self.journal.redrive_time(generation)
        return {
            "Execution": {
                "Id": self.arn,
                "Input": self.input,
                "Name": self.name,
                "RoleArn": self.role_arn,
                "StartTime": iso(self.started),
                "RedriveCount": generation,
                **({"RedriveTime": iso(redriven)} if redriven is not None else {}),
            },
            "StateMachine": {"Id": self.machine_arn, "Name": self.machine_name},
        }


@dataclass
class Path:
    """One line of states inside a run."""

    run: Run
    key: str
    last_id: int
    variables: dict[str, Any] = field(default_factory=dict)
    steps: int = 0
    visit: str | None = None  # the key of the state visit this path's events belong to

    def step(self, state_name: str) -> Path:
        """Return the path of the next state visit on this line; keys differ per visit."""
        key = f"{self.key}/{self.steps}:{state_name}"
        self.steps += 1
        return Path(self.run, key, self.last_id, self.variables, visit=key)

    def child(self, suffix: str, last_id: int, variables: dict[str, Any]) -> Path:
        """Return a path nested in this one (a branch or an iteration)."""
        return Path(self.run, f"{self.key}{suffix}", last_id, dict(variables), visit=self.visit)

    def emit(self, suffix: str, kind: str, details: dict[str, Any] | None = None) -> EventRecord:
        """Write an event (or find it on replay) and make it this path's last."""
        run = self.run
        event = run.journal.emit(
            self.key + suffix, kind, self.last_id, run.clock.now(), details or {}, visit=self.visit
        )
        self.last_id = event.id
        return event

    def find(self, suffix: str) -> EventRecord | None:
        """Return the event this path wrote under ``suffix`` before, if it still counts."""
        return self.run.journal.find(self.key + suffix, self.visit)

    def timer(self, suffix: str, due: float) -> float:
        """Return the due time of this path's timer ``suffix``, choosing ``due`` if new."""
        return self.run.journal.timer(self.key + suffix, due, self.visit)

    def callback_key(self, suffix: str) -> str:
        """Return the key a task token of this path names."""
        return self.run.journal.callback_key(self.key + suffix, self.visit)

    def seed(self) -> int:
        """Return a random seed that is the same for this step on every replay."""
        return zlib.crc32(f"{self.run.arn}{self.key}".encode())


def iso(moment: float) -> str:
    """Return an epoch time as the service writes it in the context object."""
    text = datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def dumps(value: Any) -> str:
    """Return a value as compact JSON text, the way the history records payloads."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def data_details(member: str, value: Any) -> dict[str, Any]:
    """Return ``{"input": ..., "inputDetails": {"truncated": False}}`` for ``member``."""
    return {member: dumps(value), f"{member}Details": {"truncated": False}}
