"""Execution operations: Start, StartSync, Describe, Stop, List, and the machine of one."""

from __future__ import annotations

import uuid
from typing import Any

from edgeworks.states.api import arns, inputs, versions
from edgeworks.states.api.deps import Deps
from edgeworks.states.api.machines import refuse_deleting
from edgeworks.states.api.protocol import Caller
from edgeworks.states.errors import ApiError
from edgeworks.states.store import ExecutionRecord

STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")


def find(deps: Deps, body: dict[str, Any]) -> ExecutionRecord:
    """Return the execution a request names.

    Raises:
        ApiError: InvalidArn or ExecutionDoesNotExist, quoting the ARN.
    """
    arn = arns.parse(body.get("executionArn"), "executionArn", ("execution", "express"))
    execution = deps.store.execution(str(arn)) if arn.kind == "execution" else None
    if execution is None:
        raise ApiError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
    return execution


def _new(deps: Deps, found: versions.Target, body: dict[str, Any]) -> ExecutionRecord:
    machine = found.machine
    refuse_deleting(deps, machine)
    name = inputs.optional_str(body, "name") or str(uuid.uuid4())
    arns.check_name(name)
    text = inputs.json_text(body, "input", "InvalidExecutionInput")
    if machine.type == "EXPRESS":
        arn = arns.express_arn(machine.arn, name, str(uuid.uuid4()))
    else:
        arn = arns.execution_arn(machine.arn, name)
    return ExecutionRecord(
        arn=arn,
        machine_arn=machine.arn,
        name=name,
        status="RUNNING",
        input=text,
        started=deps.clock.now(),
        definition=found.definition,
        role_arn=found.version.role_arn if found.version else machine.role_arn,
        machine_updated=machine.updated,
        revision_id=found.version.revision_id if found.version else machine.revision_id,
        type=machine.type,
        version_arn=found.version.arn if found.version else None,
        alias_arn=found.alias.arn if found.alias else None,
    )


