"""The Choice state: picks the next state by the first rule that matches.

Comparisons whose value has the wrong type are false rather than errors (States Language:
Choice Rules); a Variable path that selects nothing is a States.Runtime failure except under
IsPresent. No match and no Default fails with States.NoChoiceMatched.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edgeworks.states.language import dataflow, errors, jsonata_eval, paths, timestamps
from edgeworks.states.language.base import Scope, State
from edgeworks.states.language.choice_rules import Branch, Combination, Comparison, Condition, Rule

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


@dataclass(frozen=True)
class ChoiceState(State):
    """States Language: Choice State."""

    choices: tuple[Branch, ...] = ()
    default: str | None = None


def evaluate(state: ChoiceState, data: Any, scope: Scope) -> Branch | None:
    """Return the first branch whose rule matches ``data``, or None when only Default is left.

    ``data`` is the effective input (after InputPath) in JSONPath states and the raw state
    input in JSONata states.

    Raises:
        StatesFailure: States.NoChoiceMatched when nothing matches and there is no Default;
            States.Runtime for a Variable that selects nothing; States.QueryEvaluationError
            for a Condition that fails or is not boolean.
    """
    for branch in state.choices:
        if matches(branch.rule, data, scope, f"Choices[{branch.index}]/Condition"):
            return branch
    if state.default is None:
        # Like every failure the interpreter raises, the cause names the state and its event.
        cause = f"No Choice Rules matched and no Default was specified in state '{state.name}'"
        raise errors.StatesFailure(errors.NO_CHOICE_MATCHED, cause, needs_location=True)
    return None


def matches(rule: Rule, data: Any, scope: Scope, field: str = "Condition") -> bool:
    """Whether ``rule`` holds for ``data`` (``field`` names a Condition in causes)."""
    if isinstance(rule, Condition):
        return _condition(rule, data, scope, field)
    if isinstance(rule, Combination):
        results = (matches(r, data, scope, field) for r in rule.rules)
        if rule.kind == "And":
            return all(results)
        if rule.kind == "Or":
            return any(results)
        return not next(results)
    return _comparison(rule, data, scope)


def _condition(rule: Condition, data: Any, scope: Scope, field: str) -> bool:
    if isinstance(rule.expression, bool):
        return rule.expression
    states = {"input": data, "context": dict(scope.context)}
    result = jsonata_eval.evaluate_value(rule.expression, states, scope, field)
    if not isinstance(result, bool):
        cause = (
            f"The JSONata expression '{jsonata_eval.body(rule.expression)}' specified for the "
            f"field '{field}' returned an unexpected result type. Expected 'boolean', but was "
            f"'{jsonata_eval.type_name(result)}'"
        )
        raise errors.StatesFailure(errors.QUERY_EVALUATION_ERROR, cause, needs_location=True)
    return result


def finish(
    state: ChoiceState, branch: Branch | None, raw_input: Any, effective: Any, scope: Scope
) -> tuple[str, Any, dict[str, Any]]:
    """Return the next state, the output and the variables after a Choice decided.

    A matched branch brings its own Assign and Output (JSONata) and the state's own are not
    used; the Default uses the state's (States Language: Choice State; the guide: variables).
    """
    if branch is None:
        output, variables = dataflow.finish_output(state, raw_input, effective, scope)
        return str(state.default), output, variables
    chosen = dataclasses.replace(state, assign=branch.assign, output=branch.output)
    prefix = f"Choices[{branch.index}]/"
    output, variables = dataflow.finish_output(
        chosen, raw_input, effective, scope, field_prefix=prefix
    )
    return branch.next, output, variables


def _comparison(rule: Comparison, data: Any, scope: Scope) -> bool:
    try:
        value = paths.select(rule.variable, data, scope)
    except paths.NoMatchError:
        if rule.operator == "IsPresent":
            return rule.operand is False
        cause = (
            f"Invalid path '{rule.variable}': The choice state's condition path references "
            "an invalid value."
        )
        raise errors.StatesFailure(errors.RUNTIME, cause, needs_location=True) from None
    if rule.operator.startswith("Is"):
        return _type_test(rule.operator, value) is rule.operand
    operand = rule.operand
    if rule.by_path:
        operand = _operand_at(rule, data, scope)
    return _compare(rule.operator.removesuffix("Path"), value, operand)


def _operand_at(rule: Comparison, data: Any, scope: Scope) -> Any:
    try:
        return paths.select(rule.operand, data, scope)
    except paths.NoMatchError:
        cause = (
            f"Invalid path '{rule.operand}': The choice state's condition path references "
            "an invalid value."
        )
        raise errors.StatesFailure(errors.RUNTIME, cause, needs_location=True) from None


def _type_test(test: str, value: Any) -> bool:
    if test == "IsPresent":
        return True
    if test == "IsNull":
        return value is None
    if test == "IsNumeric":
        return _is_number(value)
    if test == "IsString":
        return isinstance(value, str)
    if test == "IsBoolean":
        return isinstance(value, bool)
    return timestamps.is_timestamp(value)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def _compare(op: str, value: Any, operand: Any) -> bool:
    if op == "StringMatches":
        return (
            isinstance(value, str) and isinstance(operand, str) and string_matches(value, operand)
        )
    if op == "BooleanEquals":
        return isinstance(value, bool) and isinstance(operand, bool) and value is operand
    kind, order = _split(op)
    if kind == "String":
        ok = isinstance(value, str) and isinstance(operand, str)
        return ok and _ORDER[order](value, operand)
    if kind == "Numeric":
        return _is_number(value) and _is_number(operand) and _ORDER[order](value, operand)
    left, right = timestamps.parse(value), timestamps.parse(operand)
    return left is not None and right is not None and _ORDER[order](left, right)


def _split(op: str) -> tuple[str, str]:
    for kind in ("String", "Numeric", "Timestamp"):
        if op.startswith(kind):
            return kind, op[len(kind) :]
    raise ValueError(f"unknown comparison operator '{op}'")


def string_matches(value: str, pattern: str) -> bool:
    """StringMatches: ``*`` matches any run of characters; ``\\*`` and ``\\\\`` are literal."""
    parts: list[str | None] = []  # None stands for a wildcard
    literal = ""
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\" and position + 1 < len(pattern):
            literal += pattern[position + 1]
            position += 2
            continue
        if char == "*":
            parts.extend([literal, None])
            literal = ""
        else:
            literal += char
        position += 1
    parts.append(literal)
    return _glob(value, parts)


def _glob(value: str, parts: list[str | None]) -> bool:
    literals = [p for p in parts if p is not None]
    if len(literals) == 1:
        return value == literals[0]
    first, last = literals[0], literals[-1]
    if not value.startswith(first) or len(value) < len(first) + len(last):
        return False
    if not value.endswith(last):
        return False
    position = len(first)
    end = len(value) - len(last)
    for middle in literals[1:-1]:
        found = value.find(middle, position, end)
        if found < 0:
            return False
        position = found + len(middle)
    return True
