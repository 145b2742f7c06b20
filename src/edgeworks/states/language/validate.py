"""Validate a definition the way CreateStateMachine does, collecting every diagnostic.

The checks run in two passes over the raw JSON: the schema pass (fields allowed per state type
and query language, their kinds, paths, intrinsic calls and JSONata expressions that parse),
then the graph pass (Next targets exist, every state is reachable, a terminal state exists,
state names are unique across the whole machine). Messages name the state and the field; the
location is a JSON pointer into the definition.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from edgeworks.states.language import diagnostics as dg
from edgeworks.states.language import schema
from edgeworks.states.language.base import JSONPATH
from edgeworks.states.language.checks import FieldChecker
from edgeworks.states.language.diagnostics import Diagnostic, pointer
from edgeworks.states.language.express import EXPRESS, check_express
from edgeworks.states.language.graph import check_graph
from edgeworks.states.language.query_language import resolve_language
from edgeworks.states.language.validate_states import check_state


def load(text: str | bytes | Mapping[str, Any]) -> tuple[Any, list[Diagnostic]]:
    """Parse a definition text; return the document and any INVALID_JSON_DESCRIPTION."""
    if isinstance(text, Mapping):
        return dict(text), []
    try:
        return json.loads(text), []
    except (ValueError, RecursionError) as exc:
        message = f"Definition is not valid JSON: {exc}"
        return None, [Diagnostic(dg.ERROR, dg.INVALID_JSON_DESCRIPTION, message, None)]


# The guide: a state name is 1 to 80 characters.
MAX_STATE_NAME = 80


def validate_document(document: Any, machine_type: str = "STANDARD") -> list[Diagnostic]:
    """Return every diagnostic for a parsed definition document (empty when valid).

    ``machine_type`` is STANDARD or EXPRESS; Express machines have rules of their own.
    """
    checker = FieldChecker()
    if not isinstance(document, dict):
        message = "Definition must be a valid JSON object"
        checker.add(dg.SCHEMA_VALIDATION_FAILED, message, None)
        return checker.found
    check_machine(checker, document, (), None)
    if not checker.found:
        check_graph(checker, document)
    if not checker.found and machine_type == EXPRESS:
        check_express(checker, document)
    return checker.found


def check_machine(
    checker: FieldChecker,
    machine: Mapping[str, Any],
    where: tuple[str | int, ...],
    outer_language: str | None,
) -> None:
    """Check a machine (top level, branch or item processor) and every state in it.

    Nested machines take the top-level machine's query language (``outer_language``).
    """
    fields = _fields_for(where)
    checker.fields(machine, fields, where, "the state machine", required=("States", "StartAt"))
    language = outer_language or resolve_language(checker, machine, ("QueryLanguage",), JSONPATH)
    states = machine.get("States")
    if not isinstance(states, dict):
        return
    if isinstance(machine.get("StartAt"), str) and machine["StartAt"] not in states:
        message = f"Missing 'Next' target: {machine['StartAt']}"
        checker.add(dg.MISSING_TRANSITION_TARGET, message, (*where, "StartAt"))
    for name, state in states.items():
        if not 1 <= len(name) <= MAX_STATE_NAME:
            message = f"State names must be from 1 to {MAX_STATE_NAME} characters long"
            checker.add(dg.SCHEMA_VALIDATION_FAILED, message, (*where, "States", name))
        check_state(
            checker, name, state, (*where, "States", name), language, check_machine=check_machine
        )


def _fields_for(where: tuple[str | int, ...]) -> dict[str, str]:
    if not where:
        return schema.MACHINE_FIELDS
    if where[-1] in ("ItemProcessor", "Iterator"):
        return schema.PROCESSOR_FIELDS
    return schema.BRANCH_FIELDS


def location(*parts: str | int) -> str:
    """Return the JSON pointer for ``parts`` (exposed for callers that add diagnostics)."""
    return pointer(*parts)
