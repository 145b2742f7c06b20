"""The functions the service adds to JSONata (the guide: JSONata functions provided by Step
Functions), and the removal of ``$eval``.

As on the service, numeric arguments are truncated towards zero, and arguments that describe
no result (a chunk size of zero, a range whose step is zero or points away from its end, a
hash without algorithm) give nothing rather than an error; the field that holds the
expression then fails with "returned nothing". Randomness comes from the scope so that a
replay evaluates to the same values.
"""

from __future__ import annotations

import hashlib
import json
import math
import random as randomlib
from typing import Any

import jsonata
from jsonata.functions import Functions
from jsonata.utils import Utils

from edgeworks.states.language.base import Scope
from edgeworks.states.language.intrinsics.functions import HASH_ALGORITHMS

# The service's own bound on $range: larger ranges fail with the memory-limit error.
MAX_RANGE_ITEMS = 360145


def install(expression: jsonata.Jsonata, scope: Scope) -> None:
    """Register the added functions on a compiled expression, bound to ``scope``."""
    expression.register_lambda("partition", _partition)
    expression.register_lambda("range", _range)
    expression.register_lambda("hash", _hash)
    expression.register_lambda("random", lambda seed=None: _random(scope, seed))
    expression.register_lambda("uuid", scope.new_uuid)
    expression.register_lambda("parse", _parse)
    expression.register_lambda("eval", _no_eval)
    # The core reads no clock: $now and $millis answer the time the scope carries.
    expression.register_lambda(
        "now", lambda picture=None, zone=None: _now(scope.now_millis(), picture, zone)
    )
    expression.register_lambda("millis", scope.now_millis)


def _signature(name: str, position: int) -> jsonata.JException:
    # Rendered as: Argument 1 of function "range" does not match function signature.
    return jsonata.JException("T0410", -1, position, name)


def _fail(message: str) -> jsonata.JException:
    return jsonata.JException("D3137", -1, message)


def _whole(name: str, position: int, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _signature(name, position)
    return int(value)


def _partition(items: Any = None, size: Any = None) -> Any:
    """$partition(array, size): chunks of ``size`` items, the last one shorter."""
    if items is None or size is None:
        return None
    values = items if isinstance(items, list) else [items]
    count = _whole("partition", 2, size)
    if count <= 0 or not values:
        return None
    return [values[i : i + count] for i in range(0, len(values), count)]


def _range(start: Any = None, end: Any = None, step: Any = None) -> Any:
    """$range(start, end, step): whole numbers from start to end inclusive."""
    if start is None or end is None or step is None:
        return None
    first, last, by = (_whole("range", i + 1, v) for i, v in enumerate((start, end, step)))
    if by == 0 or (by > 0 and first > last) or (by < 0 and first < last):
        return None
    count = abs(last - first) // abs(by) + 1
    if count > MAX_RANGE_ITEMS:
        raise _fail("Expression evaluation memory limit exceeded")
    if count == 1:
        return first
    return [first + i * by for i in range(count)]


def _hash(data: Any = None, algorithm: Any = None) -> Any:
    """$hash(value, algorithm): the hex digest of a string."""
    if data is None or algorithm is None:
        return None
    if not isinstance(data, str):
        raise _signature("hash", 1)
    if algorithm not in HASH_ALGORITHMS:
        names = ", ".join(HASH_ALGORITHMS)
        raise _fail(f"The algorithm '{algorithm}' is not supported: use one of {names}")
    return hashlib.new(HASH_ALGORITHMS[algorithm], data.encode()).hexdigest()


def _random(scope: Scope, seed: Any) -> float:
    """$random([seed]): a number in [0, 1), repeatable for a given seed."""
    if seed is None:
        return scope.random.random()
    return randomlib.Random(_whole("random", 1, seed)).random()


def _parse(text: Any = None) -> Any:
    """$parse(json): the value a JSON text describes."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise _signature("parse", 1)
    try:
        value = json.loads(text)
    except ValueError:
        raise _fail(f"The value {json.dumps(text)} is not valid JSON") from None
    return Utils.NULL_VALUE if value is None else value


def _now(millis: int, picture: Any, zone: Any) -> Any:
    return Functions.datetime_from_millis(millis, picture, zone)


def _no_eval(*_: Any) -> Any:
    # The service removes $eval: calling it is calling a non-function.
    raise jsonata.JException("T1006", -1)
