"""A built state machine: the top level, a Parallel branch or a Map item processor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from edgeworks.states.language.base import JSONPATH, State
from edgeworks.states.language.map_state import MapState
from edgeworks.states.language.parallel import ParallelState


@dataclass(frozen=True)
class StateMachine:
    """A machine: the top level, a Parallel branch or a Map item processor."""

    start_at: str
    states: Mapping[str, State]
    query_language: str = JSONPATH
    timeout_seconds: int | None = None
    comment: str | None = None
    version: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def all_states(self) -> dict[str, State]:
        """Every state of this machine and of the machines nested in it, by name."""
        found: dict[str, State] = dict(self.states)
        for state in self.states.values():
            if isinstance(state, ParallelState):
                for branch in state.branches:
                    found.update(branch.all_states())
            elif isinstance(state, MapState) and state.processor is not None:
                found.update(state.processor.all_states())
        return found
