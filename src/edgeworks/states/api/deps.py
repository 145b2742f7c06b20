"""What the operations need from the rest of the service, passed in once."""

from __future__ import annotations

from dataclasses import dataclass

from edgeworks.states.runtime.clock import Clock
from edgeworks.states.runtime.engine import Engine
from edgeworks.states.store import Store


@dataclass(frozen=True)
class Deps:
    """The store, the engine that runs executions, and the clock that dates resources."""

    store: Store
    engine: Engine
    clock: Clock
    # Step Functions API, GetActivityTask: a poll waits up to 60 seconds for a task.
    poll_seconds: float = 60.0
