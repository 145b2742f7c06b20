"""Choice rules: every comparison operator and its Path form, the type tests, And/Or/Not,
Default, States.NoChoiceMatched and JSONata Conditions."""

from __future__ import annotations

from typing import Any

import pytest

from edgeworks.states.language import StatesFailure, choice
from edgeworks.states.language.choice import ChoiceState, string_matches
from edgeworks.states.language.errors import NO_CHOICE_MATCHED, QUERY_EVALUATION_ERROR, RUNTIME

from .helpers import one_state, scope


def chooser(
    rule: dict[str, Any], default: bool = True, language: str | None = None
) -> ChoiceState:
    body: dict[str, Any] = {"Type": "Choice", "Choices": [{**rule, "Next": "Done"}]}
    if default:
        body["Default"] = "Done"
    built = one_state(body, language)
    assert isinstance(built, ChoiceState)
    return built


def matched(rule: dict[str, Any], data: Any, **variables: Any) -> bool:
    return choice.evaluate(chooser(rule), data, scope(variables)) is not None


@pytest.mark.parametrize(
    ("operator", "value", "operand", "expected"),
    [
        ("StringEquals", "b", "b", True),
        ("StringEquals", "b", "c", False),
        ("StringLessThan", "a", "b", True),
        ("StringGreaterThan", "a", "b", False),
        ("StringLessThanEquals", "b", "b", True),
        ("StringGreaterThanEquals", "c", "b", True),
        ("StringMatches", "log-2024.txt", "log-*.txt", True),
        ("StringMatches", "log.csv", "log-*.txt", False),
        ("NumericEquals", 1, 1.0, True),
        ("NumericLessThan", 1, 2, True),
        ("NumericGreaterThan", 1, 2, False),
        ("NumericLessThanEquals", 2, 2, True),
        ("NumericGreaterThanEquals", 1.5, 2, False),
        ("BooleanEquals", True, True, True),
        ("BooleanEquals", 1, True, False),
        ("TimestampEquals", "2020-01-01T00:00:00Z", "2020-01-01T01:00:00+01:00", True),
        ("TimestampLessThan", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", True),
        ("TimestampGreaterThan", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", False),
        ("TimestampLessThanEquals", "2020-01-01T00:00:00.5Z", "2020-01-01T00:00:00.5Z", True),
        ("TimestampGreaterThanEquals", "2021-01-01T00:00:00Z", "2020-01-01T00:00:00Z", True),
        ("StringEquals", 5, "5", False),
        ("NumericEquals", "5", 5, False),
        ("TimestampEquals", "not a time", "2020-01-01T00:00:00Z", False),
    ],
)
def test_each_comparison_and_its_path_form(
    operator: str, value: Any, operand: Any, expected: bool
) -> None:
    data = {"v": value, "o": operand}

    assert matched({"Variable": "$.v", operator: operand}, data) is expected
    if operator != "StringMatches":
        assert matched({"Variable": "$.v", f"{operator}Path": "$.o"}, data) is expected


@pytest.mark.parametrize(
    ("test", "value", "expected"),
    [
        ("IsNull", None, True),
        ("IsNull", 0, False),
        ("IsNumeric", 1.5, True),
        ("IsNumeric", True, False),
        ("IsString", "x", True),
        ("IsString", 1, False),
        ("IsBoolean", False, True),
        ("IsBoolean", "false", False),
        ("IsTimestamp", "2020-02-29T23:59:59Z", True),
        ("IsTimestamp", "2020-02-30T00:00:00Z", False),
        ("IsTimestamp", "2020-01-01t00:00:00z", False),
    ],
)
def test_type_tests(test: str, value: Any, expected: bool) -> None:
    assert matched({"Variable": "$.v", test: True}, {"v": value}) is expected
    assert matched({"Variable": "$.v", test: False}, {"v": value}) is not expected


def test_is_present_does_not_need_the_value() -> None:
    assert matched({"Variable": "$.v", "IsPresent": True}, {"v": None}) is True
    assert matched({"Variable": "$.v", "IsPresent": True}, {}) is False
    assert matched({"Variable": "$.v", "IsPresent": False}, {}) is True


def test_and_or_not_nest_and_stop_at_the_first_deciding_rule() -> None:
    rule = {
        "And": [
            {"Variable": "$.n", "NumericGreaterThan": 0},
            {
                "Or": [
                    {"Not": {"Variable": "$.s", "IsPresent": True}},
                    {"Variable": "$.s", "StringEquals": "a"},
                ]
            },
        ]
    }

    assert matched(rule, {"n": 1, "s": "a"}) is True
    assert matched(rule, {"n": 1}) is True
    assert matched(rule, {"n": 1, "s": "b"}) is False
    assert matched(rule, {"n": 0}) is False


def test_variables_and_context_can_be_compared() -> None:
    assert matched({"Variable": "$limit", "NumericGreaterThanPath": "$.n"}, {"n": 1}, limit=5)
    built = chooser({"Variable": "$$.State.Name", "StringEquals": "S"})
    assert choice.evaluate(built, {}, scope(State={"Name": "S"})) is not None


def test_first_matching_branch_wins_and_default_is_none() -> None:
    built = one_state(
        {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.n", "NumericLessThan": 10, "Next": "Done"},
                {"Variable": "$.n", "NumericLessThan": 100, "Next": "S"},
            ],
            "Default": "Done",
        }
    )
    assert isinstance(built, ChoiceState)

    first = choice.evaluate(built, {"n": 5}, scope())
    second = choice.evaluate(built, {"n": 50}, scope())

    assert first is not None and first.next == "Done"
    assert second is not None and second.next == "S"
    assert choice.evaluate(built, {"n": 500}, scope()) is None


def test_no_match_without_default_fails_with_no_choice_matched() -> None:
    built = chooser({"Variable": "$.n", "NumericEquals": 1}, default=False)

    with pytest.raises(StatesFailure) as caught:
        choice.evaluate(built, {"n": 2}, scope())

    assert caught.value.error == NO_CHOICE_MATCHED


def test_a_missing_variable_is_a_runtime_failure() -> None:
    with pytest.raises(StatesFailure) as caught:
        matched({"Variable": "$.gone", "StringEquals": "a"}, {})

    assert caught.value.error == RUNTIME
    assert "$.gone" in (caught.value.cause or "")


def test_jsonata_condition_and_its_type_check() -> None:
    built = chooser({"Condition": "{% $states.input.n > $min %}"}, language="JSONata")

    assert choice.evaluate(built, {"n": 3}, scope({"min": 1})) is not None
    assert choice.evaluate(built, {"n": 0}, scope({"min": 1})) is None

    wrong = chooser({"Condition": "{% $states.input.n %}"}, language="JSONata")
    with pytest.raises(StatesFailure) as caught:
        choice.evaluate(wrong, {"n": 3}, scope())
    assert caught.value.error == QUERY_EVALUATION_ERROR


def test_a_branch_carries_its_assign_and_output() -> None:
    built = chooser(
        {"Condition": "{% true %}", "Assign": {"x": 1}, "Output": "{% 'out' %}"},
        language="JSONata",
    )

    branch = choice.evaluate(built, {}, scope())

    assert branch is not None and branch.assign == {"x": 1} and branch.output == "{% 'out' %}"


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ("abc", "abc", True),
        ("abc", "a*", True),
        ("abc", "*c", True),
        ("abc", "*", True),
        ("", "*", True),
        ("a*c", "a\\*c", True),
        ("abc", "a\\*c", False),
        ("a\\c", "a\\\\c", True),
        ("aXbYc", "a*b*c", True),
        ("ab", "a*b*c", False),
        ("aa", "a*a", True),
        ("a", "a*a", False),
    ],
)
def test_string_matches_wildcards_and_escapes(value: str, pattern: str, expected: bool) -> None:
    assert string_matches(value, pattern) is expected


