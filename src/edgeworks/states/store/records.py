"""The rows the store keeps, as frozen dataclasses named once for every layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MachineRecord:
    """A state machine as CreateStateMachine and UpdateStateMachine leave it."""

    arn: str
    name: str
    type: str
    definition: str
    role_arn: str
    created: float
    updated: float
    revision_id: str
    logging: dict[str, Any] = field(default_factory=dict)
    tracing: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExecutionRecord:
    """An execution, with the definition it runs frozen at its start.

    ``status`` is one of the ExecutionStatus values; ``output``, ``error`` and ``cause`` are set
    when it stops.
    """

    arn: str
    machine_arn: str
    name: str
    status: str
    input: str
    started: float
    definition: str
    role_arn: str
    machine_updated: float
    revision_id: str
    type: str = "STANDARD"
    stopped: float | None = None
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    map_run: str | None = None
    version_arn: str | None = None
    alias_arn: str | None = None
    redrive_count: int = 0
    redrive_date: float | None = None


@dataclass(frozen=True)
class VersionRecord:
    """A published version of a state machine: its definition frozen under a number."""

    machine_arn: str
    number: int
    definition: str
    role_arn: str
    revision_id: str
    description: str | None
    created: float

    @property
    def arn(self) -> str:
        """The version's ARN: the machine's with ``:NUMBER`` added."""
        return f"{self.machine_arn}:{self.number}"


@dataclass(frozen=True)
class AliasRecord:
    """An alias: a name routing executions to one or two versions by weight."""

    arn: str
    machine_arn: str
    name: str
    description: str | None
    routing: list[dict[str, Any]]
    created: float
    updated: float


@dataclass(frozen=True)
class MapRunRecord:
    """A distributed Map state's run of child executions."""

    arn: str
    execution_arn: str
    machine_arn: str
    status: str
    started: float
    stopped: float | None
    max_concurrency: int
    tolerated_percentage: float
    tolerated_count: int


@dataclass(frozen=True)
class EventRecord:
    """One history event.

    ``key`` names the step that produced it so that a replay finds the event instead of writing
    it twice; ``details`` maps the HistoryEvent member (``taskSucceededEventDetails``) to its
    value, or is empty.
    """

    id: int
    key: str
    type: str
    previous_id: int
    timestamp: float
    details: dict[str, Any]

    def as_wire(self) -> dict[str, Any]:
        """Return the HistoryEvent members."""
        return {
            "timestamp": self.timestamp,
            "type": self.type,
            "id": self.id,
            "previousEventId": self.previous_id,
            **self.details,
        }
