"""Data through the runtime: JSONata states, variables across states and branches, context."""

from __future__ import annotations

import json
from typing import Any

from tests.states.harness import finished, history
from tests.states.test_runtime import LAMBDA, run


def test_jsonata_task_sees_its_result_and_context(sfn: Any) -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Double",
        "States": {
            "Double": {
                "Type": "Task",
                "Resource": LAMBDA + "double",
                "Arguments": {"value": "{% $states.input.n %}"},
                "Output": {
                    "doubled": "{% $states.result.value %}",
                    "state": "{% $states.context.State.Name %}",
                    "execution": "{% $states.context.Execution.Name %}",
                },
                "End": True,
            }
        },
    }
    arn = run(sfn, definition, {"n": 21})

    done = finished(sfn, arn)

    assert json.loads(done["output"]) == {
        "doubled": 42,
        "state": "Double",
        "execution": arn.rsplit(":", 1)[1],
    }


def test_variables_flow_to_later_states_and_into_branches_but_not_out(sfn: Any) -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Remember",
        "States": {
            "Remember": {"Type": "Pass", "Assign": {"greeting": "hello"}, "Next": "Both"},
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Inner",
                        "States": {
                            "Inner": {
                                "Type": "Pass",
                                "Output": "{% $greeting %}",
                                "End": True,
                            }
                        },
                    }
                ],
                "Next": "After",
            },
            "After": {
                "Type": "Pass",
                "Output": {"seen": "{% $states.input %}", "still": "{% $greeting %}"},
                "End": True,
            },
        },
    }

    done = finished(sfn, run(sfn, definition))

    assert json.loads(done["output"]) == {"seen": ["hello"], "still": "hello"}


def test_context_object_in_jsonpath_parameters(sfn: Any) -> None:
    definition = {
        "StartAt": "Look",
        "States": {
            "Look": {
                "Type": "Pass",
                "Parameters": {
                    "name.$": "$$.State.Name",
                    "machine.$": "$$.StateMachine.Name",
                    "input.$": "$$.Execution.Input",
                    "entered.$": "$$.State.EnteredTime",
                },
                "End": True,
            }
        },
    }
    arn = run(sfn, definition, {"a": 1})

    output = json.loads(finished(sfn, arn)["output"])
    entered = next(e for e in history(sfn, arn) if e["type"] == "PassStateEntered")

    assert output["name"] == "Look"
    assert output["machine"] == "flow"
    assert output["input"] == {"a": 1}
    assert output["entered"].endswith("Z")
    assert output["entered"][:19] == entered["timestamp"].strftime("%Y-%m-%dT%H:%M:%S")


def test_wait_until_a_timestamp_in_the_past_goes_on_at_once(sfn: Any) -> None:
    definition = {
        "StartAt": "Until",
        "States": {"Until": {"Type": "Wait", "TimestampPath": "$.at", "End": True}},
    }

    done = finished(sfn, run(sfn, definition, {"at": "2001-01-01T00:00:00Z"}))

    assert done["status"] == "SUCCEEDED"


def test_payload_limit_fails_the_execution(sfn: Any) -> None:
    definition = {
        "StartAt": "Grow",
        "States": {"Grow": {"Type": "Task", "Resource": LAMBDA + "big", "End": True}},
    }

    done = finished(sfn, run(sfn, definition))

    assert (done["status"], done["error"]) == ("FAILED", "States.DataLimitExceeded")
    assert "exceeding the maximum number of bytes" in done["cause"]


def test_intrinsic_uuid_is_stable_for_a_step(sfn: Any) -> None:
    definition = {
        "StartAt": "Id",
        "States": {"Id": {"Type": "Pass", "Parameters": {"id.$": "States.UUID()"}, "End": True}},
    }
    first = json.loads(finished(sfn, run(sfn, definition, name="one"))["output"])["id"]

    assert len(first) == 36
    assert first[14] == "4"


def test_exited_events_list_the_variables_a_state_assigned(sfn: Any) -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Remember",
        "States": {
            "Remember": {
                "Type": "Pass",
                "Assign": {"count": 3, "who": "{% $states.input.name %}"},
                "Next": "Plain",
            },
            "Plain": {"Type": "Pass", "End": True},
        },
    }
    arn = run(sfn, definition, {"name": "Ana"})
    finished(sfn, arn)

    exits = [e for e in history(sfn, arn) if e["type"] == "PassStateExited"]

    assert exits[0]["stateExitedEventDetails"]["assignedVariables"] == {
        "count": "3",
        "who": '"Ana"',
    }
    assert "assignedVariables" not in exits[1]["stateExitedEventDetails"]


def test_a_failing_jsonata_expression_records_evaluation_failed(sfn: Any) -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Bad",
        "States": {
            "Bad": {"Type": "Pass", "Output": "{% $number('x') + $undefinedfn() %}", "End": True}
        },
    }
    arn = run(sfn, definition)

    done = finished(sfn, arn)
    events = history(sfn, arn)

    assert (done["status"], done["error"]) == ("FAILED", "States.QueryEvaluationError")
    assert [e["type"] for e in events][-2:] == ["EvaluationFailed", "ExecutionFailed"]
    assert events[-2]["evaluationFailedEventDetails"]["state"] == "Bad"
