"""The Fail state: ends the execution with an error name and a cause."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edgeworks.states.language import errors, jsonata_eval, payload
from edgeworks.states.language.base import State


@dataclass(frozen=True)
class FailState(State):
    """States Language: Fail State. JSONata states write expressions in ``error``/``cause``."""

    error: str | None = None
    cause: str | None = None
    error_path: str | None = None
    cause_path: str | None = None


def resolve(state: FailState, raw_input: Any, scope: Any) -> tuple[str | None, str | None]:
    """Return the (error, cause) the state fails with, evaluating paths or expressions.

    Raises:
        StatesFailure: States.Runtime when ErrorPath or CausePath selects nothing or a non-string.
    """
    if state.is_jsonata:
        states_vars = {"input": raw_input, "context": dict(scope.context)}
        error = _expression(state.error, "Error", states_vars, scope)
        cause = _expression(state.cause, "Cause", states_vars, scope)
        return error, cause
    error = _path(state, state.error_path, "ErrorPath", raw_input, scope)
    cause = _path(state, state.cause_path, "CausePath", raw_input, scope)
    return error if error is not None else state.error, cause if cause is not None else state.cause


def _expression(value: str | None, field: str, states_vars: dict[str, Any], scope: Any) -> Any:
    if value is None:
        return None
    result = jsonata_eval.evaluate_value(value, states_vars, scope, field)
    if not isinstance(result, str):
        cause = (
            f"The JSONata expression '{value}' specified for the field '{field}' returned an "
            "unexpected result type. Expected 'string', but was "
            f"'{jsonata_eval.type_name(result)}'"
        )
        raise errors.StatesFailure(errors.QUERY_EVALUATION_ERROR, cause, needs_location=True)
    return result


def _path(state: FailState, path: str | None, field: str, data: Any, scope: Any) -> str | None:
    if path is None:
        return None
    # ErrorPath and CausePath take a path or an intrinsic call, like a ".$" field.
    value = payload.evaluate_reference(field, path, data, scope)
    if not isinstance(value, str):
        cause = f"The {field} '{path}' of state '{state.name}' selected a non-string value"
        raise errors.StatesFailure(errors.RUNTIME, cause, needs_location=True)
    return value
