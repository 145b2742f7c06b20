"""RedriveExecution: an ended execution runs again from where it failed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.states.harness import finished, history, machine, wait_for
from tests.states.test_api_machines import error_of

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def flaky_task(name: str, next_state: str | None = None) -> dict[str, Any]:
    task: dict[str, Any] = {
        "Type": "Task",
        "Resource": LAMBDA + "flaky",
        "ResultPath": f"$.{name}",
    }
    task["Parameters"] = {"marker.$": f"$.{name}_marker", "fail_times": 1}
    return task | ({"Next": next_state} if next_state else {"End": True})


def test_redrive_reruns_the_failed_state_only(sfn: Any, tmp_path: Path) -> None:
    definition = {
        "StartAt": "Once",
        "States": {
            "Once": {
                "Type": "Task",
                "Resource": LAMBDA + "flaky",
                "Parameters": {"marker.$": "$.once_marker", "fail_times": 0},
                "ResultPath": "$.once",
                "Next": "Twice",
            },
            "Twice": flaky_task("twice"),
        },
    }
    data = {"once_marker": str(tmp_path / "once"), "twice_marker": str(tmp_path / "twice")}
    arn = machine(sfn, definition)
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(data))["executionArn"]
    failed = finished(sfn, execution)

    redriven = sfn.redrive_execution(executionArn=execution)
    done = wait_for(
        lambda: (
            (found := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING"
            and found
        )
    )
    kinds = [e["type"] for e in history(sfn, execution)]

    assert (failed["status"], failed["redriveStatus"]) == ("FAILED", "REDRIVABLE")
    assert done["status"] == "SUCCEEDED"
    assert done["redriveCount"] == 1
    assert done["redriveDate"] == redriven["redriveDate"]
    assert json.loads(done["output"])["twice"] == {"attempts": 2}
    assert (tmp_path / "once").read_text() == "1", "the state that succeeded ran once"
    assert kinds.count("ExecutionFailed") == 1 and "ExecutionRedriven" in kinds
    assert kinds[-1] == "ExecutionSucceeded"
    assert kinds.count("TaskStateEntered") == 3
    again = sfn.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"]
    others = sfn.list_executions(stateMachineArn=arn, redriveFilter="NOT_REDRIVEN")["executions"]
    assert [(e["executionArn"], e["redriveCount"]) for e in again] == [(execution, 1)]
    assert others == []


def test_redrive_reruns_only_the_unfinished_branches(sfn: Any, tmp_path: Path) -> None:
    steady = {
        "StartAt": "Steady",
        "States": {
            "Steady": {
                "Type": "Task",
                "Resource": LAMBDA + "flaky",
                "Parameters": {"marker.$": "$.a_marker", "fail_times": 0},
                "End": True,
            }
        },
    }
    # The shaky branch fails only once the steady one has finished, so the failure cannot
    # abort the steady branch mid-task (that branch would then rightly run again on redrive).
    shaky_task = flaky_task("b")
    shaky_task["Parameters"]["after.$"] = "$.a_marker"
    shaky = {"StartAt": "Shaky", "States": {"Shaky": shaky_task}}
    definition = {
        "StartAt": "Both",
        "States": {"Both": {"Type": "Parallel", "Branches": [steady, shaky], "End": True}},
    }
    data = {"a_marker": str(tmp_path / "a"), "b_marker": str(tmp_path / "b")}
    arn = machine(sfn, definition)
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(data))["executionArn"]
    finished(sfn, execution)

    sfn.redrive_execution(executionArn=execution)
    done = wait_for(
        lambda: (
            (found := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING"
            and found
        )
    )

    assert done["status"] == "SUCCEEDED"
    assert (tmp_path / "a").read_text() == "1"
    assert (tmp_path / "b").read_text() == "2"


def test_only_ended_executions_can_be_redriven(sfn: Any) -> None:
    arn = machine(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    done = finished(sfn, execution)

    refused = error_of(sfn.redrive_execution, executionArn=execution)

    assert done["redriveStatus"] == "NOT_REDRIVABLE"
    assert refused["Code"] == "ExecutionNotRedrivable"


def test_the_context_object_counts_redrives(sfn: Any, tmp_path: Path) -> None:
    definition = {
        "StartAt": "Count",
        "States": {
            "Count": {
                "Type": "Pass",
                "Parameters": {"count.$": "$$.Execution.RedriveCount", "marker.$": "$.marker"},
                "Next": "Flaky",
            },
            "Flaky": {
                "Type": "Task",
                "Resource": LAMBDA + "flaky",
                "Parameters": {"marker.$": "$.marker", "fail_times": 1},
                "ResultPath": "$.flaky",
                "Next": "Again",
            },
            "Again": {
                "Type": "Pass",
                "Parameters": {
                    "first.$": "$.count",
                    "now.$": "$$.Execution.RedriveCount",
                    "at.$": "$$.Execution.RedriveTime",
                },
                "End": True,
            },
        },
    }
    arn = machine(sfn, definition)
    execution = sfn.start_execution(
        stateMachineArn=arn, input=json.dumps({"marker": str(tmp_path / "m")})
    )["executionArn"]
    finished(sfn, execution)

    sfn.redrive_execution(executionArn=execution)
    done = wait_for(
        lambda: (
            (found := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING"
            and found
        )
    )
    output = json.loads(done["output"])

    assert (output["first"], output["now"]) == (0, 1)
    assert output["at"].endswith("Z")


def test_a_redriven_callback_task_takes_a_new_token(
    sfn: Any, functions_dir: Path, tmp_path: Path
) -> None:
    from tests.states.test_callbacks import ASK, callback_machine, tokens

    (functions_dir / "ask.py").write_text(ASK)
    inbox = tmp_path / "inbox.txt"
    arn = machine(sfn, callback_machine(inbox))
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    first = tokens(inbox)[0]
    sfn.send_task_failure(taskToken=first, error="NotYet")
    finished(sfn, execution)

    sfn.redrive_execution(executionArn=execution)
    second = tokens(inbox, 2)[1]
    stale = error_of(sfn.send_task_success, taskToken=first, output="{}")
    sfn.send_task_success(taskToken=second, output='{"ok": true}')
    done = wait_for(
        lambda: (
            (found := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING"
            and found
        )
    )

    assert second != first
    assert stale["Code"] == "TaskDoesNotExist"
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", {"ok": True})
