"""Nested workflows: ``arn:aws:states:::states:startExecution`` runs another machine here.

The forms follow the Step Functions service integration:

- request-response: the task's result is the StartExecution response (``ExecutionArn``,
  ``StartDate`` in epoch milliseconds);
- ``.sync`` / ``.sync:2``: the task waits for the child to end; its result is the
  DescribeExecution response, with ``Input`` and ``Output`` as JSON text (``.sync``) or as JSON
  (``.sync:2``). A child that does not succeed fails the task with ``States.TaskFailed`` and the
  response as cause;
- ``.waitForTaskToken``: the child is started and the task waits for SendTaskSuccess.

Without a ``Name`` the child's name derives from the parent's step, so a replayed parent finds
the child it started before instead of starting another.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from edgeworks.states.errors import FunctionError
from edgeworks.states.store import ExecutionRecord

NOT_FOUND = "StepFunctions.StateMachineDoesNotExistException"
ALREADY = "StepFunctions.ExecutionAlreadyExistsException"


def child_name(parameters: dict[str, Any], parent_arn: str, key: str) -> str:
    """Return the child's name: the one given, or one fixed by the parent's step."""
    given = parameters.get("Name")
    if isinstance(given, str) and given:
        return given
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{parent_arn}{key}"))


def child_input(parameters: dict[str, Any]) -> str:
    """Return the child's input text: ``Input`` as given (text or JSON), ``{}`` without one."""
    value = parameters.get("Input", {})
    if isinstance(value, str):
        try:
            json.loads(value)
        except json.JSONDecodeError as exc:
            cause = f"Invalid Input for the nested execution: {exc}"
            raise FunctionError("StepFunctions.InvalidExecutionInputException", cause) from exc
        return value
    return json.dumps(value, separators=(",", ":"))


def started(child: ExecutionRecord) -> dict[str, Any]:
    """Return the StartExecution response for a child."""
    return {"ExecutionArn": child.arn, "StartDate": _millis(child.started)}


def described(child: ExecutionRecord, parsed: bool) -> dict[str, Any]:
    """Return the DescribeExecution response for a child that ended."""

    def data(text: str) -> Any:
        return json.loads(text) if parsed else text

    found: dict[str, Any] = {
        "ExecutionArn": child.arn,
        "Input": data(child.input),
        "InputDetails": {"Included": True},
        "Name": child.name,
        "StartDate": _millis(child.started),
        "StateMachineArn": child.machine_arn,
        "Status": child.status,
        "StopDate": _millis(child.stopped or child.started),
    }
    if child.output is not None:
        found["Output"] = data(child.output)
        found["OutputDetails"] = {"Included": True}
    if child.error is not None:
        found["Error"] = child.error
    if child.cause is not None:
        found["Cause"] = child.cause
    return found


def _millis(moment: float) -> int:
    return int(moment * 1000)
