"""TestState: one state on its own, with inspection data, mocks, retry and catch outcomes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from tests.states.harness import Running, client
from tests.states.test_api_machines import error_of

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


@pytest.fixture
def sync_sfn(service: Running, shape_problems: list[str]) -> Iterator[Any]:
    os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
    try:
        yield client(service.url, shape_problems)
    finally:
        del os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"]


def test_pass_state_with_debug_inspection(sync_sfn: Any) -> None:
    state = {
        "Type": "Pass",
        "InputPath": "$.order",
        "Parameters": {"id.$": "$.id"},
        "ResultPath": "$.picked",
        "Next": "Later",
    }

    answer = sync_sfn.test_state(
        definition=json.dumps(state), input='{"order": {"id": 7}}', inspectionLevel="DEBUG"
    )

    assert answer["status"] == "SUCCEEDED"
    assert answer["nextState"] == "Later"
    assert json.loads(answer["output"]) == {"order": {"id": 7}, "picked": {"id": 7}}
    assert json.loads(answer["inspectionData"]["input"]) == {"order": {"id": 7}}


def test_task_runs_the_local_function_and_shows_each_stage(sync_sfn: Any) -> None:
    state = {
        "Type": "Task",
        "Resource": LAMBDA + "double",
        "InputPath": "$.payload",
        "ResultSelector": {"twice.$": "$.value"},
        "ResultPath": "$.out",
        "End": True,
    }

    answer = sync_sfn.test_state(
        definition=json.dumps(state), input='{"payload": {"value": 4}}', inspectionLevel="DEBUG"
    )
    data = {k: json.loads(v) for k, v in answer["inspectionData"].items()}

    assert answer["status"] == "SUCCEEDED"
    assert data["afterInputPath"] == {"value": 4}
    assert data["result"] == {"value": 8}
    assert data["afterResultSelector"] == {"twice": 8}
    assert data["afterResultPath"] == {"payload": {"value": 4}, "out": {"twice": 8}}


def test_mocked_failure_is_retriable_then_caught(sync_sfn: Any) -> None:
    state = {
        "Type": "Task",
        "Resource": LAMBDA + "anything",
        "Retry": [{"ErrorEquals": ["Flaky"], "MaxAttempts": 1, "IntervalSeconds": 3}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
        "End": True,
    }
    mock = {"errorOutput": {"error": "Flaky", "cause": "try again"}}

    first = sync_sfn.test_state(definition=json.dumps(state), mock=mock, inspectionLevel="DEBUG")
    later = sync_sfn.test_state(
        definition=json.dumps(state), mock=mock, stateConfiguration={"retrierRetryCount": 1}
    )

    assert first["status"] == "RETRIABLE"
    assert first["inspectionData"]["errorDetails"] == {
        "retryIndex": 0,
        "retryBackoffIntervalSeconds": 3,
    }
    assert later["status"] == "CAUGHT_ERROR"
    assert later["nextState"] == "Recover"
    assert json.loads(later["output"]) == {"Error": "Flaky", "Cause": "try again"}


def test_mocked_result_and_choice_in_a_whole_machine(sync_sfn: Any) -> None:
    machine = {
        "StartAt": "Fetch",
        "States": {
            "Fetch": {"Type": "Task", "Resource": LAMBDA + "nothing", "Next": "Route"},
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Fail"},
        },
    }

    fetched = sync_sfn.test_state(
        definition=json.dumps(machine), stateName="Fetch", mock={"result": '{"ok": true}'}
    )
    routed = sync_sfn.test_state(
        definition=json.dumps(machine), stateName="Route", input='{"ok": true}'
    )

    assert json.loads(fetched["output"]) == {"ok": True}
    assert routed["nextState"] == "Yes"


def test_fail_state_and_bad_definitions(sync_sfn: Any) -> None:
    failed = sync_sfn.test_state(
        definition=json.dumps({"Type": "Fail", "Error": "E", "Cause": "C"})
    )
    broken = error_of(sync_sfn.test_state, definition=json.dumps({"Type": "Nope"}))
    missing = error_of(
        sync_sfn.test_state,
        definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}),
        stateName="B",
    )

    assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "E", "C")
    assert broken["Code"] == "InvalidDefinition"
    assert missing["Code"] == "ValidationException"
