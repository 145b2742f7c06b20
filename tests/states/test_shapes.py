"""The response validator itself finds what it is meant to find."""

from __future__ import annotations

from tests.states.shapes import error_problems, output_problems


def test_a_valid_body_has_no_problems() -> None:
    body = {"executionArn": "arn:aws:states:us-east-1:1:execution:a:b", "startDate": 1.5}

    assert output_problems("StartExecution", body) == []


def test_missing_unknown_and_mistyped_members_are_found() -> None:
    body = {"startDate": "yesterday", "extra": 1}

    problems = output_problems("StartExecution", body)

    assert any("executionArn missing" in p for p in problems)
    assert any("unknown member extra" in p for p in problems)
    assert any("epoch seconds" in p for p in problems)


def test_enum_and_nested_lists_are_checked() -> None:
    body = {"executions": [{"executionArn": "a", "stateMachineArn": "b", "name": "c",
                            "status": "SLEEPING", "startDate": 1}]}  # fmt: skip

    problems = output_problems("ListExecutions", body)

    assert problems == ["ListExecutions.executions[0].status: 'SLEEPING' is not one of "
                        "['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', "
                        "'PENDING_REDRIVE']"]  # fmt: skip


def test_error_bodies_must_name_a_modeled_error() -> None:
    assert error_problems({"__type": "InvalidArn", "message": "x"}) == []
    assert error_problems({"__type": "Whatever", "message": "x"}) != []
    assert error_problems({"message": "x"}) != []
