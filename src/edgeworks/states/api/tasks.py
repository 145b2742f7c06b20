"""Callback operations: SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat."""

from __future__ import annotations

import json
from typing import Any

from edgeworks.states.api import inputs
from edgeworks.states.api.deps import Deps
from edgeworks.states.api.protocol import Caller
from edgeworks.states.errors import ApiError
from edgeworks.states.runtime.callbacks import read_token
from edgeworks.states.runtime.journal import GENERATION_MARK, stored_key


def _waiting_task(deps: Deps, body: dict[str, Any]) -> tuple[str, str, bool]:
    """Return (execution ARN, task key, durable) of the task a token names.

    Raises:
        ApiError: InvalidToken for a token this service did not issue, TaskTimedOut for a task
            that timed out, TaskDoesNotExist for one that is not waiting.
    """
    token = inputs.required_str(body, "taskToken")
    try:
        arn, key = read_token(token)
    except ValueError as exc:
        raise ApiError("InvalidToken", str(exc)) from exc
    if deps.engine.callbacks.waiting(arn, key) and deps.store.execution(arn) is None:
        return arn, key, False

    execution = deps.store.execution(arn)
    # A token issued in a redriven generation names the task's key with the generation.
    task_key, _, mark = key.partition(GENERATION_MARK)
    generation = int(mark) if mark.isdigit() else 0
    scheduled = stored_key(f"{task_key}:scheduled", generation)
    issued = deps.store.event(arn, scheduled) if execution else None
    ended = (
        deps.store.event(arn, stored_key(f"{task_key}:result", generation)) if execution else None
    )
    if ended is not None and ended.type == "TaskTimedOut":
        raise ApiError("TaskTimedOut", f"Task Timed Out: '{token}'")
    if execution is None or issued is None or ended is not None or execution.status != "RUNNING":
        raise ApiError("TaskDoesNotExist", f"Task Does Not Exist: '{token}'")
    return arn, key, True


async def success(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """SendTaskSuccess: the task's result is ``output``."""
    inputs.required_str(body, "output")
    text = inputs.json_text(body, "output", "InvalidOutput")
    arn, key, durable = _waiting_task(deps, body)
    deps.engine.callbacks.deliver(
        arn, key, {"kind": "success", "output": json.loads(text)}, durable
    )
    return {}


async def failure(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """SendTaskFailure: the task fails with ``error`` and ``cause``."""
    outcome = {
        "kind": "failure",
        "error": inputs.optional_str(body, "error"),
        "cause": inputs.optional_str(body, "cause"),
    }
    arn, key, durable = _waiting_task(deps, body)
    deps.engine.callbacks.deliver(arn, key, outcome, durable)
    return {}


async def heartbeat(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """SendTaskHeartbeat: the task is still being worked on."""
    arn, key, _ = _waiting_task(deps, body)
    deps.engine.callbacks.beat(arn, key, deps.clock.now())
    return {}
