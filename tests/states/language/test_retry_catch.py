"""Retry and Catch: matching in order, the wildcard rules, backoff, jitter, and the error output
a catcher hands on."""

from __future__ import annotations

import random

import pytest

from edgeworks.states.language import StatesFailure, catch, retry
from edgeworks.states.language.errors import DATA_LIMIT_EXCEEDED, RUNTIME, TIMEOUT
from edgeworks.states.language.matching import matches
from edgeworks.states.language.retry import Retrier

from .helpers import one_state, scope


@pytest.mark.parametrize(
    ("names", "error", "expected"),
    [
        (["States.ALL"], "Lambda.Unknown", True),
        (["States.ALL"], "States.Timeout", True),
        (["States.ALL"], RUNTIME, False),
        (["States.ALL"], DATA_LIMIT_EXCEEDED, False),
        ([RUNTIME], RUNTIME, False),
        ([DATA_LIMIT_EXCEEDED], DATA_LIMIT_EXCEEDED, True),
        (["States.TaskFailed"], "CustomError", True),
        (["States.TaskFailed"], TIMEOUT, False),
        (["States.TaskFailed"], "States.HeartbeatTimeout", False),
        (["States.Timeout"], "States.HeartbeatTimeout", True),
        (["States.HeartbeatTimeout"], TIMEOUT, False),
        (["A", "B"], "B", True),
        (["A"], "a", False),
    ],
)
def test_error_name_matching(names: list[str], error: str, expected: bool) -> None:
    assert matches(names, error) is expected


def test_the_first_matching_retrier_decides_with_exponential_backoff() -> None:
    retriers = (
        Retrier(("Other",), interval_seconds=9),
        Retrier(("Boom",), interval_seconds=2, max_attempts=3, backoff_rate=3.0),
        Retrier(("States.ALL",), interval_seconds=100),
    )

    delays = [retry.decide(retriers, "Boom", [0, n, 0]) for n in range(4)]

    assert [d.delay_seconds if d else None for d in delays] == [2.0, 6.0, 18.0, None]
    assert delays[0] is not None and delays[0].index == 1


def test_max_attempts_zero_never_retries_and_unmatched_errors_go_on() -> None:
    assert retry.decide((Retrier(("X",), max_attempts=0),), "X", [0]) is None
    assert retry.decide((Retrier(("X",)),), "Y", [0]) is None


def test_max_delay_caps_and_full_jitter_draws_below_the_cap() -> None:
    capped = Retrier(("X",), interval_seconds=10, backoff_rate=10.0, max_delay_seconds=15)
    jittered = Retrier(("X",), interval_seconds=10, jitter_strategy="FULL")

    assert retry.delay_for(capped, 3) == 15.0
    draws = [retry.delay_for(jittered, 1, random.Random(seed)) for seed in range(20)]
    assert all(0 <= d <= 20 for d in draws)
    assert len(set(draws)) > 1
    assert retry.delay_for(jittered, 1, random.Random(5)) == retry.delay_for(
        jittered, 1, random.Random(5)
    )


def test_retriers_are_built_with_the_service_defaults() -> None:
    state = one_state(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Retry": [{"ErrorEquals": ["X"]}],
        }
    )

    assert state.retry[0] == Retrier(("X",), 1, 3, 2.0, None, "NONE")


def test_catch_matches_in_order_and_places_the_error_at_result_path() -> None:
    state = one_state(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Catch": [
                {"ErrorEquals": ["Specific"], "Next": "S", "ResultPath": "$.error"},
                {"ErrorEquals": ["States.ALL"], "Next": "S", "ResultPath": None},
            ],
        }
    )
    failure = StatesFailure("Specific", "it broke")

    catcher = catch.match(state.catch, "Specific")
    assert catcher is not None
    output, _ = catch.handle(state, catcher, {"in": 1}, failure, scope())
    assert output == {"in": 1, "error": {"Error": "Specific", "Cause": "it broke"}}

    fallback = catch.match(state.catch, "Else")
    assert fallback is not None and fallback.result_path is None
    assert catch.handle(state, fallback, {"in": 1}, failure, scope())[0] == {"in": 1}
    assert catch.match(state.catch, RUNTIME) is None


def test_jsonata_catch_output_and_assign_see_the_error_output() -> None:
    state = one_state(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Catch": [
                {
                    "ErrorEquals": ["States.ALL"],
                    "Next": "S",
                    "Output": {
                        "e": "{% $states.errorOutput.Error %}",
                        "in": "{% $states.input %}",
                    },
                    "Assign": {"lastError": "{% $states.errorOutput.Cause %}"},
                }
            ],
        },
        "JSONata",
    )
    catcher = catch.match(state.catch, "Oops")
    assert catcher is not None

    output, variables = catch.handle(state, catcher, 7, StatesFailure("Oops", "why"), scope())

    assert output == {"e": "Oops", "in": 7}
    assert variables == {"lastError": "why"}


def test_jsonpath_catch_assign_selects_from_the_error() -> None:
    state = one_state(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Catch": [
                {"ErrorEquals": ["States.ALL"], "Next": "S", "Assign": {"err.$": "$.Error"}}
            ],
        }
    )
    catcher = catch.match(state.catch, "Bad")
    assert catcher is not None

    assert catch.handle(state, catcher, {}, StatesFailure("Bad", "c"), scope())[1] == {
        "err": "Bad"
    }


def test_payload_limit_is_256_kib_and_terminal() -> None:
    from edgeworks.states.language import limits

    limits.check_payload("x" * (256 * 1024 - 2))
    with pytest.raises(StatesFailure) as caught:
        limits.check_payload("x" * (256 * 1024))
    assert caught.value.error == DATA_LIMIT_EXCEEDED
    assert not matches(["States.ALL"], caught.value.error)

    with pytest.raises(StatesFailure) as result:
        limits.check_task_result({"big": "é" * 140000}, "arn:aws:lambda:us-east-1:1:function:f")
    assert result.value.cause == (
        "The state/task 'arn:aws:lambda:us-east-1:1:function:f' returned a result with a size "
        "exceeding the maximum number of bytes service limit."
    )


def test_a_failure_without_cause_hands_on_an_empty_cause() -> None:
    assert StatesFailure(TIMEOUT).error_output() == {"Error": TIMEOUT, "Cause": ""}
