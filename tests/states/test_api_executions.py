"""Execution operations through boto3: start, idempotency, describe, list, stop, sync."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from tests.states.harness import client, finished, history, machine, wait_for
from tests.states.test_api_machines import error_of

ADD_ONE = {
    "StartAt": "Add",
    "States": {
        "Add": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "double", "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "End": True,
        }
    },
}
WAIT_LONG = {
    "StartAt": "Sleep",
    "States": {"Sleep": {"Type": "Wait", "Seconds": 3600, "End": True}},
}


def test_execution_runs_to_success(sfn: Any) -> None:
    arn = machine(sfn, ADD_ONE)

    started = sfn.start_execution(stateMachineArn=arn, name="first", input='{"value": 21}')
    done = finished(sfn, started["executionArn"])

    assert started["executionArn"] == "arn:aws:states:us-east-1:123456789012:execution:flow:first"
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"value": 42}
    assert json.loads(done["input"]) == {"value": 21}
    assert done["stopDate"] >= done["startDate"]


def test_same_name_and_input_while_running_is_idempotent(sfn: Any) -> None:
    arn = machine(sfn, WAIT_LONG)

    first = sfn.start_execution(stateMachineArn=arn, name="once", input="{}")
    again = sfn.start_execution(stateMachineArn=arn, name="once", input="{}")
    other = error_of(sfn.start_execution, stateMachineArn=arn, name="once", input='{"a": 1}')

    assert again["executionArn"] == first["executionArn"]
    assert again["startDate"] == first["startDate"]
    assert other["Code"] == "ExecutionAlreadyExists"


def test_reusing_the_name_of_a_closed_execution_is_refused(sfn: Any) -> None:
    arn = machine(sfn, ADD_ONE)
    done = sfn.start_execution(stateMachineArn=arn, name="closed", input='{"value": 1}')
    finished(sfn, done["executionArn"])

    error = error_of(sfn.start_execution, stateMachineArn=arn, name="closed", input='{"value": 1}')

    assert error["Code"] == "ExecutionAlreadyExists"


def test_bad_input_and_missing_targets(sfn: Any) -> None:
    arn = machine(sfn, ADD_ONE)
    ghost = "arn:aws:states:us-east-1:123456789012:execution:flow:ghost"

    bad_input = error_of(sfn.start_execution, stateMachineArn=arn, input="{not json")
    no_machine = error_of(
        sfn.start_execution,
        stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:none",
    )
    no_execution = error_of(sfn.describe_execution, executionArn=ghost)
    bad_arn = error_of(sfn.describe_execution, executionArn="arn:aws:states:us-east-1:1:x")

    assert bad_input["Code"] == "InvalidExecutionInput"
    assert no_machine["Code"] == "StateMachineDoesNotExist"
    assert no_execution["Code"] == "ExecutionDoesNotExist"
    assert ghost in no_execution["Message"]
    assert bad_arn["Code"] == "InvalidArn"


def test_stop_aborts_and_records_error_and_cause(sfn: Any) -> None:
    arn = machine(sfn, WAIT_LONG)
    run = sfn.start_execution(stateMachineArn=arn, name="stopme")["executionArn"]
    wait_for(lambda: len(history(sfn, run)) >= 2, what="the wait to begin")

    sfn.stop_execution(executionArn=run, error="Operator", cause="no longer needed")
    found = sfn.describe_execution(executionArn=run)
    events = history(sfn, run)

    assert found["status"] == "ABORTED"
    assert found["error"] == "Operator"
    assert found["cause"] == "no longer needed"
    assert [e["type"] for e in events[-2:]] == ["WaitStateAborted", "ExecutionAborted"]
    assert events[-1]["executionAbortedEventDetails"] == {
        "error": "Operator",
        "cause": "no longer needed",
    }


def test_list_filters_by_status_newest_first_and_pages(sfn: Any) -> None:
    quick = machine(sfn, ADD_ONE)
    runs = [
        sfn.start_execution(stateMachineArn=quick, name=f"r{i}", input='{"value": 1}')
        for i in range(5)
    ]
    for run in runs:
        finished(sfn, run["executionArn"])

    pages = list(
        sfn.get_paginator("list_executions").paginate(
            stateMachineArn=quick, statusFilter="SUCCEEDED", PaginationConfig={"PageSize": 2}
        )
    )
    running = sfn.list_executions(stateMachineArn=quick, statusFilter="RUNNING")

    listed = [e["name"] for page in pages for e in page["executions"]]
    assert listed == ["r4", "r3", "r2", "r1", "r0"]
    assert len(pages) == 3
    assert running["executions"] == []


def test_describe_state_machine_for_execution_keeps_the_old_definition(sfn: Any) -> None:
    arn = machine(sfn, WAIT_LONG)
    run = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(ADD_ONE))

    found = sfn.describe_state_machine_for_execution(executionArn=run)

    assert json.loads(found["definition"]) == WAIT_LONG
    assert found["stateMachineArn"] == arn
    sfn.stop_execution(executionArn=run)


def test_sync_execution_of_an_express_machine(service: Any, shape_problems: list[str]) -> None:
    os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
    try:
        sfn = client(service.url, shape_problems)
        arn = machine(sfn, ADD_ONE, name="quick", type="EXPRESS")
        answer = sfn.start_sync_execution(stateMachineArn=arn, input='{"value": 4}')
        failing = sfn.start_sync_execution(stateMachineArn=arn, input='{"wrong": 4}')
    finally:
        del os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"]

    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"value": 8}
    assert answer["executionArn"].startswith(
        "arn:aws:states:us-east-1:123456789012:express:quick:"
    )
    assert failing["status"] == "FAILED"
    assert failing["error"] == "KeyError"


def test_sync_execution_is_refused_for_standard_machines(service: Any) -> None:
    os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
    try:
        sfn = client(service.url)
        arn = machine(sfn, ADD_ONE)
        error = error_of(sfn.start_sync_execution, stateMachineArn=arn)
    finally:
        del os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"]

    assert error["Code"] == "StateMachineTypeNotSupported"


@pytest.mark.parametrize("reverse", [False, True])
def test_history_pages_in_either_order(sfn: Any, reverse: bool) -> None:
    arn = machine(sfn, ADD_ONE)
    run = sfn.start_execution(stateMachineArn=arn, input='{"value": 2}')["executionArn"]
    finished(sfn, run)

    pages = list(
        sfn.get_paginator("get_execution_history").paginate(
            executionArn=run, reverseOrder=reverse, PaginationConfig={"PageSize": 2}
        )
    )
    ids = [e["id"] for page in pages for e in page["events"]]

    assert len(pages) == 4
    assert ids == (sorted(ids, reverse=True) if reverse else sorted(ids))
    assert ids[0] == (7 if reverse else 1)


def test_history_without_execution_data(sfn: Any) -> None:
    arn = machine(sfn, ADD_ONE)
    run = sfn.start_execution(stateMachineArn=arn, input='{"value": 2}')["executionArn"]
    finished(sfn, run)

    events = sfn.get_execution_history(executionArn=run, includeExecutionData=False)["events"]

    assert "input" not in events[0]["executionStartedEventDetails"]
    assert "output" not in events[-1]["executionSucceededEventDetails"]
    assert events[2]["taskScheduledEventDetails"]["resource"] == "invoke"


def test_express_start_runs_in_the_background(sfn: Any, tmp_path: Any) -> None:
    marker = tmp_path / "count"
    definition = {
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                "Parameters": {"marker": str(marker), "fail_times": 0},
                "End": True,
            }
        },
    }
    arn = machine(sfn, definition, name="fast", type="EXPRESS")

    started = sfn.start_execution(stateMachineArn=arn, name="once")

    assert started["executionArn"].startswith(
        "arn:aws:states:us-east-1:123456789012:express:fast:once:"
    )
    wait_for(marker.exists, what="the express execution to run its task")
    listing = error_of(sfn.list_executions, stateMachineArn=arn)
    assert listing["Code"] == "StateMachineTypeNotSupported"


def test_a_machine_with_running_executions_is_deleting_until_they_end(sfn: Any) -> None:
    arn = machine(sfn, WAIT_LONG, name="going")
    run = sfn.start_execution(stateMachineArn=arn)["executionArn"]

    sfn.delete_state_machine(stateMachineArn=arn)
    status = sfn.describe_state_machine(stateMachineArn=arn)["status"]
    refused = error_of(sfn.start_execution, stateMachineArn=arn)
    sfn.stop_execution(executionArn=run)
    gone = error_of(sfn.describe_state_machine, stateMachineArn=arn)

    assert status == "DELETING"
    assert refused["Code"] == "StateMachineDeleting"
    assert gone["Code"] == "StateMachineDoesNotExist"
    assert sfn.describe_execution(executionArn=run)["status"] == "ABORTED"
