"""JSONata evaluation: templates over $states and variables, the functions the service adds,
and States.QueryEvaluationError."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from edgeworks.states.language import StatesFailure
from edgeworks.states.language.errors import QUERY_EVALUATION_ERROR
from edgeworks.states.language.jsonata_eval import evaluate_template, evaluate_value

from .helpers import scope


def ev(expression: str, data: Any = None, **variables: Any) -> Any:
    return evaluate_value(expression, {"input": data, "context": {}}, scope(variables), "Output")


def test_templates_evaluate_strings_in_place_and_keep_other_values() -> None:
    template = {
        "a": "{% $states.input.x * 2 %}",
        "b": ["{% $v %}", 3, "plain {% no %}"],
        "c": None,
    }

    result = evaluate_template(template, {"input": {"x": 2}}, scope({"v": "var"}), "Output")

    assert result == {"a": 4, "b": ["var", 3, "plain {% no %}"], "c": None}


def test_partition() -> None:
    assert ev("{% $partition([1,2,3,4,5], 2) %}") == [[1, 2], [3, 4], [5]]


def test_range() -> None:
    assert ev("{% $range(0, 10, 5) %}") == [0, 5, 10]
    assert ev("{% $range(3, 1, -1) %}") == [3, 2, 1]
    # Arguments truncate towards zero, and a one-item range is the bare number.
    assert ev("{% $range(-1.7, 2, 1) %}") == [-1, 0, 1, 2]
    assert ev("{% $range(7, 7, 1) %}") == 7
    assert ev("{% $append([], $range(3, 1, 1)) %}") == []


def test_hash() -> None:
    assert ev("{% $hash('abc', 'SHA-256') %}") == hashlib.sha256(b"abc").hexdigest()
    assert ev("{% $hash('abc', 'SHA-512') %}") == hashlib.sha512(b"abc").hexdigest()


def test_random_is_seeded_by_argument_or_scope() -> None:
    first = ev("{% $random() %}")

    assert 0 <= first < 1
    assert first == ev("{% $random() %}")
    assert ev("{% $random(42) %}") == ev("{% $random(42) %}")
    assert ev("{% $random(42) %}") != ev("{% $random(43) %}")


def test_uuid() -> None:
    assert re.fullmatch(r"[0-9a-f-]{36}", ev("{% $uuid() %}"))


def test_parse() -> None:
    assert ev("{% $parse($states.input.text) %}", {"text": '{"a":[1]}'}) == {"a": [1]}


def test_eval_is_removed() -> None:
    with pytest.raises(StatesFailure) as caught:
        ev("{% $eval('1 + 1') %}")

    assert caught.value.error == QUERY_EVALUATION_ERROR


@pytest.mark.parametrize(
    "expression",
    [
        "{% $states.input.missing %}",
        "{% 1 + 'a' %}",
        "{% $partition([1], 0) %}",
        "{% $range(1, 5, 0) %}",
        "{% $hash('a', 'CRC') %}",
        "{% $parse('{bad') %}",
        "{% $range(0, 400000, 1) %}",
    ],
)
def test_failures_are_query_evaluation_errors(expression: str) -> None:
    with pytest.raises(StatesFailure) as caught:
        ev(expression, {"a": 1})

    assert caught.value.error == QUERY_EVALUATION_ERROR
    assert caught.value.needs_location


def test_numbers_come_back_as_json_integers_when_whole() -> None:
    assert ev("{% 4 / 2 %}") == 2
    assert isinstance(ev("{% 4 / 2 %}"), int)
    assert ev("{% 1 / 4 %}") == 0.25


def test_null_is_a_value_and_nothing_fails_naming_the_field() -> None:
    template = {"v": "{% $states.input.bar %}", "list": ["{% $n %}"]}
    states = {"input": {"bar": None}}

    assert evaluate_template(template, states, scope({"n": None}), "Output") == {
        "v": None,
        "list": [None],
    }
    with pytest.raises(StatesFailure) as caught:
        evaluate_template({"a": {"b": ["{% $states.input.absent %}"]}}, states, scope(), "Output")
    assert caught.value.cause == (
        "The JSONata expression '$states.input.absent' specified for the field 'Output/a/b[0]' "
        "returned nothing (undefined)."
    )


def test_an_evaluation_error_names_the_field_and_the_library_error() -> None:
    with pytest.raises(StatesFailure) as caught:
        evaluate_template({"x": "{% 1 + 'a' %}"}, {"input": {}}, scope(), "Arguments")

    assert (caught.value.cause or "").startswith(
        "The JSONata expression '1 + 'a'' specified for the field 'Arguments/x' threw an error "
        "during evaluation. T2002: "
    )


def test_now_and_millis_answer_the_scope_time_not_the_clock() -> None:
    entered = scope(State={"EnteredTime": "2024-05-01T10:00:00.250Z"})
    states = {"input": {}}

    assert evaluate_value("{% $now() %}", states, entered, "Output") == "2024-05-01T10:00:00.250Z"
    assert evaluate_value("{% $millis() %}", states, entered, "Output") == 1714557600250
    assert evaluate_value("{% $now('[Y0001]') %}", states, entered, "Output") == "2024"


@pytest.mark.parametrize(
    ("expression", "detail"),
    [
        ("1 + {}", 'T2002: The right side of the "+" operator must evaluate to a number'),
        ("$sqrt(-1)", "D3060: The sqrt function cannot be applied to a negative number: -1"),
        (
            "$parse(null)",
            'T0410: Argument 1 of function "parse" does not match function signature',
        ),
        ("$nope()", "T1006: Attempted to invoke a non-function"),
    ],
)
def test_library_errors_are_worded_as_the_reference_engine_words_them(
    expression: str, detail: str
) -> None:
    with pytest.raises(StatesFailure) as caught:
        ev("{% " + expression + " %}")

    assert (caught.value.cause or "").endswith(f"threw an error during evaluation. {detail}")


def test_arithmetic_failures_inside_the_engine_are_query_errors() -> None:
    with pytest.raises(StatesFailure) as caught:
        ev("{% 1 / 0 %}")

    assert caught.value.error == QUERY_EVALUATION_ERROR


def test_an_endless_tail_recursion_is_stopped_with_a_query_error() -> None:
    with pytest.raises(StatesFailure) as caught:
        ev("{% ($f := function($x){ $f($x) }; $f(1)) %}")

    assert caught.value.error == QUERY_EVALUATION_ERROR
    assert "D1012: Evaluation timeout after 5000 milliseconds" in (caught.value.cause or "")
