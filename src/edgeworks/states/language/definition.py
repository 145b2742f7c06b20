"""State machine definitions: parse, validate, and build typed states.

``parse_definition`` validates first (every problem the service reports at
CreateStateMachine, see :mod:`validate`) and only then builds the typed machine, so a machine
that exists is one the interpreter can run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from edgeworks.states.language.base import JSONPATH, State
from edgeworks.states.language.diagnostics import Diagnostic
from edgeworks.states.language.errors import DefinitionError
from edgeworks.states.language.validate import load, validate_document


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
        from edgeworks.states.language.map_state import MapState
        from edgeworks.states.language.parallel import ParallelState

        found: dict[str, State] = dict(self.states)
        for state in self.states.values():
            if isinstance(state, ParallelState):
                for branch in state.branches:
                    found.update(branch.all_states())
            elif isinstance(state, MapState) and state.processor is not None:
                found.update(state.processor.all_states())
        return found


def validate_definition(text: str | bytes | Mapping[str, Any]) -> list[Diagnostic]:
    """Return every diagnostic for a definition (JSON text or parsed); empty when valid."""
    document, problems = load(text)
    if problems:
        return problems
    return validate_document(document)


def parse_definition(text: str | bytes | Mapping[str, Any]) -> StateMachine:
    """Validate and build a state machine from its definition.

    Raises:
        DefinitionError: the definition is invalid; ``.diagnostics`` lists every problem.
    """
    document, problems = load(text)
    if not problems:
        problems = validate_document(document)
    if any(d.severity == "ERROR" for d in problems):
        raise DefinitionError(problems)
    from edgeworks.states.language.build import build_machine

    return build_machine(document, None)
