"""Field-level checks shared by the validation passes: kinds, paths, expressions, names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from edgeworks.states.language import diagnostics as dg
from edgeworks.states.language import intrinsics, jsonata_eval, paths, timestamps
from edgeworks.states.language.diagnostics import Diagnostic, pointer
from edgeworks.states.language.jsonata_static import unsupported_references

# The guide: variable names follow the rules of identifiers, at most 80 characters, and
# "states" is reserved.
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}\Z")
RESERVED_VARIABLES = frozenset({"states"})
# The guide: reference paths may not call functions such as length().
_CALL = re.compile(r"\w\(.*\)\Z")
# The guide: Wait Seconds, like TimeoutSeconds, is at most 99999999.
MAX_SECONDS = 99999999

Where = tuple[str | int, ...]


class FieldChecker:
    """Collects diagnostics while the validation passes walk the definition."""

    def __init__(self) -> None:
        self.found: list[Diagnostic] = []

    def add(self, code: str, message: str, where: Where | None, severity: str = dg.ERROR) -> None:
        """Record one diagnostic at ``where`` (None: the whole document)."""
        location = pointer(*where) if where is not None else None
        self.found.append(Diagnostic(severity, code, message, location))

    def fields(
        self,
        raw: Mapping[str, Any],
        kinds: Mapping[str, str],
        where: Where,
        owner: str,
        required: Iterable[str] = (),
    ) -> None:
        """Check that ``raw`` has the required fields, no others, each of the right kind."""
        missing = [name for name in required if name not in raw]
        if missing:
            message = f"These fields are required: [{', '.join(missing)}]"
            self.add(dg.SCHEMA_VALIDATION_FAILED, message, where)
        for name, value in raw.items():
            kind = kinds.get(name)
            if kind is None:
                self.unsupported(name, where)
                continue
            self.kind(value, kind, (*where, name))

    def unsupported(self, name: str, where: Where) -> None:
        """Record a field the object does not accept; the service points at the object."""
        self.add(dg.SCHEMA_VALIDATION_FAILED, f"Field '{name}' is not supported", where)

    def kind(self, value: Any, kind: str, where: Where) -> None:
        """Check one value against a kind from :mod:`schema`."""
        if kind.startswith("expression:"):
            if jsonata_eval.is_expression(value):
                self.expression(value, where)
                return
            kind = kind.split(":", 1)[1]
        problem = _kind_problem(value, kind)
        if problem is not None:
            self.add(dg.SCHEMA_VALIDATION_FAILED, problem, where)
            return
        if kind == "dynamic" and value.startswith("States."):
            self.intrinsic(value, where)
        elif kind in ("path", "nullable_path", "dynamic") and value is not None:
            self.path(value, where)
        elif kind == "definite_path":
            self.definite(value, where)
        elif kind == "reference" and value is not None:
            self.reference(value, where)

    def path(self, value: str, where: Where, *, or_intrinsic: bool = False) -> None:
        """Check a JSONPath field; ``or_intrinsic`` where a call would also be accepted."""
        try:
            paths.check(value)
        except paths.PathError:
            self._not_a_path(where, or_intrinsic)

    def definite(self, value: str, where: Where) -> None:
        """Check a path that must name one value (TimeoutSecondsPath, MaxConcurrencyPath...)."""
        try:
            paths.check(value)
            definite = paths.is_definite(paths.split_root(value).query)
        except paths.PathError:
            definite = False
        if not definite:
            message = f"The value for the field '{where[-1]}' must be a valid ReferencePath"
            self.add(dg.SCHEMA_VALIDATION_FAILED, message, where)

    def _not_a_path(self, where: Where, or_intrinsic: bool) -> None:
        message = f"The value for the field '{where[-1]}' must be a valid JSONPath"
        if or_intrinsic:
            message += " or a valid intrinsic function call"
        self.add(dg.SCHEMA_VALIDATION_FAILED, message, where)

    def reference(self, value: str, where: Where) -> None:
        """Check a reference path field (ResultPath): names and indexes, no functions."""
        try:
            steps = paths.parse_reference(value)
        except paths.PathError:
            steps = None
        if steps is None or any(isinstance(s, str) and _CALL.search(s) for s in steps):
            message = f"The value for the field '{where[-1]}' must be a valid ReferencePath"
            self.add(dg.SCHEMA_VALIDATION_FAILED, message, where)

    def expression(self, value: str, where: Where, *, error_output: bool = False) -> None:
        """Check that a ``{% %}`` JSONata expression parses and reads only what it may.

        ``error_output``: the expression sits in a catcher, where ``$states.errorOutput``
        resolves.
        """
        try:
            compiled = jsonata_eval.compile_expression(value)
        except ValueError as exc:
            self.add(dg.INVALID_JSONATA, str(exc), where)
            return
        body = jsonata_eval.body(value)
        for message in unsupported_references(compiled.ast, body, error_output=error_output):
            self.add(dg.UNSUPPORTED_JSONATA, message, where)

    def template(self, value: Any, where: Where) -> None:
        """Check a payload template: every ``.$`` value is a path or an intrinsic call."""
        if isinstance(value, list):
            for index, item in enumerate(value):
                self.template(item, (*where, index))
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            if not key.endswith(".$"):
                self.template(item, (*where, key))
            elif not isinstance(item, str):
                self._not_a_path((*where, key), or_intrinsic=True)
            elif item.startswith("States."):
                self.intrinsic(item, (*where, key))
            else:
                self.path(item, (*where, key), or_intrinsic=True)

    def intrinsic(self, value: str, where: Where) -> None:
        """Check an intrinsic function call."""
        try:
            intrinsics.check(value)
        except intrinsics.IntrinsicSyntaxError:
            self._not_a_path(where, or_intrinsic=True)

    def jsonata_template(self, value: Any, where: Where, *, error_output: bool = False) -> None:
        """Check every ``{% %}`` string inside a JSONata-mode field."""
        if isinstance(value, dict):
            for key, item in value.items():
                self.jsonata_template(item, (*where, key), error_output=error_output)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.jsonata_template(item, (*where, index), error_output=error_output)
        elif jsonata_eval.is_expression(value):
            self.expression(value, where, error_output=error_output)

    def assign(
        self, value: Any, where: Where, what: str, jsonata: bool, *, error_output: bool = False
    ) -> None:
        """Check an Assign object: variable names and the values' paths or expressions."""
        if not isinstance(value, dict):
            return
        for key in value:
            name = key[:-2] if key.endswith(".$") and not jsonata else key
            if not VARIABLE_NAME.match(name) or name in RESERVED_VARIABLES:
                message = f"The variable name '{name}' in Assign of {what} is not valid"
                self.add(dg.INVALID_VARIABLE, message, (*where, key))
        if jsonata:
            self.jsonata_template(value, where, error_output=error_output)
        else:
            self.template(value, where)


def _kind_problem(value: Any, kind: str) -> str | None:
    # The service words a wrong kind as "Expected value of type [STRING]".
    checks: dict[str, tuple[bool, str]] = {
        "string": (isinstance(value, str), "[STRING]"),
        "boolean": (isinstance(value, bool), "[BOOLEAN]"),
        "object": (isinstance(value, dict), "[OBJECT]"),
        "array": (isinstance(value, list), "[ARRAY]"),
        "number": (_is_number(value), "[NUMBER]"),
        "positive": (_is_count(value), "[INTEGER]"),
        "seconds": (_is_count(value) and value <= MAX_SECONDS, "[INTEGER]"),
        "path": (isinstance(value, str), "[STRING]"),
        "definite_path": (isinstance(value, str), "[STRING]"),
        "nullable_path": (value is None or isinstance(value, str), "[STRING, NULL]"),
        "reference": (value is None or isinstance(value, str), "[STRING, NULL]"),
        "dynamic": (isinstance(value, str), "[STRING]"),
        "timestamp": (timestamps.is_timestamp(value), "[TIMESTAMP]"),
    }
    ok, expected = checks.get(kind, (True, ""))
    return None if ok else f"Expected value of type {expected}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return whole and not isinstance(value, bool) and value >= 0
