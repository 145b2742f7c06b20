"""A validator of raw JSON responses against botocore's Step Functions service model.

botocore's parser is lenient (it drops unknown members and does not check enums), so the tests
check the wire body themselves: every member known, every required member present, enums,
lengths, ranges and types as the model states them.
"""

from __future__ import annotations

from typing import Any

import botocore.session

_MODEL = botocore.session.get_session().get_service_model("stepfunctions")


def output_problems(operation: str, body: Any) -> list[str]:
    """Return every way ``body`` differs from the operation's output shape (empty: valid)."""
    shape = _MODEL.operation_model(operation).output_shape
    problems: list[str] = []
    if shape is not None:
        _check(shape, body, operation, problems)
    return problems


def error_problems(body: Any) -> list[str]:
    """Return every way an error body differs from the modeled error of its ``__type``."""
    if not isinstance(body, dict) or not isinstance(body.get("__type"), str):
        return [f"error body {body!r} has no __type"]
    name = body["__type"]
    known = {s.name for s in _MODEL.error_shapes}
    if name not in known:
        return [f"__type {name!r} is not a modeled error"]
    members = dict(_MODEL.shape_for(name).members)
    return [f"{name}.{k} is not a member" for k in body if k != "__type" and k not in members]


def _check(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    checker = _CHECKS.get(shape.type_name)
    if checker is None:
        problems.append(f"{where}: shape type {shape.type_name} not handled")
        return
    checker(shape, value, where, problems)


def _structure(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{where}: expected an object, got {value!r}")
        return
    for name in shape.required_members:
        if name not in value:
            problems.append(f"{where}: required member {name} missing")
    for name, item in value.items():
        member = shape.members.get(name)
        if member is None:
            problems.append(f"{where}: unknown member {name}")
        elif item is not None:
            _check(member, item, f"{where}.{name}", problems)


def _list(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list, got {value!r}")
        return
    _bounds(shape, len(value), where, problems)
    for index, item in enumerate(value):
        _check(shape.member, item, f"{where}[{index}]", problems)


def _map(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a map, got {value!r}")
        return
    for key, item in value.items():
        _check(shape.key, key, f"{where}<key>", problems)
        _check(shape.value, item, f"{where}[{key}]", problems)


def _string(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"{where}: expected a string, got {value!r}")
        return
    if shape.enum and value not in shape.enum:
        problems.append(f"{where}: {value!r} is not one of {shape.enum}")
    _bounds(shape, len(value), where, problems)


def _integer(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(f"{where}: expected an integer, got {value!r}")
        return
    _bounds(shape, value, where, problems)


def _float(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        problems.append(f"{where}: expected a number, got {value!r}")
        return
    _bounds(shape, value, where, problems)


def _boolean(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, bool):
        problems.append(f"{where}: expected a boolean, got {value!r}")


def _timestamp(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    # AWS JSON 1.0: timestamps are epoch seconds, a number.
    if not isinstance(value, int | float) or isinstance(value, bool):
        problems.append(f"{where}: expected epoch seconds, got {value!r}")


def _bounds(shape: Any, size: float, where: str, problems: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        problems.append(f"{where}: {size} is below the minimum {low}")
    if high is not None and size > high:
        problems.append(f"{where}: {size} is above the maximum {high}")


_CHECKS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "float": _float,
    "double": _float,
    "boolean": _boolean,
    "timestamp": _timestamp,
}
