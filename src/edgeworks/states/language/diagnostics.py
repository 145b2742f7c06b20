"""Diagnostics in the shape of ValidateStateMachineDefinition.

A diagnostic has a severity (``ERROR`` or ``WARNING``), a code such as
``SCHEMA_VALIDATION_FAILED``, a message naming the state and the field, and a location: a path
into the definition written the way the service writes it, with array indexes in brackets
(``/States/Check/Next``, ``/States/Pick/Choices[0]/Next``), or none for problems of the whole
document.
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
INVALID_JSONATA = "INVALID_JSONATA_EXPRESSION"
UNSUPPORTED_JSONATA = "UNSUPPORTED_JSONATA_EXPRESSION"
INVALID_VARIABLE = "INVALID_VARIABLE_NAME"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a definition."""

    severity: str
    code: str
    message: str
    location: str | None

    def as_wire(self) -> dict[str, str]:
        """Return the ValidateStateMachineDefinitionDiagnostic members (location if any)."""
        wire = {"severity": self.severity, "code": self.code, "message": self.message}
        if self.location is not None:
            wire["location"] = self.location
        return wire


def pointer(*parts: str | int) -> str:
    """Return the service's path to a place in the definition: names joined by ``/``, array
    indexes appended in brackets to the name before them."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f"/{part}"
    return text or "/"
