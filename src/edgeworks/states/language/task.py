"""The Task state: the work a resource does, with time limits and credentials."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edgeworks.states.language.base import ABSENT, State

# The guide: a Task with no TimeoutSeconds may run for as long as the execution may.
DEFAULT_TIMEOUT_SECONDS = 99999999


@dataclass(frozen=True)
class TaskState(State):
    """States Language: Task State.

    ``timeout_seconds`` and ``heartbeat_seconds`` hold a number, a path (``*_path``) or, in
    JSONata states, an expression string; :mod:`dataflow` resolves them.
    """

    resource: str = ""
    timeout_seconds: Any = ABSENT
    timeout_seconds_path: str | None = None
    heartbeat_seconds: Any = ABSENT
    heartbeat_seconds_path: str | None = None
    credentials: Any = ABSENT
