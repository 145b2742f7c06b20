"""The schema pass for Choice rules (States Language: Choice Rules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edgeworks.states.language import diagnostics as dg
from edgeworks.states.language.base import JSONATA
from edgeworks.states.language.checks import FieldChecker, Where
from edgeworks.states.language.choice_rules import (
    COMBINATIONS,
    OPERATORS,
    PATH_COMPARISONS,
    TYPE_TESTS,
)

BRANCH_FIELDS = frozenset({"Next", "Comment", "Assign", "Output"})


def check_choices(
    checker: FieldChecker, raw: Mapping[str, Any], where: Where, owner: str, language: str
) -> None:
    """Check a Choice state's Choices list: each entry is a rule with a Next."""
    choices = raw.get("Choices")
    if not isinstance(choices, list):
        return
    if not choices:
        message = f"The 'Choices' of {owner} must have at least one rule"
        checker.add(dg.SCHEMA_VALIDATION_FAILED, message, (*where, "Choices"))
    for index, entry in enumerate(choices):
        at = (*where, "Choices", index)
        what = f"Choices[{index}] of {owner}"
        if not isinstance(entry, dict):
            checker.add(dg.SCHEMA_VALIDATION_FAILED, f"The {what} must be an object", at)
            continue
        if not isinstance(entry.get("Next"), str):
            message = "These fields are required: [Next]"
            checker.add(dg.SCHEMA_VALIDATION_FAILED, message, at)
        if "Assign" in entry:
            checker.assign(entry["Assign"], (*at, "Assign"), what, language == JSONATA)
        if "Output" in entry and language == JSONATA:
            checker.jsonata_template(entry["Output"], (*at, "Output"))
        elif "Output" in entry:
            message = (
                "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported "
                "for the 'JSONata' QueryLanguage"
            )
            checker.add(dg.SCHEMA_VALIDATION_FAILED, message, at)
        rule = {k: v for k, v in entry.items() if k not in BRANCH_FIELDS}
        check_rule(checker, rule, at, what, language)


def check_rule(
    checker: FieldChecker,
    rule: Mapping[str, Any],
    where: Where,
    what: str,
    language: str,
) -> None:
    """Check one rule: a Condition, a combination or a comparison, and nothing else."""
    if language == JSONATA:
        _check_condition(checker, rule, where)
        return
    combination = [k for k in COMBINATIONS if k in rule]
    if combination:
        _check_combination(checker, rule, combination[0], where, what, language=language)
        return
    _check_comparison(checker, rule, where, what)


def _check_condition(checker: FieldChecker, rule: Mapping[str, Any], where: Where) -> None:
    for key in rule:
        if key != "Condition":
            checker.unsupported(key, where)
    condition = rule.get("Condition")
    if isinstance(condition, bool):
        return
    if not isinstance(condition, str):
        message = "These fields are required: [Condition]"
        checker.add(dg.SCHEMA_VALIDATION_FAILED, message, where)
        return
    checker.kind(condition, "expression:boolean", (*where, "Condition"))


def _check_combination(
    checker: FieldChecker,
    rule: Mapping[str, Any],
    kind: str,
    where: Where,
    what: str,
    *,
    language: str,
) -> None:
    for key in rule:
        if key not in (kind, "Comment"):
            message = f"Field '{key}' cannot be used with '{kind}' in {what}"
            checker.add(dg.SCHEMA_VALIDATION_FAILED, message, (*where, key))
    inner = rule[kind]
    if kind == "Not":
        if not isinstance(inner, dict):
            message = f"The value of 'Not' in {what} must be an OBJECT"
            checker.add(dg.SCHEMA_VALIDATION_FAILED, message, (*where, kind))
            return
        check_rule(checker, inner, (*where, kind), what, language)
        return
    if not isinstance(inner, list) or not inner:
        message = f"The value of '{kind}' in {what} must be a non-empty ARRAY"
        checker.add(dg.SCHEMA_VALIDATION_FAILED, message, (*where, kind))
        return
    for index, item in enumerate(inner):
        if not isinstance(item, dict):
            message = f"Each rule of '{kind}' in {what} must be an OBJECT"
            checker.add(dg.SCHEMA_VALIDATION_FAILED, message, (*where, kind, index))
            continue
        check_rule(checker, item, (*where, kind, index), what, language)


def _check_comparison(
    checker: FieldChecker, rule: Mapping[str, Any], where: Where, what: str
) -> None:
    operators = [k for k in rule if k in OPERATORS]
    for key in rule:
        if key not in OPERATORS and key not in ("Variable", "Comment"):
            checker.unsupported(key, where)
    if len(operators) != 1:
        message = f"The rule in {what} must have exactly one comparison operator"
        checker.add(dg.SCHEMA_VALIDATION_FAILED, message, where)
        return
    if not isinstance(rule.get("Variable"), str):
        message = "These fields are required: [Variable]"
        checker.add(dg.SCHEMA_VALIDATION_FAILED, message, where)
    else:
        checker.path(rule["Variable"], (*where, "Variable"))
    operator = operators[0]
    _check_operand(checker, operator, rule[operator], (*where, operator))


def _check_operand(checker: FieldChecker, operator: str, value: Any, where: Where) -> None:
    if operator in PATH_COMPARISONS:
        checker.kind(value, "string", where)
        if isinstance(value, str):
            checker.path(value, where)
        return
    if operator in TYPE_TESTS or operator.startswith("Boolean"):
        kind = "boolean"
    elif operator.startswith("String"):
        kind = "string"
    elif operator.startswith("Numeric"):
        kind = "number"
    else:
        kind = "timestamp"
    checker.kind(value, kind, where)
