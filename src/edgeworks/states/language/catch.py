"""Catchers: where a failed state goes, and what it hands on (States Language: Catch)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from edgeworks.states.language import dataflow, errors, jsonata_eval, paths
from edgeworks.states.language.base import ABSENT, Scope, State
from edgeworks.states.language.matching import matches


@dataclass(frozen=True)
class Catcher:
    """One entry of a state's Catch list.

    ``result_path`` is ``"$"`` when absent and ``None`` when null (the error output is
    discarded); ``output`` and ``assign`` are the JSONata forms.
    """

    error_equals: tuple[str, ...]
    next: str
    result_path: str | None = "$"
    output: Any = ABSENT
    assign: Mapping[str, Any] | None = None
    comment: str | None = None
    index: int = 0  # position in the Catch list, for the field names in causes


def match(catchers: Sequence[Catcher], error: str) -> Catcher | None:
    """Return the first catcher whose ErrorEquals matches ``error``, or None."""
    for catcher in catchers:
        if matches(catcher.error_equals, error):
            return catcher
    return None


def handle(
    state: State, catcher: Catcher, raw_input: Any, failure: errors.StatesFailure, scope: Scope
) -> tuple[Any, dict[str, Any]]:
    """Return the output and variables ``catcher`` hands to its Next state.

    JSONPath: the error object goes into the raw state input at the catcher's ResultPath, and
    Assign selects from the error object. JSONata: Output and Assign see
    ``$states.errorOutput``; without Output the error object itself is handed on.

    Raises:
        StatesFailure: States.ResultPathMatchFailure when the ResultPath cannot be applied,
            States.QueryEvaluationError for a failing expression.
    """
    error = failure.error_output()
    if state.is_jsonata:
        states = {"input": raw_input, "context": dict(scope.context), "errorOutput": error}
        field = f"Catch[{catcher.index}]"
        variables = dataflow.assign(
            catcher.assign, states, error, scope, jsonata=True, field=f"{field}/Assign"
        )
        if catcher.output is ABSENT:
            return error, variables
        output = jsonata_eval.evaluate_template(catcher.output, states, scope, f"{field}/Output")
        return output, variables
    variables = dataflow.assign(catcher.assign, {}, error, scope, jsonata=False)
    try:
        return paths.apply_result_path(raw_input, error, catcher.result_path), variables
    except paths.PathError as exc:
        raise errors.StatesFailure(
            errors.RESULT_PATH_MATCH_FAILURE, str(exc), needs_location=True
        ) from None
