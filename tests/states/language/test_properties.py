"""Property tests: whatever text or data the parsers meet, they answer with a States error or
a DefinitionError (or a value), never with an unexpected exception."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from edgeworks.states.language import (
    DefinitionError,
    StatesFailure,
    dataflow,
    fail,
    intrinsics,
    map_state,
    parse_definition,
    paths,
    validate_definition,
    wait,
)
from edgeworks.states.language.choice import ChoiceState, evaluate, string_matches
from edgeworks.states.language.fail import FailState
from edgeworks.states.language.intrinsics.parser import IntrinsicSyntaxError, parse
from edgeworks.states.language.map_state import MapState
from edgeworks.states.language.wait import WaitState

from .helpers import scope

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)
intrinsic_alphabet = st.sampled_from(
    [
        "States.",
        "Format",
        "Array",
        "ArrayRange",
        "MathAdd",
        "UUID",
        "(",
        ")",
        ",",
        "'",
        "\\",
        "$",
        ".a",
        "[0]",
        "1",
        "-2.5",
        "true",
        "null",
        " ",
        "{}",
        "StringSplit",
        "Hash",
    ]
)


@SETTINGS
@given(st.lists(intrinsic_alphabet, max_size=14).map("".join), json_values)
def test_intrinsic_text_parses_or_fails_cleanly(text: str, data: Any) -> None:
    with contextlib.suppress(IntrinsicSyntaxError):
        parse(text)
    try:
        intrinsics.evaluate(text, data, scope())
    except StatesFailure as failure:
        assert failure.error == "States.IntrinsicFailure"


@SETTINGS
@given(st.text(max_size=30))
def test_any_text_as_an_intrinsic_fails_cleanly(text: str) -> None:
    try:
        intrinsics.evaluate(text, {}, scope())
    except StatesFailure as failure:
        assert failure.error == "States.IntrinsicFailure"


path_alphabet = st.sampled_from(
    ["$", "$$", ".", "a", "b", "[", "]", "0", "*", "..", "'", "?(@.a)", ":", "-1", "x y"]
)


@SETTINGS
@given(st.lists(path_alphabet, max_size=10).map("".join), json_values)
def test_paths_select_or_fail_with_path_errors(path: str, data: Any) -> None:
    try:
        paths.select(path, data, scope())
    except paths.PathError:
        pass
    except StatesFailure as failure:
        assert data is None and failure.error == "States.Runtime"


@SETTINGS
@given(st.lists(path_alphabet, max_size=8).map("".join), json_values, json_values)
def test_result_path_applies_or_fails_with_path_errors(path: str, data: Any, result: Any) -> None:
    try:
        combined = paths.apply_result_path(data, result, path)
    except paths.PathError:
        return
    if path == "$":
        assert combined == result


@SETTINGS
@given(st.lists(st.sampled_from(["a", "b", "c", "a"]), max_size=6).map("".join))
def test_reference_paths_round_trip_values(name: str) -> None:
    if not name:
        return
    placed = paths.apply_result_path({}, 42, f"$.{name}.inner")

    assert paths.select(f"$.{name}.inner", placed) == 42


operators = st.sampled_from(
    [
        "StringEquals",
        "NumericLessThan",
        "BooleanEquals",
        "TimestampGreaterThan",
        "IsNull",
        "IsPresent",
        "StringMatches",
        "NumericEqualsPath",
        "Bogus",
    ]
)
rules = st.recursive(
    st.fixed_dictionaries({"Variable": st.sampled_from(["$.a", "$.b", "$", "$v", "bad"])}).flatmap(
        lambda base: operators.flatmap(lambda op: json_values.map(lambda v: {**base, op: v}))
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda rs: {"And": rs}),
        st.lists(inner, max_size=3).map(lambda rs: {"Or": rs}),
        inner.map(lambda r: {"Not": r}),
    ),
    max_leaves=6,
)


@SETTINGS
@given(rules, json_values)
def test_choice_rules_validate_then_evaluate_cleanly(rule: dict[str, Any], data: Any) -> None:
    definition = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{**rule, "Next": "D"}], "Default": "D"},
            "D": {"Type": "Succeed"},
        },
    }
    try:
        machine = parse_definition(json.dumps(definition))
    except DefinitionError as error:
        assert error.diagnostics
        return
    state = machine.states["C"]
    assert isinstance(state, ChoiceState)
    try:
        evaluate(state, data, scope({"v": data}))
    except StatesFailure as failure:
        assert failure.error == "States.Runtime"


@SETTINGS
@given(json_values)
def test_any_json_document_validates_without_crashing(document: Any) -> None:
    found = validate_definition(json.dumps(document))

    assert found, "no random document is a valid machine"


@SETTINGS
@given(st.text(alphabet="ab*\\", max_size=8), st.text(alphabet="ab*\\", max_size=8))
def test_string_matches_agrees_with_a_regular_expression(value: str, pattern: str) -> None:
    import re

    regex = ""
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\" and position + 1 < len(pattern):
            regex += re.escape(pattern[position + 1])
            position += 2
            continue
        regex += ".*" if char == "*" else re.escape(char)
        position += 1

    assert string_matches(value, pattern) is bool(re.fullmatch(regex, value, re.DOTALL))


BASE_DEFINITION: dict[str, Any] = {
    "StartAt": "T",
    "States": {
        "T": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"a.$": "$.a", "f.$": "States.Format('{}', $.b)"},
            "ResultSelector": {"r.$": "$.Payload"},
            "ResultPath": "$.out",
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}],
            "Next": "C",
        },
        "C": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "W"}],
            "Default": "M",
        },
        "W": {"Type": "Wait", "Seconds": 1, "Next": "M"},
        "M": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
            "Next": "P",
        },
        "P": {
            "Type": "Parallel",
            "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}],
            "Next": "J",
        },
        "J": {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": {"x": "{% $states.input %}"},
            "Assign": {"v": "{% 1 %}"},
            "End": True,
        },
        "F": {"Type": "Fail", "Error": "E", "Cause": "C"},
    },
}


def _places(document: Any, trail: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [trail]
    if isinstance(document, dict):
        for key, value in document.items():
            found.extend(_places(value, (*trail, key)))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found.extend(_places(value, (*trail, index)))
    return found


PLACES = _places(BASE_DEFINITION)[1:]


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(PLACES), json_values), min_size=1, max_size=3))
@example(changes=[(("States", "P", "Branches"), 1)])
def test_mutated_definitions_validate_and_build_cleanly(changes: list[tuple[Any, Any]]) -> None:
    document = json.loads(json.dumps(BASE_DEFINITION))
    for trail, value in changes:
        node = document
        try:
            for step in trail[:-1]:
                node = node[step]
            node[trail[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        machine = parse_definition(json.dumps(document))
    except DefinitionError as error:
        assert error.diagnostics
        assert error.message().startswith("Invalid State Machine Definition: '")
        return
    assert machine.start_at in machine.states


def _exercise(state: Any, data: Any) -> None:
    where = scope({"v": data})
    if isinstance(state, ChoiceState):
        evaluate(state, data, where)
        return
    if isinstance(state, WaitState):
        wait.until(state, data, datetime(2026, 1, 1, tzinfo=UTC), where)
        return
    if isinstance(state, FailState):
        fail.resolve(state, data, where)
        return
    effective = dataflow.prepare_input(state, data, where)
    if isinstance(state, MapState):
        items = map_state.items_of(state, effective, where)
        for item in items[:3]:
            map_state.item_input(state, effective, item, where)
    dataflow.finish_output(state, data, dataflow.pass_result(state, effective), where)


@SETTINGS
@given(
    st.lists(st.tuples(st.sampled_from(PLACES), json_values), max_size=2),
    json_values,
)
def test_running_any_valid_state_on_any_input_fails_only_with_states_errors(
    changes: list[tuple[Any, Any]], data: Any
) -> None:
    document = json.loads(json.dumps(BASE_DEFINITION))
    for trail, value in changes:
        node = document
        try:
            for step in trail[:-1]:
                node = node[step]
            node[trail[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        machine = parse_definition(document)
    except DefinitionError:
        return
    for state in machine.all_states().values():
        try:
            _exercise(state, data)
        except StatesFailure as failure:
            assert failure.error.startswith("States.")


jsonata_alphabet = st.sampled_from(
    [
        "$states.input",
        "$v",
        ".",
        "a",
        "[",
        "]",
        "(",
        ")",
        "{",
        "}",
        "+",
        "-",
        "/",
        "*",
        "&",
        "=",
        "1",
        "0",
        "'x'",
        ",",
        ":",
        "$sum",
        "$range",
        "$partition",
        "$hash",
        "$parse",
        "$uuid",
        "$random",
        "function($x){$x}",
        "?",
        ";",
        ":=",
        "~>",
        "null",
        "true",
        "..",
        "%",
        " ",
    ]
)


@SETTINGS
@given(st.lists(jsonata_alphabet, max_size=12).map("".join), json_values)
def test_any_jsonata_text_evaluates_or_fails_with_a_query_error(text: str, data: Any) -> None:
    from edgeworks.states.language.jsonata_eval import evaluate_value

    try:
        evaluate_value("{% " + text + " %}", {"input": data}, scope({"v": data}), "Output")
    except StatesFailure as failure:
        assert failure.error == "States.QueryEvaluationError"
