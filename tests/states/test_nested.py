"""Nested workflows through states:startExecution: request-response, .sync, .sync:2, tokens."""

from __future__ import annotations

import json
from typing import Any

from tests.states.harness import finished, history, machine, wait_for

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
CHILD = {
    "StartAt": "Double",
    "States": {"Double": {"Type": "Task", "Resource": LAMBDA + "double", "End": True}},
}


def parent(resource: str, **parameters: Any) -> dict[str, Any]:
    task = {
        "Type": "Task",
        "Resource": resource,
        "Parameters": {"StateMachineArn": parameters.pop("target"), **parameters},
        "End": True,
    }
    return {"StartAt": "Call", "States": {"Call": task}}


def test_sync_2_waits_and_hands_back_parsed_output(sfn: Any) -> None:
    child = machine(sfn, CHILD, name="child")
    outer = machine(
        sfn,
        parent("arn:aws:states:::states:startExecution.sync:2", target=child, **{"Input.$": "$"}),
        name="outer",
    )

    execution = sfn.start_execution(stateMachineArn=outer, input='{"value": 5}')["executionArn"]
    done = finished(sfn, execution)
    result = json.loads(done["output"])
    kinds = [e["type"] for e in history(sfn, execution)]

    assert result["Status"] == "SUCCEEDED"
    assert result["Output"] == {"value": 10}
    assert result["StateMachineArn"] == child
    assert kinds[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    assert sfn.describe_execution(executionArn=result["ExecutionArn"])["status"] == "SUCCEEDED"


def test_sync_failure_is_task_failed_with_the_description(sfn: Any) -> None:
    child = machine(sfn, CHILD, name="child")
    outer = machine(
        sfn,
        parent("arn:aws:states:::states:startExecution.sync", target=child, Input={"wrong": 1}),
        name="outer",
    )

    done = finished(sfn, sfn.start_execution(stateMachineArn=outer)["executionArn"])

    assert (done["status"], done["error"]) == ("FAILED", "States.TaskFailed")
    assert json.loads(done["cause"])["Error"] == "KeyError"
    assert isinstance(json.loads(done["cause"])["Input"], str)


def test_request_response_returns_at_once(sfn: Any) -> None:
    child = machine(
        sfn,
        {"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 3600, "End": True}}},
        name="slow",
    )
    outer = machine(
        sfn,
        parent("arn:aws:states:::states:startExecution", target=child, Name="kid"),
        name="outer",
    )

    done = finished(sfn, sfn.start_execution(stateMachineArn=outer)["executionArn"])
    result = json.loads(done["output"])

    assert result["ExecutionArn"] == "arn:aws:states:us-east-1:123456789012:execution:slow:kid"
    assert isinstance(result["StartDate"], int)
    assert sfn.describe_execution(executionArn=result["ExecutionArn"])["status"] == "RUNNING"
    sfn.stop_execution(executionArn=result["ExecutionArn"])


def test_missing_child_machine(sfn: Any) -> None:
    ghost = "arn:aws:states:us-east-1:123456789012:stateMachine:ghost"
    outer = machine(
        sfn, parent("arn:aws:states:::states:startExecution.sync:2", target=ghost), name="outer"
    )

    done = finished(sfn, sfn.start_execution(stateMachineArn=outer)["executionArn"])

    assert (done["status"], done["error"]) == (
        "FAILED",
        "StepFunctions.StateMachineDoesNotExistException",
    )


def test_wait_for_task_token_from_the_child(sfn: Any) -> None:
    child = machine(
        sfn,
        {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": True}}},
        name="holder",
    )
    outer = machine(
        sfn,
        parent(
            "arn:aws:states:::states:startExecution.waitForTaskToken",
            target=child,
            Input={"token.$": "$$.Task.Token"},
        ),
        name="outer",
    )
    execution = sfn.start_execution(stateMachineArn=outer)["executionArn"]

    children = wait_for(
        lambda: sfn.list_executions(stateMachineArn=child)["executions"], what="the child"
    )
    token = json.loads(sfn.describe_execution(executionArn=children[0]["executionArn"])["input"])[
        "token"
    ]
    sfn.send_task_success(taskToken=token, output='{"from": "child"}')
    done = finished(sfn, execution)

    assert json.loads(done["output"]) == {"from": "child"}
    sfn.stop_execution(executionArn=children[0]["executionArn"])


def test_stopping_the_parent_stops_a_sync_child(sfn: Any) -> None:
    child = machine(
        sfn,
        {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": True}}},
        name="holder",
    )
    outer = machine(
        sfn, parent("arn:aws:states:::states:startExecution.sync:2", target=child), name="outer"
    )
    execution = sfn.start_execution(stateMachineArn=outer)["executionArn"]
    children = wait_for(
        lambda: sfn.list_executions(stateMachineArn=child)["executions"], what="the child"
    )

    sfn.stop_execution(executionArn=execution)

    assert sfn.describe_execution(executionArn=children[0]["executionArn"])["status"] == "ABORTED"
