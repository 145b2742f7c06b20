"""State machine definitions: parse, validate, and build typed states.

``parse_definition`` validates first (every problem the service reports at
CreateStateMachine, see :mod:`validate`) and only then builds the typed machine, so a machine
that exists is one the interpreter can run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edgeworks.states.language.build import build_machine
from edgeworks.states.language.diagnostics import Diagnostic
from edgeworks.states.language.errors import DefinitionError
from edgeworks.states.language.machine import StateMachine
from edgeworks.states.language.validate import load, validate_document

__all__ = ["StateMachine", "parse_definition", "validate_definition"]


def validate_definition(
    text: str | bytes | Mapping[str, Any], machine_type: str = "STANDARD"
) -> list[Diagnostic]:
    """Return every diagnostic for a definition (JSON text or parsed); empty when valid.

    ``machine_type`` is the state machine's type, STANDARD or EXPRESS.
    """
    document, problems = load(text)
    if problems:
        return problems
    return validate_document(document, machine_type)


def parse_definition(
    text: str | bytes | Mapping[str, Any], machine_type: str = "STANDARD"
) -> StateMachine:
    """Validate and build a state machine from its definition.

    Raises:
        DefinitionError: the definition is invalid; ``.diagnostics`` lists every problem.
    """
    document, problems = load(text)
    if not problems:
        problems = validate_document(document, machine_type)
    if any(d.severity == "ERROR" for d in problems):
        raise DefinitionError(problems)
    return build_machine(document, None)