async def start(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """StartExecution: idempotent for the same name and input while the first one runs."""
    execution = _new(deps, versions.target(deps, body), body)
    if execution.type == "STANDARD" and not deps.store.add_execution(execution):
        execution = _same_running(deps, execution)
    else:
        deps.engine.launch(execution, fresh=True)
    return {"executionArn": execution.arn, "startDate": execution.started}


def _same_running(deps: Deps, wanted: ExecutionRecord) -> ExecutionRecord:
    # Step Functions API, StartExecution: for a STANDARD machine the same name and input
    # while that execution runs returns it again; a closed one or other input is a conflict.
    existing = deps.store.execution(wanted.arn)
    assert existing is not None
    if existing.status != "RUNNING" or existing.input != wanted.input:
        raise ApiError("ExecutionAlreadyExists", f"Execution Already Exists: '{wanted.arn}'")
    return existing


async def start_sync(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """StartSyncExecution: runs an EXPRESS execution and answers with how it ended."""
    found = versions.target(deps, body)
    machine = found.machine
    if machine.type != "EXPRESS":
        raise ApiError(
            "StateMachineTypeNotSupported",
            f"This operation is not supported by this type of state machine: '{machine.arn}'",
        )
    ended = await deps.engine.launch(_new(deps, found, body), fresh=True)
    answer = {
        "executionArn": ended.arn,
        "stateMachineArn": ended.machine_arn,
        "name": ended.name,
        "startDate": ended.started,
        "stopDate": ended.stopped,
        "status": ended.status,
        "input": ended.input,
        "inputDetails": {"included": True},
        "billingDetails": {
            "billedMemoryUsedInMB": 64,
            "billedDurationInMilliseconds": max(
                100, int(((ended.stopped or 0) - ended.started) * 1000)
            ),
        },
    }
    return answer | _ending(ended)


def _ending(execution: ExecutionRecord) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if execution.stopped is not None:
        found["stopDate"] = execution.stopped
    if execution.output is not None:
        found["output"] = execution.output
        found["outputDetails"] = {"included": True}
    if execution.error is not None:
        found["error"] = execution.error
    if execution.cause is not None:
        found["cause"] = execution.cause
    return found


async def describe(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """DescribeExecution."""
    execution = find(deps, body)
    answer = {
        "executionArn": execution.arn,
        "stateMachineArn": execution.machine_arn,
        "name": execution.name,
        "status": execution.status,
        "startDate": execution.started,
        "input": execution.input,
        "inputDetails": {"included": True},
        "redriveCount": execution.redrive_count,
        **_redrive_status(execution),
    }
    return answer | _qualifiers(execution) | _ending(execution)


_REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")


def _redrive_status(execution: ExecutionRecord) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if execution.redrive_date is not None:
        found["redriveDate"] = execution.redrive_date
    if execution.type == "STANDARD" and execution.status in _REDRIVABLE:
        return found | {"redriveStatus": "REDRIVABLE"}
    reason = f"Execution is {execution.status} and cannot be redriven"
    return found | {"redriveStatus": "NOT_REDRIVABLE", "redriveStatusReason": reason}


async def redrive(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """RedriveExecution: run a failed, timed out or aborted execution again from where it
    stopped; states that had finished keep their recorded results."""
    execution = find(deps, body)
    if execution.type != "STANDARD" or execution.status not in _REDRIVABLE:
        raise ApiError(
            "ExecutionNotRedrivable",
            f"Execution {execution.arn} is {execution.status} and cannot be redriven",
        )
    return {"redriveDate": deps.engine.redrive(execution)}


def _qualifiers(execution: ExecutionRecord) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if execution.map_run is not None:
        found["mapRunArn"] = execution.map_run
    if execution.version_arn is not None:
        found["stateMachineVersionArn"] = execution.version_arn
    if execution.alias_arn is not None:
        found["stateMachineAliasArn"] = execution.alias_arn
    return found


async def stop(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """StopExecution: an execution that already ended keeps its end."""
    execution = find(deps, body)
    error = inputs.optional_str(body, "error")
    cause = inputs.optional_str(body, "cause")
    if execution.status != "RUNNING":
        return {"stopDate": execution.stopped or execution.started}
    return {"stopDate": await deps.engine.stop(execution.arn, error, cause)}


async def list_all(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """ListExecutions of a STANDARD machine or a map run, newest first, by status, paged."""
    owner, by = _owner(deps, body)
    status = inputs.choice(body, "statusFilter", STATUSES, None)
    limit = inputs.page_size(body)
    before = inputs.decode_token(body)
    redrive = inputs.choice(body, "redriveFilter", ("REDRIVEN", "NOT_REDRIVEN"), None)
    rows = deps.store.executions(
        owner,
        status,
        before or 2**62,
        limit + 1,
        by=by,
        redriven=None if redrive is None else redrive == "REDRIVEN",
    )
    answer: dict[str, Any] = {"executions": [_item(e) for _, e in rows[:limit]]}
    if len(rows) > limit:
        answer["nextToken"] = inputs.encode_token(rows[limit - 1][0])
    return answer


def _owner(deps: Deps, body: dict[str, Any]) -> tuple[str, str]:
    # Step Functions API, ListExecutions: exactly one of stateMachineArn (a machine, version
    # or alias ARN) and mapRunArn.
    if (body.get("stateMachineArn") is None) == (body.get("mapRunArn") is None):
        raise ApiError(
            "ValidationException", "Must provide exactly one of StateMachine ARN or MapRun ARN"
        )
    if body.get("mapRunArn") is not None:
        return str(arns.parse(body["mapRunArn"], "mapRunArn", ("mapRun",))), "map_run"
    found = versions.target(deps, body)
    machine = found.machine
    if machine.type == "EXPRESS":
        raise ApiError(
            "StateMachineTypeNotSupported",
            f"This operation is not supported by this type of state machine: '{machine.arn}'",
        )
    if found.alias is not None:
        return found.alias.arn, "alias_arn"
    if found.version is not None:
        return found.version.arn, "version_arn"
    return machine.arn, "machine_arn"


def _item(execution: ExecutionRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        "executionArn": execution.arn,
        "stateMachineArn": execution.machine_arn,
        "name": execution.name,
        "status": execution.status,
        "startDate": execution.started,
    }
    if execution.stopped is not None:
        item["stopDate"] = execution.stopped
    if execution.redrive_count:
        item["redriveCount"] = execution.redrive_count
        item["redriveDate"] = execution.redrive_date
    return item | _qualifiers(execution)


async def describe_machine(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """DescribeStateMachineForExecution: the definition the execution started with."""
    execution = find(deps, body)
    answer: dict[str, Any] = {
        "stateMachineArn": execution.machine_arn,
        "name": execution.machine_arn.split(":")[6],
        "definition": execution.definition,
        "roleArn": execution.role_arn,
        "updateDate": execution.machine_updated,
        "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
        "tracingConfiguration": {"enabled": False},
    }
    if execution.revision_id:
        answer["revisionId"] = execution.revision_id
    if execution.map_run is not None:
        # A distributed Map's child runs the item processor of MACHINE/LABEL.
        answer["mapRunArn"] = execution.map_run
        answer["label"] = answer["name"].rpartition("/")[2]
    return answer
