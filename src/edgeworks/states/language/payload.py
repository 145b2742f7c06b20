"""Payload templates: Parameters, ItemSelector, ResultSelector and JSONPath-mode Assign.

A template is any JSON value. Inside objects, a key ending in ``.$`` takes its value from a path
(``$...`` on the data at hand, ``$$...`` on the context object, ``$name`` on a variable) or from
an intrinsic function call, and loses the ``.$`` suffix (States Language: Payload Template).
"""

from __future__ import annotations

from typing import Any

from edgeworks.states.language import errors, intrinsics, paths
from edgeworks.states.language.base import Scope


def render(template: Any, data: Any, scope: Scope) -> Any:
    """Return ``template`` with every ``.$`` field replaced by the value it selects.

    Raises:
        StatesFailure: States.Runtime when a path selects nothing (with the service's cause),
            States.IntrinsicFailure when an intrinsic function fails.
    """
    if isinstance(template, dict):
        return {_plain(k): _field(k, v, data, scope) for k, v in template.items()}
    if isinstance(template, list):
        return [render(item, data, scope) for item in template]
    return template


def _plain(key: str) -> str:
    return key[:-2] if key.endswith(".$") else key


def _field(key: str, value: Any, data: Any, scope: Scope) -> Any:
    if not key.endswith(".$"):
        return render(value, data, scope)
    return evaluate_reference(key, value, data, scope)


def evaluate_reference(key: str, expression: str, data: Any, scope: Scope) -> Any:
    """Evaluate the value of a ``.$`` field: a path or an intrinsic function call."""
    if expression.startswith("States."):
        return intrinsics.evaluate(expression, data, scope)
    try:
        return paths.select(expression, data, scope)
    except paths.NoMatchError:
        # A context path is looked for in the context object, and the cause shows that.
        searched = dict(scope.context) if expression.startswith("$$") else data
        cause = (
            f"The JSONPath '{expression}' specified for the field '{key}' could not be found "
            f"in the input '{paths.to_json(searched)}'"
        )
        raise errors.StatesFailure(errors.RUNTIME, cause, needs_location=True) from None
