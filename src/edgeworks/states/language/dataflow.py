"""Input and output processing for every state type (States Language: Input and Output
Processing; the guide: Transforming data with JSONata).

JSONPath states::

    raw input -> InputPath -> Parameters -> (work) -> Assign(raw result)
              -> ResultSelector -> ResultPath(into raw input) -> OutputPath -> output

JSONata states::

    raw input -> Arguments -> (work) -> Assign and Output over $states.input/.result

Assign is evaluated from the state's input and result before the output is built, and all its
values are computed before any is stored; the new values are visible from the next state on,
so Output still sees the old ones (the guide: Passing data between states with variables).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edgeworks.states.language import errors, jsonata_eval, paths, payload
from edgeworks.states.language.base import ABSENT, Scope, State


def prepare_input(state: State, raw_input: Any, scope: Scope) -> Any:
    """Return what the state works on: the task payload, the branch input, the Pass result
    basis, the data Choice and Wait look at, or the Map state's effective input.

    Raises:
        StatesFailure: States.Runtime for paths that select nothing, States.IntrinsicFailure,
            States.QueryEvaluationError.
    """
    if state.is_jsonata:
        if state.arguments is ABSENT:
            return raw_input
        return jsonata_eval.evaluate_template(
            state.arguments, _states(raw_input, scope), scope, "Arguments"
        )
    effective = apply_input_path(state, raw_input, scope)
    if state.parameters is ABSENT:
        return effective
    return payload.render(state.parameters, effective, scope)


def apply_input_path(state: State, raw_input: Any, scope: Scope) -> Any:
    """InputPath: select the effective input; null gives ``{}``."""
    if state.input_path is None:
        return {}
    return _select(state.input_path, raw_input, scope)


def finish_output(
    state: State, raw_input: Any, result: Any, scope: Scope, *, field_prefix: str = ""
) -> tuple[Any, dict[str, Any]]:
    """Return the state output and the variables after its Assign.

    ``result`` is what the work produced (the task result, the list of branch or iteration
    outputs, the Pass result, or the effective input for Choice, Wait and Succeed).

    Raises:
        StatesFailure: States.Runtime or States.ResultPathMatchFailure for JSONPath problems,
            States.QueryEvaluationError for JSONata ones.
    """
    if state.is_jsonata:
        # $states.result exists only where there is work with a result.
        extra = {"result": result} if state.type in _RESULT_TYPES else {}
        states = _states(raw_input, scope, **extra)
        variables = assign(
            state.assign, states, result, scope, jsonata=True, field=f"{field_prefix}Assign"
        )
        output = result if state.type in _RESULT_TYPES else raw_input
        if state.output is not ABSENT:
            output = jsonata_eval.evaluate_template(
                state.output, states, scope, f"{field_prefix}Output"
            )
        return output, variables
    variables = assign(state.assign, {}, result, scope, jsonata=False)
    if state.result_selector is not ABSENT:
        result = payload.render(state.result_selector, result, scope)
    combined = apply_result_path(state, raw_input, result)
    return apply_output_path(state, combined, scope), variables


# In JSONata states these types hand on their result; the others hand on their input.
_RESULT_TYPES = frozenset({"Task", "Parallel", "Map"})


def apply_result_path(state: State, raw_input: Any, result: Any) -> Any:
    """ResultPath: combine the result with the raw state input."""
    try:
        return paths.apply_result_path(raw_input, result, state.result_path)
    except paths.PathError as exc:
        raise errors.StatesFailure(
            errors.RESULT_PATH_MATCH_FAILURE, str(exc), needs_location=True
        ) from None


def apply_output_path(state: State, data: Any, scope: Scope) -> Any:
    """OutputPath: select the state output; null gives ``{}``."""
    if state.output_path is None:
        return {}
    return _select(state.output_path, data, scope)


def assign(
    template: Mapping[str, Any] | None,
    states: dict[str, Any],
    result: Any,
    scope: Scope,
    *,
    jsonata: bool,
    field: str = "Assign",
) -> dict[str, Any]:
    """Evaluate an Assign object and return the variables with its values stored.

    In JSONPath states ``.$`` values select from ``result``; in JSONata states expressions
    see ``$states``.
    """
    if not template:
        return dict(scope.variables)
    if jsonata:
        values = jsonata_eval.evaluate_template(dict(template), states, scope, field)
    else:
        values = payload.render(dict(template), result, scope)
    return {**scope.variables, **values}


def _select(path: str, data: Any, scope: Scope) -> Any:
    try:
        return paths.select(path, data, scope)
    except paths.NoMatchError as exc:
        raise errors.StatesFailure(errors.RUNTIME, str(exc), needs_location=True) from None


def _states(raw_input: Any, scope: Scope, **extra: Any) -> dict[str, Any]:
    return {"input": raw_input, "context": dict(scope.context), **extra}


def pass_result(state: State, effective: Any) -> Any:
    """The result of a Pass state: its Result, else its (Parameters-processed) input."""
    result = getattr(state, "result", ABSENT)
    return effective if result is ABSENT else result
