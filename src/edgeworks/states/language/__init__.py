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
    variables.references / visible_inside            variable references and scopes

Known shortcomings:

- Paths with filters, slices or recursive descent are evaluated by python-jsonpath, whose
  rules match the service's in the common cases but not in every corner: filter operators
  such as ``size`` and ``empty`` are refused when the machine is created.
- Where the service's wording could not be confirmed, causes are written in our own words:
  argument errors inside intrinsic functions, Wait values of the wrong kind, a ResultPath that
  cannot be applied, States.NoChoiceMatched, and the payload limit for state outputs.
- JSONata runs on jsonata-python; its error messages (after the code, such as ``T2002``) are
  worded a little differently from the service's engine.
- States.ALL never catches States.DataLimitExceeded, as the guide says, although one recorded
  execution shows the service catching an oversized task result with it.
- A distributed Map's ItemReader, ItemBatcher and ResultWriter are checked for their field
  names and kinds only; resources and reader or writer settings are left to run time.
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
