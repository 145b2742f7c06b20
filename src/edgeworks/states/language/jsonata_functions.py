"""The functions the service adds to JSONata (the guide: JSONata functions provided by Step
Functions), and the removal of ``$eval``.

Randomness comes from the scope so that a replay evaluates to the same values.
"""

from __future__ import annotations

import hashlib
import json
import random as randomlib
from typing import Any

import jsonata

from edgeworks.states.language import errors
from edgeworks.states.language.base import Scope
from edgeworks.states.language.intrinsics.functions import HASH_ALGORITHMS

MAX_RANGE_ITEMS = 1000


def install(expression: jsonata.Jsonata, scope: Scope) -> None:
    """Register the added functions on a compiled expression, bound to ``scope``."""
    expression.register_lambda("partition", _partition)
    expression.register_lambda("range", _range)
    expression.register_lambda("hash", _hash)
    expression.register_lambda("random", lambda seed=None: _random(scope, seed))
    expression.register_lambda("uuid", scope.new_uuid)
    expression.register_lambda("parse", _parse)
    expression.register_lambda("eval", _no_eval)


def _fail(message: str) -> errors.StatesFailure:
    return errors.StatesFailure(errors.QUERY_EVALUATION_ERROR, message, needs_location=True)


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"The function ${name} expects a number, got {json.dumps(value)}")
    return float(value)


def _partition(items: Any, size: Any) -> list[Any]:
    """$partition(array, size): chunks of ``size`` items."""
    if not isinstance(items, list):
        items = [items]
    count = int(_number("partition", size))
    if count <= 0:
        raise _fail(f"The function $partition needs a positive size, got {size}")
    return [items[i : i + count] for i in range(0, len(items), count)]


def _range(start: Any, end: Any, step: Any) -> list[Any]:
    """$range(start, end, step): numbers from start to end inclusive."""
    first, last, by = (_number("range", v) for v in (start, end, step))
    if by == 0:
        raise _fail("The function $range needs a step other than 0")
    values: list[Any] = []
    current = first
    while (current <= last) if by > 0 else (current >= last):
        values.append(int(current) if current.is_integer() else current)
        current += by
        if len(values) > MAX_RANGE_ITEMS:
            raise _fail(f"The function $range would make more than {MAX_RANGE_ITEMS} items")
    return values


def _hash(data: Any, algorithm: Any = "SHA-256") -> str:
    """$hash(value, algorithm): the hex digest of a string."""
    if not isinstance(data, str):
        raise _fail(f"The function $hash expects a string, got {json.dumps(data)}")
    if algorithm not in HASH_ALGORITHMS:
        raise _fail(f"The function $hash does not know the algorithm {json.dumps(algorithm)}")
    return hashlib.new(HASH_ALGORITHMS[algorithm], data.encode()).hexdigest()


def _random(scope: Scope, seed: Any) -> float:
    """$random([seed]): a number in [0, 1), repeatable for a given seed."""
    if seed is None:
        return scope.random.random()
    return randomlib.Random(int(_number("random", seed))).random()


def _parse(text: Any) -> Any:
    """$parse(json): the value a JSON text describes."""
    if not isinstance(text, str):
        raise _fail(f"The function $parse expects a string, got {json.dumps(text)}")
    try:
        return json.loads(text)
    except ValueError:
        raise _fail(f"The function $parse could not parse {json.dumps(text)}") from None


def _no_eval(*_: Any) -> Any:
    raise _fail("The function $eval is not supported; use $parse")
