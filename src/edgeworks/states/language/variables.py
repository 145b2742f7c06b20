"""Workflow variables: what a nested scope sees, and which variables each state reads.

Scoping (the guide: Passing data between states with variables):

- a variable assigned in a state is visible from the next state on, in the same scope;
- the states inside a Parallel branch or an inline Map iteration read the variables of the
  enclosing scope, and what they assign stays inside that branch or iteration: results leave
  only through the branch or iteration output;
- the child executions of a distributed Map see none of the parent's variables (pass them in
  through ItemSelector).

``references`` answers DescribeStateMachine's ``variableReferences``: per state, the variable
names its fields read, in the order they appear.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from edgeworks.states.language import jsonata_eval
from edgeworks.states.language.intrinsics.parser import Call, IntrinsicSyntaxError, PathArg, parse
from edgeworks.states.language.map_state import MapState
from edgeworks.states.language.paths import PathError, split_root

# Fields that name other parts of the machine rather than reading data.
_NESTED = ("Branches", "ItemProcessor", "Iterator")


def visible_inside(variables: Mapping[str, Any], state: Any) -> dict[str, Any]:
    """Return the variables the states nested in ``state`` start with (a copy)."""
    if isinstance(state, MapState) and state.distributed:
        return {}
    return dict(variables)


def references(document: Mapping[str, Any]) -> dict[str, list[str]]:
    """Return, per state name (nested states included), the variables the state reads."""
    found: dict[str, list[str]] = {}
    for name, state in _states(document):
        names: list[str] = []
        for key, value in state.items():
            if key not in _NESTED:
                _collect(key, value, names)
        if names:
            found[name] = names
    return found


def _states(machine: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    states = machine.get("States")
    for name, state in (states if isinstance(states, Mapping) else {}).items():
        if not isinstance(state, Mapping):
            continue
        yield name, state
        branches = state.get("Branches")
        for branch in branches if isinstance(branches, list) else []:
            if isinstance(branch, Mapping):
                yield from _states(branch)
        for field in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(field), Mapping):
                yield from _states(state[field])


def _collect(key: str, value: Any, names: list[str]) -> None:
    if isinstance(value, Mapping):
        for inner_key, inner in value.items():
            _collect(inner_key, inner, names)
    elif isinstance(value, list):
        for item in value:
            _collect(key, item, names)
    elif isinstance(value, str):
        for name in _read_by(key, value):
            if name not in names:
                names.append(name)


def _read_by(key: str, value: str) -> Iterator[str]:
    if jsonata_eval.is_expression(value):
        yield from _jsonata_variables(value)
    elif key.endswith(".$") or key.endswith("Path") or key == "Variable":
        yield from _path_variables(value)


def _path_variables(value: str) -> Iterator[str]:
    if value.startswith("States."):
        try:
            yield from _call_variables(parse(value))
        except IntrinsicSyntaxError:
            return
        return
    try:
        root = split_root(value)
    except PathError:
        return
    if root.variable is not None:
        yield root.variable


def _call_variables(call: Call) -> Iterator[str]:
    for argument in call.arguments:
        if isinstance(argument, Call):
            yield from _call_variables(argument)
        elif isinstance(argument, PathArg):
            yield from _path_variables(argument.path)


def _jsonata_variables(value: str) -> Iterator[str]:
    try:
        ast = jsonata_eval.compile_expression(value).ast
    except ValueError:  # validation reports the expressions that do not parse
        return
    bound: set[str] = set()
    yield from _walk(ast, bound)


def _walk(node: Any, bound: set[str]) -> Iterator[str]:
    kind = getattr(node, "type", None)
    if kind == "variable":
        name = str(node.value)
        if name not in ("", "$", "states") and name not in bound:
            yield name
        return
    if kind == "bind":
        bound.add(str(node.lhs.value))
    if kind == "lambda":
        bound.update(str(a.value) for a in node.arguments or [])
    for child in _children(node, kind):
        yield from _walk(child, bound)


def _children(node: Any, kind: Any) -> Iterator[Any]:
    for attribute in ("lhs", "rhs", "expression", "body", "condition", "then", "_else"):
        if kind == "bind" and attribute == "lhs":
            continue
        child = getattr(node, attribute, None)
        if child is not None:
            yield child
    for attribute in ("steps", "expressions", "stages"):
        yield from getattr(node, attribute, None) or []
    if kind in ("function", "partial"):
        yield from node.arguments or []
    for pair in getattr(node, "lhs_object", None) or []:
        yield from pair
    for attribute in ("predicate", "group"):
        extra = getattr(node, attribute, None)
        if isinstance(extra, list):
            yield from extra
        elif extra is not None:
            yield extra
