"""The Amazon States Language as a pure interpreter core.

No I/O, no clock and no randomness of its own: the runtime passes the context object,
variables, ``now`` and a seeded random source in, so a replay evaluates to the same values.

The public surface::

    parse_definition(text) -> StateMachine          raises DefinitionError(.diagnostics)
    validate_definition(text) -> list[Diagnostic]
    dataflow.prepare_input / dataflow.finish_output  data flow of every state type
    choice.evaluate, wait.until, fail.resolve        the non-task state types
    map_state.items_of / item_input                  Map iteration inputs
    retry.decide / retry.delay_for, catch.match / catch.handle
    limits.check_payload                             States.DataLimitExceeded
"""

from __future__ import annotations

from edgeworks.states.language.base import ABSENT, JSONATA, JSONPATH, Scope, State
from edgeworks.states.language.definition import (
    StateMachine,
    parse_definition,
    validate_definition,
)
from edgeworks.states.language.diagnostics import Diagnostic
from edgeworks.states.language.errors import DefinitionError, LanguageError, StatesFailure

__all__ = [
    "ABSENT",
    "JSONATA",
    "JSONPATH",
    "DefinitionError",
    "Diagnostic",
    "LanguageError",
    "Scope",
    "State",
    "StateMachine",
    "StatesFailure",
    "parse_definition",
    "validate_definition",
]
