"""Which query language a machine or a state uses (the guide: QueryLanguage)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edgeworks.states.language import diagnostics as dg
from edgeworks.states.language.base import JSONATA, JSONPATH
from edgeworks.states.language.checks import FieldChecker, Where


def resolve_language(
    checker: FieldChecker, raw: Mapping[str, Any], where: Where, fallback: str
) -> str:
    """Return the query language ``raw`` sets, reporting a value outside the enum.

    As on the service, only the exact string "JSONPath" selects JSONPath; any other value
    present (after its diagnostic) selects JSONata.
    """
    if "QueryLanguage" not in raw:
        return fallback
    value = raw["QueryLanguage"]
    if value in (JSONPATH, JSONATA):
        return str(value)
    if isinstance(value, str):
        message = "Value should be one of the following: [JSONPath, JSONata]"
    else:
        message = "Expected value of type [STRING]"
    checker.add(dg.SCHEMA_VALIDATION_FAILED, message, where)
    return JSONATA
