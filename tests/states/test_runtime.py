"""The runtime through the API: every state type, Retry, Catch, time limits, history shape.

Time moves only when a test advances the service's manual clock, so waits cost nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.states.harness import Running, advance_when_due, finished, history, machine

from edgeworks.states.runtime import ManualClock

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def run(sfn: Any, definition: dict[str, Any], data: Any = None, name: str = "flow") -> str:
    arn = machine(sfn, definition, name=name)
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps(data or {}))
    execution: str = started["executionArn"]
    return execution


def types(sfn: Any, execution: str) -> list[str]:
    return [event["type"] for event in history(sfn, execution)]


def test_history_ids_link_each_event_to_the_one_before(sfn: Any) -> None:
    definition = {
        "StartAt": "One",
        "States": {
            "One": {"Type": "Pass", "Result": {"value": 5}, "Next": "Two"},
            "Two": {"Type": "Task", "Resource": LAMBDA + "double", "End": True},
        },
    }
    execution = run(sfn, definition)
    finished(sfn, execution)

    events = history(sfn, execution)

    assert [e["type"] for e in events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["id"] for e in events] == list(range(1, 10))
    assert [e["previousEventId"] for e in events] == [0, 0, *range(2, 9)]
    assert events[4]["lambdaFunctionScheduledEventDetails"]["resource"] == LAMBDA + "double"
    assert json.loads(events[6]["lambdaFunctionSucceededEventDetails"]["output"]) == {"value": 10}
    assert events[3]["stateEnteredEventDetails"]["name"] == "Two"


def test_lambda_invoke_accepts_names_and_arns(sfn: Any) -> None:
    targets = ["whoami", LAMBDA + "whoami", "123456789012:function:whoami", "whoami:$LATEST"]
    branches = [
        {
            "StartAt": f"Call{index}",
            "States": {
                f"Call{index}": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": target},
                    "End": True,
                }
            },
        }
        for index, target in enumerate(targets)
    ]
    definition = {
        "StartAt": "All",
        "States": {"All": {"Type": "Parallel", "Branches": branches, "End": True}},
    }
    execution = run(sfn, definition)

    done = finished(sfn, execution)
    results = json.loads(done["output"])

    assert done["status"] == "SUCCEEDED"
    assert [r["StatusCode"] for r in results] == [200] * 4
    assert {r["Payload"]["arn"] for r in results} == {LAMBDA + "whoami"}
    assert all(r["Payload"]["left"] for r in results)


def test_function_exception_becomes_error_and_cause(sfn: Any) -> None:
    definition = {
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "boom", "Payload": {"card": 4242}},
                "End": True,
            }
        },
    }
    execution = run(sfn, definition)

    done = finished(sfn, execution)
    failed = next(e for e in history(sfn, execution) if e["type"] == "TaskFailed")

    assert done["status"] == "FAILED"
    assert done["error"] == "PaymentDeclined"
    assert json.loads(done["cause"])["errorMessage"] == "card 4242"
    assert failed["taskFailedEventDetails"]["error"] == "PaymentDeclined"


def test_unknown_function_and_unknown_resource_fail_cleanly(sfn: Any) -> None:
    missing = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": LAMBDA + "absent", "End": True}},
    }
    foreign = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": "q", "MessageBody": "m"},
                "End": True,
            }
        },
    }
    first = finished(sfn, run(sfn, missing, name="missing"))
    second = finished(sfn, run(sfn, foreign, name="foreign"))

    assert first["status"] == "FAILED"
    assert first["error"] == "Lambda.ResourceNotFoundException"
    assert "absent" in first["cause"]
    assert second["status"] == "FAILED"
    assert second["error"] == "States.Runtime"
    assert "sqs:sendMessage" in second["cause"]


def test_result_that_is_not_json_is_lambda_unknown(sfn: Any) -> None:
    definition = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": LAMBDA + "notjson", "End": True}},
    }

    done = finished(sfn, run(sfn, definition))

    assert done["error"] == "Lambda.Unknown"


def test_retry_backs_off_on_the_clock_then_succeeds(
    timed_sfn: Any, timed_service: Running, clock: ManualClock, tmp_path: Path
) -> None:
    definition = {
        "StartAt": "Try",
        "States": {
            "Try": {
                "Type": "Task",
                "Resource": LAMBDA + "flaky",
                "Retry": [
                    {"ErrorEquals": ["ConnectionError"], "IntervalSeconds": 10, "BackoffRate": 3}
                ],
                "End": True,
            }
        },
    }
    marker = tmp_path / "count"
    execution = run(timed_sfn, definition, {"marker": str(marker), "fail_times": 2})

    advance_when_due(clock, 10)
    advance_when_due(clock, 30)
    done = finished(timed_sfn, execution)

    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"attempts": 3}
    assert marker.read_text() == "3"
    assert types(timed_sfn, execution).count("LambdaFunctionFailed") == 2
    assert (done["stopDate"] - done["startDate"]).total_seconds() >= 40


def test_catch_hands_the_error_to_the_next_state(sfn: Any) -> None:
    definition = {
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": LAMBDA + "boom",
                "Catch": [
                    {
                        "ErrorEquals": ["PaymentDeclined"],
                        "ResultPath": "$.failure",
                        "Next": "Refund",
                    }
                ],
                "Next": "Never",
            },
            "Never": {"Type": "Fail", "Error": "Unexpected"},
            "Refund": {"Type": "Pass", "End": True},
        },
    }

    done = finished(sfn, run(sfn, definition, {"card": 1}))
    output = json.loads(done["output"])

    assert done["status"] == "SUCCEEDED"
    assert output["card"] == 1
    assert output["failure"]["Error"] == "PaymentDeclined"


def test_fail_state_and_choice(sfn: Any) -> None:
    definition = {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.amount", "NumericGreaterThan": 100, "Next": "Reject"}],
                "Default": "Accept",
            },
            "Reject": {"Type": "Fail", "Error": "TooLarge", "Cause": "limit is 100"},
            "Accept": {"Type": "Succeed"},
        },
    }
    machine_arn = machine(sfn, definition)
    big = sfn.start_execution(stateMachineArn=machine_arn, input='{"amount": 500}')["executionArn"]
    small = sfn.start_execution(stateMachineArn=machine_arn, input='{"amount": 5}')["executionArn"]

    rejected = finished(sfn, big)
    accepted = finished(sfn, small)

    assert (rejected["status"], rejected["error"], rejected["cause"]) == (
        "FAILED",
        "TooLarge",
        "limit is 100",
    )
    assert accepted["status"] == "SUCCEEDED"
    assert types(sfn, big) == [
        "ExecutionStarted",
        "ChoiceStateEntered",
        "ChoiceStateExited",
        "FailStateEntered",
        "ExecutionFailed",
    ]


def test_wait_is_a_timer_on_the_clock(
    timed_sfn: Any, timed_service: Running, clock: ManualClock
) -> None:
    definition = {
        "StartAt": "Nap",
        "States": {"Nap": {"Type": "Wait", "SecondsPath": "$.seconds", "End": True}},
    }
    execution = run(timed_sfn, definition, {"seconds": 86400})

    advance_when_due(clock, 86400, 86399)
    still = timed_sfn.describe_execution(executionArn=execution)["status"]
    clock.advance(1)
    done = finished(timed_sfn, execution)

    assert still == "RUNNING"
    assert done["status"] == "SUCCEEDED"
    assert types(timed_sfn, execution)[1:3] == ["WaitStateEntered", "WaitStateExited"]


def test_task_timeout_and_heartbeat(
    timed_sfn: Any, timed_service: Running, clock: ManualClock
) -> None:
    timeout = {
        "StartAt": "Slow",
        "States": {
            "Slow": {"Type": "Task", "Resource": LAMBDA + "slow", "TimeoutSeconds": 5, "End": True}
        },
    }
    heartbeat = {
        "StartAt": "Slow",
        "States": {
            "Slow": {
                "Type": "Task",
                "Resource": LAMBDA + "slow",
                "TimeoutSeconds": 50,
                "HeartbeatSeconds": 3,
                "End": True,
            }
        },
    }
    first = run(timed_sfn, timeout, {"seconds": 2}, name="timeout")
    advance_when_due(clock, 5)
    second = run(timed_sfn, heartbeat, {"seconds": 2}, name="heartbeat")
    advance_when_due(clock, 3)

    timed_out = finished(timed_sfn, first)
    no_heartbeat = finished(timed_sfn, second)

    assert (timed_out["status"], timed_out["error"]) == ("FAILED", "States.Timeout")
    assert "LambdaFunctionTimedOut" in types(timed_sfn, first)
    assert (no_heartbeat["status"], no_heartbeat["error"]) == ("FAILED", "States.HeartbeatTimeout")


def test_execution_timeout(timed_sfn: Any, timed_service: Running, clock: ManualClock) -> None:
    definition = {
        "TimeoutSeconds": 60,
        "StartAt": "Long",
        "States": {"Long": {"Type": "Wait", "Seconds": 3600, "End": True}},
    }
    execution = run(timed_sfn, definition)

    advance_when_due(clock, 60)
    done = finished(timed_sfn, execution)

    assert done["status"] == "TIMED_OUT"
    assert types(timed_sfn, execution)[-1] == "ExecutionTimedOut"


def test_parallel_failure_stops_the_other_branches(sfn: Any) -> None:
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Sleep",
                        "States": {
                            "Sleep": {"Type": "Wait", "Seconds": 3600, "Next": "After"},
                            "After": {"Type": "Pass", "End": True},
                        },
                    },
                    {"StartAt": "Break", "States": {"Break": {"Type": "Fail", "Error": "Broken"}}},
                ],
                "End": True,
            }
        },
    }
    execution = run(sfn, definition)

    done = finished(sfn, execution)
    seen = types(sfn, execution)

    assert (done["status"], done["error"]) == ("FAILED", "Broken")
    assert seen[-3:] == ["WaitStateAborted", "ParallelStateFailed", "ExecutionFailed"]
    assert "WaitStateExited" not in seen


def test_map_runs_items_with_bounded_concurrency(sfn: Any) -> None:
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 2,
                "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Double",
                    "States": {
                        "Double": {"Type": "Task", "Resource": LAMBDA + "double", "End": True}
                    },
                },
                "End": True,
            }
        },
    }
    execution = run(sfn, definition, {"items": [1, 2, 3, 4, 5]})

    done = finished(sfn, execution)
    events = history(sfn, execution)
    started = next(e for e in events if e["type"] == "MapStateStarted")

    assert json.loads(done["output"]) == [{"value": v} for v in (2, 4, 6, 8, 10)]
    assert started["mapStateStartedEventDetails"] == {"length": 5}
    assert [e["type"] for e in events].count("MapIterationSucceeded") == 5
    assert _most_at_once(events) <= 2


def _most_at_once(events: list[dict[str, Any]]) -> int:
    running, most = 0, 0
    for event in events:
        if event["type"] == "MapIterationStarted":
            running += 1
            most = max(most, running)
        elif event["type"] in {"MapIterationSucceeded", "MapIterationFailed"}:
            running -= 1
    return most


def test_map_failure_aborts_the_other_iterations(sfn: Any) -> None:
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Route",
                    "States": {
                        "Route": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "Break"}],
                            "Default": "Sleep",
                        },
                        "Break": {"Type": "Fail", "Error": "Broken"},
                        "Sleep": {"Type": "Wait", "Seconds": 3600, "End": True},
                    },
                },
                "End": True,
            }
        },
    }
    execution = run(sfn, definition, [1, 0])

    done = finished(sfn, execution)
    seen = types(sfn, execution)

    assert (done["status"], done["error"]) == ("FAILED", "Broken")
    assert "MapIterationFailed" in seen
    assert seen.index("WaitStateAborted") < seen.index("MapIterationAborted")
    assert seen[-2:] == ["MapStateFailed", "ExecutionFailed"]


def test_a_caught_timeout_hands_on_an_empty_cause(
    timed_sfn: Any, timed_service: Running, clock: ManualClock
) -> None:
    definition = {
        "StartAt": "Slow",
        "States": {
            "Slow": {
                "Type": "Task",
                "Resource": LAMBDA + "slow",
                "TimeoutSeconds": 5,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }
    execution = run(timed_sfn, definition, {"seconds": 1})
    advance_when_due(clock, 5)

    done = finished(timed_sfn, execution)
    timed_out = next(
        e for e in history(timed_sfn, execution) if e["type"] == "LambdaFunctionTimedOut"
    )

    assert json.loads(done["output"]) == {"Error": "States.Timeout", "Cause": ""}
    assert timed_out["lambdaFunctionTimedOutEventDetails"] == {"error": "States.Timeout"}


def test_map_over_no_items(sfn: Any) -> None:
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    execution = run(sfn, definition, {"items": []})

    done = finished(sfn, execution)

    assert json.loads(done["output"]) == []
    assert types(sfn, execution)[2:4] == ["MapStateStarted", "MapStateSucceeded"]


def test_parallel_retries_as_a_whole_and_map_failures_are_caught(
    timed_sfn: Any, timed_service: Running, clock: ManualClock, tmp_path: Path
) -> None:
    flaky_branch = {
        "StartAt": "Try",
        "States": {"Try": {"Type": "Task", "Resource": LAMBDA + "flaky", "End": True}},
    }
    failing_map = {
        "Type": "Map",
        "ItemsPath": "$.cards",
        "ItemProcessor": {
            "StartAt": "Charge",
            "States": {"Charge": {"Type": "Task", "Resource": LAMBDA + "boom", "End": True}},
        },
        "Catch": [
            {"ErrorEquals": ["PaymentDeclined"], "ResultPath": "$.declined", "Next": "Done"}
        ],
        "End": True,
    }
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [flaky_branch],
                "Retry": [{"ErrorEquals": ["ConnectionError"], "IntervalSeconds": 2}],
                "ResultPath": "$.both",
                "Next": "Cards",
            },
            "Cards": failing_map,
            "Done": {"Type": "Pass", "End": True},
        },
    }
    marker = tmp_path / "count"
    execution = run(
        timed_sfn,
        definition,
        {"marker": str(marker), "fail_times": 1, "cards": [{"card": 1}]},
    )
    advance_when_due(clock, 2)

    done = finished(timed_sfn, execution)
    output = json.loads(done["output"])
    seen = types(timed_sfn, execution)

    assert done["status"] == "SUCCEEDED"
    assert output["both"] == [{"attempts": 2}]
    assert output["declined"]["Error"] == "PaymentDeclined"
    assert seen.count("ParallelStateStarted") == 2
    assert seen.count("ParallelStateFailed") == 1
    assert "MapStateFailed" in seen


def test_a_parallel_closes_after_its_last_branch_event(sfn: Any) -> None:
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}},
                ],
                "End": True,
            }
        },
    }
    execution = run(sfn, definition)
    finished(sfn, execution)

    events = history(sfn, execution)
    started = next(e for e in events if e["type"] == "ParallelStateStarted")
    succeeded = next(e for e in events if e["type"] == "ParallelStateSucceeded")
    branch_firsts = [e for e in events if e["type"] == "PassStateEntered"]

    assert {e["previousEventId"] for e in branch_firsts} == {started["id"]}
    assert succeeded["previousEventId"] == succeeded["id"] - 1
    assert events[succeeded["id"] - 2]["type"] == "PassStateExited"
