"""Callback tasks (``.waitForTaskToken``): tokens, SendTask*, heartbeats, restarts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.states.harness import (
    Running,
    advance_when_due,
    client,
    finished,
    history,
    machine,
    wait_for,
)
from tests.states.test_api_machines import error_of

from edgeworks.states.runtime import ManualClock

ASK = (
    "import json, pathlib\n\n"
    "def handler(event, context):\n"
    "    path = pathlib.Path(event['inbox'])\n"
    "    with path.open('a') as inbox:\n"
    "        inbox.write(event['token'] + '\\n')\n"
    "    return {'queued': True}\n"
)


def callback_machine(inbox: Path, heartbeat: int | None = None) -> dict[str, Any]:
    task: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {
            "FunctionName": "ask",
            "Payload": {"token.$": "$$.Task.Token", "inbox": str(inbox)},
        },
        "End": True,
    }
    if heartbeat is not None:
        task["HeartbeatSeconds"] = heartbeat
    return {"StartAt": "Approve", "States": {"Approve": task}}


@pytest.fixture
def inbox(functions_dir: Path, tmp_path: Path) -> Path:
    (functions_dir / "ask.py").write_text(ASK)
    return tmp_path / "inbox.txt"


def tokens(inbox: Path, count: int = 1) -> list[str]:
    return wait_for(
        lambda: inbox.exists() and len(lines := inbox.read_text().split()) >= count and lines,
        what="the task token",
    )


def test_success_completes_the_task_with_its_output(sfn: Any, inbox: Path) -> None:
    arn = machine(sfn, callback_machine(inbox))
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    token = tokens(inbox)[0]

    sfn.send_task_success(taskToken=token, output='{"approved": true}')
    done = finished(sfn, execution)
    kinds = [e["type"] for e in history(sfn, execution)]

    assert json.loads(done["output"]) == {"approved": True}
    assert kinds[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    assert error_of(sfn.send_task_success, taskToken=token, output="{}")["Code"] == (
        "TaskDoesNotExist"
    )


def test_failure_fails_the_task(sfn: Any, inbox: Path) -> None:
    arn = machine(sfn, callback_machine(inbox))
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]

    sfn.send_task_failure(taskToken=tokens(inbox)[0], error="Rejected", cause="by a person")
    done = finished(sfn, execution)

    assert (done["status"], done["error"], done["cause"]) == ("FAILED", "Rejected", "by a person")


def test_tokens_that_were_never_issued(sfn: Any) -> None:
    assert error_of(sfn.send_task_success, taskToken="@@@", output="{}")["Code"] == "InvalidToken"
    forged = "WyJhcm46YXdzOnN0YXRlczp1cy1lYXN0LTE6MTIzNDU2Nzg5MDEyOmV4ZWN1dGlvbjpmOngiLCJrIl0"
    assert error_of(sfn.send_task_heartbeat, taskToken=forged)["Code"] == "TaskDoesNotExist"


def test_heartbeats_keep_the_task_alive_until_they_stop(
    timed_sfn: Any, timed_service: Running, clock: ManualClock, inbox: Path
) -> None:
    arn = machine(timed_sfn, callback_machine(inbox, heartbeat=10))
    execution = timed_sfn.start_execution(stateMachineArn=arn)["executionArn"]
    token = tokens(inbox)[0]

    advance_when_due(clock, 10, 8)
    timed_sfn.send_task_heartbeat(taskToken=token)
    clock.advance(8)
    alive = timed_sfn.describe_execution(executionArn=execution)["status"]
    # The heartbeat at 8 s moved the limit to 18 s; the clock reads 16 s now.
    advance_when_due(clock, 2)
    done = finished(timed_sfn, execution)

    assert alive == "RUNNING"
    assert (done["status"], done["error"]) == ("FAILED", "States.HeartbeatTimeout")
    late = error_of(timed_sfn.send_task_success, taskToken=token, output="{}")
    assert late["Code"] == "TaskTimedOut"


def test_a_token_survives_a_restart(
    tmp_path: Path, functions_dir: Path, inbox: Path, shape_problems: list[str]
) -> None:
    first = Running(tmp_path / "data", functions_dir)
    try:
        sfn = client(first.url, shape_problems)
        arn = machine(sfn, callback_machine(inbox))
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        token = tokens(inbox)[0]
        wait_for(lambda: "TaskSubmitted" in [e["type"] for e in history(sfn, execution)])
    finally:
        first.close()

    second = Running(tmp_path / "data", functions_dir)
    try:
        sfn = client(second.url, shape_problems)
        sfn.send_task_success(taskToken=token, output='{"late": "but fine"}')
        done = finished(sfn, execution)
        kinds = [e["type"] for e in history(sfn, execution)]
    finally:
        second.close()

    assert json.loads(done["output"]) == {"late": "but fine"}
    assert "TaskStateAborted" not in kinds, "a shutdown is not an abort"
    assert kinds.count("TaskScheduled") == 1
    assert len(inbox.read_text().split()) == 1
