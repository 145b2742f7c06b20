"""JSONata for JSONata-mode states: ``{% %}`` templates over ``$states`` and variables.

A field value that is a string of the form ``{% expression %}`` is evaluated; objects and
arrays are walked and their strings evaluated in place; other values are kept. The expression
sees ``$states`` (``input``, ``result``, ``errorOutput``, ``context``) and every workflow
variable, plus the functions the service adds (:mod:`jsonata_functions`).

Failures raise States.QueryEvaluationError with the service's causes, naming the field the
expression was written in relative to the state: ``/`` before each object key and ``[i]`` for
each array index (``Output/a/b[0]``, ``Arguments/Input``, ``Choices[1]/Condition``):

- ``The JSONata expression '<e>' specified for the field '<f>' returned nothing (undefined).``
- ``The JSONata expression '<e>' specified for the field '<f>' threw an error during
  evaluation. <code>: <message>``

JSON null and "nothing" differ: an expression that yields null is a value.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import jsonata
from jsonata.jexception import JException
from jsonata.utils import Utils

from edgeworks.states.language import errors, jsonata_functions, paths
from edgeworks.states.language.base import Scope

# About five seconds of evaluation: the service's limit for one expression.
STEP_BUDGET = 1_000_000
RUNAWAY_MILLISECONDS = 5000
_CACHE = threading.local()
_CACHE_SIZE = 1024
OPEN = "{%"
CLOSE = "%}"
_PLACEHOLDER = re.compile(r"\{\{\{\w+\}\}\}|\{\{\w+\}\}")


def is_expression(value: Any) -> bool:
    """Whether ``value`` is a ``{% ... %}`` JSONata expression string."""
    return isinstance(value, str) and value.startswith(OPEN) and value.endswith(CLOSE)


def body(value: str) -> str:
    """Return the expression inside ``{% ... %}``."""
    return value[len(OPEN) : -len(CLOSE)].strip()


def compile_expression(value: str) -> jsonata.Jsonata:
    """Parse the expression in ``value``; raise ValueError with the parser's message."""
    try:
        return jsonata.Jsonata(body(value))
    except Exception as exc:  # the parser is the layer below: all its failures mean "invalid"
        raise ValueError(_library_message(exc)) from None


def check(value: str) -> None:
    """Raise ValueError when the expression in ``value`` does not parse."""
    compile_expression(value)


def evaluate_template(template: Any, states: dict[str, Any], scope: Scope, field: str) -> Any:
    """Evaluate every expression in ``template`` (a JSON value) and return the result.

    ``field`` names where the template sits in the state (``Output``, ``Catch[0]/Assign``).
    """
    if isinstance(template, dict):
        return {
            key: evaluate_template(value, states, scope, f"{field}/{key}")
            for key, value in template.items()
        }
    if isinstance(template, list):
        return [
            evaluate_template(value, states, scope, f"{field}[{index}]")
            for index, value in enumerate(template)
        ]
    if is_expression(template):
        return evaluate_value(template, states, scope, field)
    return template


def evaluate_value(value: Any, states: dict[str, Any], scope: Scope, field: str) -> Any:
    """Evaluate ``value`` if it is an expression; a result of nothing is an error."""
    if not is_expression(value):
        return value
    expression = body(value)
    result = evaluate(expression, states, scope, field)
    if result is None:
        cause = (
            f"The JSONata expression '{expression}' specified for the field '{field}' "
            "returned nothing (undefined)."
        )
        raise errors.StatesFailure(errors.QUERY_EVALUATION_ERROR, cause, needs_location=True)
    return _plain(result)


def evaluate(expression: str, states: dict[str, Any], scope: Scope, field: str) -> Any:
    """Evaluate one JSONata expression with ``$states`` and the variables bound.

    Returns the library's value: None for nothing, ``Utils.NULL_VALUE`` for JSON null.

    Raises:
        StatesFailure: States.QueryEvaluationError naming the field and the library's error.
    """
    try:
        compiled = _compiled(expression)
        jsonata_functions.install(compiled, scope)
        return compiled.evaluate(None, _bindings(states, scope))
    except errors.StatesFailure:
        raise
    except Exception as exc:  # the engine is the layer below: every failure is the query's
        cause = (
            f"The JSONata expression '{expression}' specified for the field '{field}' threw an "
            f"error during evaluation. {_library_message(exc)}"
        )
        raise errors.StatesFailure(
            errors.QUERY_EVALUATION_ERROR, cause, needs_location=True
        ) from None


def _compiled(expression: str) -> jsonata.Jsonata:
    # Parsing costs more than evaluating; each thread keeps its own parsed expressions because
    # an expression object carries the functions registered for the evaluation at hand.
    cache: dict[str, jsonata.Jsonata] = _CACHE.__dict__.setdefault("expressions", {})
    compiled = cache.get(expression)
    if compiled is None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        compiled = jsonata.Jsonata(expression)
        compiled.set_output_convert_nulls(False)
        cache[expression] = compiled
    return compiled


def _bindings(states: dict[str, Any], scope: Scope) -> dict[str, Any]:
    # A variable holding JSON null must stay a value, not become "nothing".
    bindings = {k: Utils.NULL_VALUE if v is None else v for k, v in scope.variables.items()}
    bindings["states"] = {k: Utils.NULL_VALUE if v is None else v for k, v in states.items()}
    # The engine calls this binding before every step it evaluates.
    bindings["__evaluate_entry"] = _Budget(STEP_BUDGET)
    return bindings


class _Budget:
    """Stops a runaway expression (an endless tail-recursive loop) after a number of steps.

    The service stops such expressions after five seconds; counting steps instead keeps the
    core free of clocks and its answers repeatable, at roughly the same cost in time.
    """

    def __init__(self, steps: int) -> None:
        self.left = steps

    def __call__(self, expression: Any, data: Any, environment: Any) -> None:
        self.left -= 1
        if self.left < 0:
            raise jsonata.JException("D1012", -1, RUNAWAY_MILLISECONDS)


def _library_message(exc: Exception) -> str:
    code = getattr(exc, "error", None)
    if not isinstance(exc, jsonata.JException) or not isinstance(code, str):
        return f"{type(exc).__name__}: {exc}"
    return f"{code}: {_rendered(exc, code)}"


def _rendered(exc: jsonata.JException, code: str) -> str:
    # The library's message catalog says "Object" where the reference engine says "function",
    # and substitutes values bare where the reference engine writes {{value}} as JSON and
    # {{{value}}} as it is; the service's causes follow the reference engine.
    template = JException.error_codes.get(code)
    if template is None or template == "{{{message}}}":
        return str(exc)
    values = iter((exc.current, exc.expected, exc.extra))

    def substitute(found: re.Match[str]) -> str:
        value = next(values, None)
        if found.group(0).startswith("{{{"):
            return str(value)
        return json.dumps(value, ensure_ascii=False)

    return _PLACEHOLDER.sub(substitute, template.replace("Object", "function"))


def _plain(value: Any) -> Any:
    # Back to plain JSON: JSON null as None, sequences as lists, whole floats as integers.
    if value is Utils.NULL_VALUE:
        return None
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    # A whole number below 1e21 is written out in full, as the reference engine writes it.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
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
    return paths.to_json(value)
