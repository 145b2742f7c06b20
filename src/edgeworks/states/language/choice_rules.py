"""Choice rules as data, and how they are parsed from a definition (States Language: Choice
Rules).

A rule is a comparison (a Variable, an operator and a value or a path to one), a boolean
combination (And, Or, Not) of rules, or in JSONata states a Condition expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from edgeworks.states.language.base import ABSENT

TYPE_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")
_ORDERS = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
VALUE_COMPARISONS = (
    *(f"String{o}" for o in _ORDERS),
    "StringMatches",
    *(f"Numeric{o}" for o in _ORDERS),
    "BooleanEquals",
    *(f"Timestamp{o}" for o in _ORDERS),
)
PATH_COMPARISONS = tuple(f"{op}Path" for op in VALUE_COMPARISONS if op not in ("StringMatches",))
OPERATORS = frozenset((*VALUE_COMPARISONS, *PATH_COMPARISONS, *TYPE_TESTS))
COMBINATIONS = ("And", "Or", "Not")


@dataclass(frozen=True)
class Comparison:
    """``Variable`` compared by ``operator`` with ``operand`` (a value, or a path for *Path)."""

    variable: str
    operator: str
    operand: Any

    @property
    def by_path(self) -> bool:
        """Whether the operand is a path to the value to compare with."""
        return self.operator.endswith("Path")


@dataclass(frozen=True)
class Combination:
    """``And`` / ``Or`` over several rules, or ``Not`` over one."""

    kind: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Condition:
    """A JSONata Condition expression (``{% ... %}``)."""

    expression: Any


Rule = Comparison | Combination | Condition


@dataclass(frozen=True)
class Branch:
    """A top-level Choices entry: its rule, where it leads, and what it assigns or outputs."""

    rule: Rule
    next: str
    assign: Mapping[str, Any] | None = None
    output: Any = ABSENT
    comment: str | None = None
    index: int = 0  # position in the Choices list, for the field names in causes


def parse_rule(raw: Mapping[str, Any]) -> Rule:
    """Build a rule from an already-validated definition object."""
    if "Condition" in raw:
        return Condition(raw["Condition"])
    for kind in COMBINATIONS:
        if kind in raw:
            inner = raw[kind] if kind != "Not" else [raw[kind]]
            return Combination(kind, tuple(parse_rule(r) for r in inner))
    operator = next(k for k in raw if k in OPERATORS)
    return Comparison(raw.get("Variable", "$"), operator, raw[operator])


def parse_branch(raw: Mapping[str, Any], index: int = 0) -> Branch:
    """Build a top-level Choices entry from an already-validated definition object."""
    return Branch(
        rule=parse_rule(raw),
        next=raw["Next"],
        assign=raw.get("Assign"),
        output=raw.get("Output", ABSENT),
        comment=raw.get("Comment"),
        index=index,
    )