def test_finish_uses_the_branch_assign_and_output_or_the_state_ones_for_default() -> None:
    built = one_state(
        {
            "Type": "Choice",
            "Choices": [
                {
                    "Condition": "{% $states.input.n > 1 %}",
                    "Next": "Done",
                    "Assign": {"picked": "big"},
                    "Output": {"n": "{% $states.input.n %}"},
                },
                {
                    "Condition": "{% $states.input.n = 0 %}",
                    "Next": "Done",
                    "Output": "{% $nope %}",
                },
            ],
            "Default": "S",
            "Assign": {"picked": "default"},
        },
        "JSONata",
    )
    assert isinstance(built, ChoiceState)
    where = scope()

    big = choice.evaluate(built, {"n": 5}, where)
    assert choice.finish(built, big, {"n": 5}, {"n": 5}, where) == (
        "Done",
        {"n": 5},
        {"picked": "big"},
    )
    assert choice.finish(built, None, {"n": 1}, {"n": 1}, where) == (
        "S",
        {"n": 1},
        {"picked": "default"},
    )

    zero = choice.evaluate(built, {"n": 0}, where)
    with pytest.raises(StatesFailure) as caught:
        choice.finish(built, zero, {"n": 0}, {"n": 0}, where)
    assert "specified for the field 'Choices[1]/Output' returned nothing" in (
        caught.value.cause or ""
    )


def test_a_failing_condition_names_its_rule() -> None:
    built = chooser({"Condition": "{% $states.input.x.y %}"}, language="JSONata")

    with pytest.raises(StatesFailure) as caught:
        choice.evaluate(built, {}, scope())

    assert "for the field 'Choices[0]/Condition'" in (caught.value.cause or "")
