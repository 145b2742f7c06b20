"""JSONata for JSONata-mode states: ``{% %}`` templates over ``$states`` and variables.

A field value that is a string of the form ``{% expression %}`` is evaluated; objects and
arrays are walked and their strings evaluated in place; other values are kept. The expression
sees ``$states`` (``input``, ``result``, ``errorOutput``, ``context``) and every workflow
variable, plus the functions the service adds to JSONata: ``$partition``, ``$range``,
``$hash``, ``$random``, ``$uuid`` and ``$parse`` (``$eval`` is removed). Failures raise
States.QueryEvaluationError (the guide: Transforming data with JSONata).
"""

from __future__ import annotations

import json
from typing import Any

import jsonata

from edgeworks.states.language import errors, jsonata_functions, paths
from edgeworks.states.language.base import Scope

OPEN = "{%"
CLOSE = "%}"


def is_expression(value: Any) -> bool:
    """Whether ``value`` is a ``{% ... %}`` JSONata expression string."""
    return isinstance(value, str) and value.startswith(OPEN) and value.endswith(CLOSE)


def body(value: str) -> str:
    """Return the expression inside ``{% ... %}``."""
    return value[len(OPEN) : -len(CLOSE)].strip()


def check(value: str) -> None:
    """Raise ValueError when the expression in ``value`` does not parse."""
    try:
        jsonata.Jsonata(body(value))
    except (jsonata.JException, RecursionError, ValueError, IndexError, TypeError) as exc:
        raise ValueError(str(exc)) from None


def evaluate_template(template: Any, states: dict[str, Any], scope: Scope, field: str) -> Any:
    """Evaluate every expression in ``template`` (a JSON value) and return the result."""
    if isinstance(template, dict):
        return {k: evaluate_template(v, states, scope, field) for k, v in template.items()}
    if isinstance(template, list):
        return [evaluate_template(v, states, scope, field) for v in template]
    if is_expression(template):
        return evaluate_value(template, states, scope, field)
    return template


def evaluate_value(value: Any, states: dict[str, Any], scope: Scope, field: str) -> Any:
    """Evaluate ``value`` if it is an expression; an undefined result is an error."""
    if not is_expression(value):
        return value
    result = evaluate(body(value), states, scope, field, value)
    if result is None and not _may_be_null(body(value)):
        cause = (
            f"The JSONata expression '{body(value)}' specified for the field '{field}' "
            "returned nothing (undefined)."
        )
        raise errors.StatesFailure(errors.QUERY_EVALUATION_ERROR, cause, needs_location=True)
    return result


def _may_be_null(expression: str) -> bool:
    # jsonata-python returns None both for JSON null and for undefined; an expression that
    # names null itself is taken to mean null.
    return "null" in expression


def evaluate(expression: str, states: dict[str, Any], scope: Scope, field: str, raw: str) -> Any:
    """Evaluate one JSONata expression with ``$states`` and the variables bound.

    Raises:
        StatesFailure: States.QueryEvaluationError with the service's cause shape.
    """
    try:
        compiled = jsonata.Jsonata(expression)
        jsonata_functions.install(compiled, scope)
        bindings = {**scope.variables, "states": states}
        return _plain(compiled.evaluate(None, bindings))
    except errors.StatesFailure:
        raise
    except (jsonata.JException, RecursionError, ValueError, TypeError, IndexError) as exc:
        cause = _cause(exc, raw)
        raise errors.StatesFailure(
            errors.QUERY_EVALUATION_ERROR, cause, needs_location=True
        ) from None


def _cause(exc: Exception, raw: str) -> str:
    code = getattr(exc, "error", None)
    detail = f"{code}: {exc}" if code else str(exc)
    return f"An error occurred while evaluating the JSONata expression '{raw}': {detail}"


def _plain(value: Any) -> Any:
    # JSONata returns sequences and whole floats; bring them back to plain JSON values.
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if callable(value):
        return {}
    return value


def type_name(value: Any) -> str:
    """The JSON type name of ``value`` for causes ('string', 'number', 'object', ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def dumps(value: Any) -> str:
    """Serialize compactly, as causes quote values."""
    return paths.to_json(value) if value is not None else json.dumps(None)
