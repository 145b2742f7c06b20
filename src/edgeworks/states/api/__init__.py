"""The Step Functions API (AWS JSON 1.0) over the workflow runtime."""

from edgeworks.states.api.app import StatesService

__all__ = ["StatesService"]
