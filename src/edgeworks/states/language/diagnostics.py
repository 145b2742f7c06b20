"""Diagnostics in the shape of ValidateStateMachineDefinition.

A diagnostic has a severity (``ERROR`` or ``WARNING``), a code such as
``SCHEMA_VALIDATION_FAILED``, a message naming the state and the field, and a location written as
a JSON pointer into the definition (``/States/Check/Next``).
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "ERROR"
WARNING = "WARNING"

SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
INVALID_JSON_DESCRIPTION = "INVALID_JSON_DESCRIPTION"
MISSING_TRANSITION_TARGET = "MISSING_TRANSITION_TARGET"
UNREACHABLE_STATE = "UNREACHABLE_STATE"
MISSING_END_STATE = "MISSING_END_STATE"
DUPLICATE_STATE_NAME = "DUPLICATE_STATE_NAME"
INVALID_JSONPATH = "INVALID_JSON_PATH"
INVALID_REFERENCE_PATH = "INVALID_REFERENCE_PATH"
INVALID_INTRINSIC = "INVALID_INTRINSIC_FUNCTION"
INVALID_JSONATA = "INVALID_JSONATA"
INVALID_VARIABLE = "INVALID_VARIABLE_NAME"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a definition."""

    severity: str
    code: str
    message: str
    location: str

    def as_wire(self) -> dict[str, str]:
        """Return the ValidateStateMachineDefinitionDiagnostic members."""
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "location": self.location,
        }


def pointer(*parts: str | int) -> str:
    """Return a JSON pointer (RFC 6901) to a place in the definition."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + "/".join(escaped) if parts else "/"
