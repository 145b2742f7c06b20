"""Input and output processing of every state type, in both query languages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from edgeworks.states.language import StatesFailure, dataflow, fail, map_state, wait
from edgeworks.states.language.errors import (
    QUERY_EVALUATION_ERROR,
    RESULT_PATH_MATCH_FAILURE,
    RUNTIME,
)

from .helpers import one_state, scope

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def run_pass(state: dict[str, Any], data: Any, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    built = one_state(state, kwargs.pop("query_language", None))
    where = scope(**kwargs)
    effective = dataflow.prepare_input(built, data, where)
    return dataflow.finish_output(built, data, dataflow.pass_result(built, effective), where)


def test_pass_hands_on_its_input_unchanged_by_default() -> None:
    assert run_pass({"Type": "Pass"}, {"a": 1})[0] == {"a": 1}


def test_pass_result_goes_into_the_input_at_result_path() -> None:
    output, _ = run_pass({"Type": "Pass", "Result": {"r": 1}, "ResultPath": "$.x.y"}, {"a": 1})

    assert output == {"a": 1, "x": {"y": {"r": 1}}}


def test_pass_parameters_select_from_input_context_and_variables() -> None:
    state = {
        "Type": "Pass",
        "InputPath": "$.inner",
        "Parameters": {"v.$": "$.v", "id.$": "$$.Execution.Id", "n.$": "$count", "k": "lit"},
    }
    built = one_state(state)
    where = scope({"count": 3}, Execution={"Id": "arn:x"})

    effective = dataflow.prepare_input(built, {"inner": {"v": 5}}, where)

    assert effective == {"v": 5, "id": "arn:x", "n": 3, "k": "lit"}


def test_result_path_null_discards_the_result_and_output_path_selects() -> None:
    state = {"Type": "Pass", "Result": 9, "ResultPath": None, "OutputPath": "$.keep"}

    assert run_pass(state, {"keep": [1], "drop": 2})[0] == [1]


def test_input_path_and_output_path_null_give_empty_objects() -> None:
    built = one_state({"Type": "Pass", "InputPath": None, "OutputPath": None})

    assert dataflow.prepare_input(built, {"a": 1}, scope()) == {}
    assert dataflow.finish_output(built, {"a": 1}, {}, scope())[0] == {}


def test_a_missing_input_path_fails_with_the_service_cause() -> None:
    built = one_state({"Type": "Pass", "InputPath": "$.missing"})

    with pytest.raises(StatesFailure) as caught:
        dataflow.prepare_input(built, {"a": 1}, scope())

    failure = caught.value.located("S", 2)
    assert failure.error == RUNTIME
    assert failure.cause == (
        "An error occurred while executing the state 'S' (entered at the event id #2). "
        "Invalid path '$.missing' : No results for path: $['missing']"
    )


def test_a_missing_parameters_path_fails_with_the_service_cause() -> None:
    built = one_state({"Type": "Pass", "Parameters": {"JobName.$": "$.JobName"}})

    with pytest.raises(StatesFailure) as caught:
        dataflow.prepare_input(built, {}, scope())

    assert caught.value.error == RUNTIME
    assert caught.value.cause == (
        "The JSONPath '$.JobName' specified for the field 'JobName.$' could not be found "
        "in the input '{}'"
    )


def test_task_result_selector_then_result_path_then_output_path() -> None:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "ResultSelector": {"body.$": "$.Payload.body"},
        "ResultPath": "$.out",
        "OutputPath": "$.out.body",
    }
    built = one_state(state)

    output, _ = dataflow.finish_output(built, {"in": 1}, {"Payload": {"body": "hi"}}, scope())

    assert output == "hi"


def test_result_path_into_a_string_fails_with_result_path_match_failure() -> None:
    built = one_state({"Type": "Pass", "Result": 1, "ResultPath": "$.a.b"})

    with pytest.raises(StatesFailure) as caught:
        dataflow.finish_output(built, {"a": "text"}, 1, scope())

    assert caught.value.error == RESULT_PATH_MATCH_FAILURE


def test_jsonpath_assign_reads_the_raw_result_and_keeps_old_variables() -> None:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "ResultSelector": {"x": 1},
        "Assign": {"price.$": "$.Payload.price", "fixed": "yes"},
    }
    built = one_state(state)

    output, variables = dataflow.finish_output(
        built, {}, {"Payload": {"price": 12}}, scope({"old": True})
    )

    assert output == {"x": 1}
    assert variables == {"old": True, "price": 12, "fixed": "yes"}


def test_jsonata_task_arguments_output_and_assign_see_states() -> None:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"n": "{% $states.input.n + 1 %}", "v": "{% $total %}"},
        "Output": {"got": "{% $states.result.value %}", "total": "{% $total %}"},
        "Assign": {"total": "{% $total + $states.result.value %}"},
    }
    built = one_state(state, "JSONata")
    where = scope({"total": 10})

    assert dataflow.prepare_input(built, {"n": 1}, where) == {"n": 2, "v": 10}
    output, variables = dataflow.finish_output(built, {"n": 1}, {"value": 5}, where)

    # Output still sees the value from before this state's Assign.
    assert output == {"got": 5, "total": 10}
    assert variables == {"total": 15}


def test_jsonata_pass_and_succeed_hand_on_their_input_without_output() -> None:
    built = one_state({"Type": "Pass"}, "JSONata")

    assert dataflow.finish_output(built, {"a": 1}, {"a": 1}, scope())[0] == {"a": 1}


def test_wait_seconds_timestamp_and_paths_give_the_end_time() -> None:
    seconds = one_state({"Type": "Wait", "Seconds": 30})
    stamp = one_state({"Type": "Wait", "Timestamp": "2026-01-02T00:00:00+02:00"})
    by_path = one_state({"Type": "Wait", "SecondsPath": "$.s"})
    stamp_path = one_state({"Type": "Wait", "TimestampPath": "$.t"})

    assert wait.until(seconds, {}, NOW, scope()) == datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC)
    assert wait.until(stamp, {}, NOW, scope()) == datetime(2026, 1, 1, 22, 0, tzinfo=UTC)
    assert wait.until(by_path, {"s": 5}, NOW, scope()).second == 5
    moment = wait.until(stamp_path, {"t": "2030-05-05T05:05:05.5Z"}, NOW, scope())
    assert moment == datetime(2030, 5, 5, 5, 5, 5, 500000, tzinfo=UTC)


def test_wait_paths_to_bad_values_fail_with_runtime() -> None:
    with pytest.raises(StatesFailure) as caught:
        wait.until(
            one_state({"Type": "Wait", "SecondsPath": "$.s"}, None), {"s": "x"}, NOW, scope()
        )
    assert caught.value.error == RUNTIME

    with pytest.raises(StatesFailure):
        wait.until(one_state({"Type": "Wait", "TimestampPath": "$.t"}), {}, NOW, scope())


def test_jsonata_wait_evaluates_its_expression() -> None:
    built = one_state({"Type": "Wait", "Seconds": "{% $states.input.delay * 2 %}"}, "JSONata")

    assert wait.until(built, {"delay": 4}, NOW, scope()).second == 8


def test_fail_error_and_cause_by_value_path_intrinsic_and_expression() -> None:
    plain = one_state({"Type": "Fail", "Error": "E", "Cause": "C"})
    by_path = one_state(
        {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('x{}', $.c)"}
    )
    jsonata = one_state(
        {"Type": "Fail", "Error": "{% $states.input.e %}", "Cause": "c"}, "JSONata"
    )

    assert fail.resolve(plain, {}, scope()) == ("E", "C")
    assert fail.resolve(by_path, {"e": "Bad", "c": 1}, scope()) == ("Bad", "x1")
    assert fail.resolve(jsonata, {"e": "Wrong"}, scope()) == ("Wrong", "c")


def test_fail_expression_that_is_not_a_string_is_a_query_error() -> None:
    built = one_state({"Type": "Fail", "Error": "{% 5 %}"}, "JSONata")

    with pytest.raises(StatesFailure) as caught:
        fail.resolve(built, {}, scope())

    assert caught.value.error == QUERY_EVALUATION_ERROR


def test_parallel_parameters_build_the_branch_input() -> None:
    state = {
        "Type": "Parallel",
        "Parameters": {"who.$": "$.name"},
        "ResultPath": "$.branches",
        "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}],
    }
    built = one_state(state)

    assert dataflow.prepare_input(built, {"name": "ann"}, scope()) == {"who": "ann"}
    output, _ = dataflow.finish_output(built, {"name": "ann"}, [1, 2], scope())
    assert output == {"name": "ann", "branches": [1, 2]}


def test_map_items_and_item_selector_with_the_context_item() -> None:
    state = {
        "Type": "Map",
        "ItemsPath": "$.list",
        "ItemSelector": {
            "value.$": "$$.Map.Item.Value",
            "index.$": "$$.Map.Item.Index",
            "k.$": "$.k",
        },
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
    }
    built = one_state(state)
    assert isinstance(built, map_state.MapState)
    effective = dataflow.apply_input_path(built, {"list": ["a", "b"], "k": 1}, scope())

    items = map_state.items_of(built, effective, scope())
    item_scope = scope(Map={"Item": {"Index": 1, "Value": items[1]}})

    assert items == ["a", "b"]
    assert map_state.item_input(built, effective, items[1], item_scope) == {
        "value": "b",
        "index": 1,
        "k": 1,
    }


def test_map_legacy_parameters_act_as_item_selector() -> None:
    state = {
        "Type": "Map",
        "Parameters": {"v.$": "$$.Map.Item.Value"},
        "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
    }
    built = one_state(state)
    assert isinstance(built, map_state.MapState)

    assert map_state.item_input(built, [7], 7, scope(Map={"Item": {"Value": 7}})) == {"v": 7}


def test_map_items_of_an_object_are_its_key_value_pairs() -> None:
    built = one_state(
        {
            "Type": "Map",
            "ItemsPath": "$.servers.web",
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
        }
    )
    assert isinstance(built, map_state.MapState)
    web = {"server1": {"port": 80}, "server2": {"port": 8080}}

    assert map_state.items_of(built, {"servers": {"web": web}}, scope()) == [
        {"key": "server1", "value": {"port": 80}},
        {"key": "server2", "value": {"port": 8080}},
    ]


def test_map_items_that_are_not_an_array_fail() -> None:
    built = one_state(
        {
            "Type": "Map",
            "ItemsPath": "$.x",
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
        }
    )
    assert isinstance(built, map_state.MapState)

    with pytest.raises(StatesFailure) as caught:
        map_state.items_of(built, {"x": 5}, scope())

    assert caught.value.error == RUNTIME


def test_jsonata_map_items_expression() -> None:
    built = one_state(
        {
            "Type": "Map",
            "Items": "{% $states.input.nums[$ > 1] %}",
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
        },
        "JSONata",
    )
    assert isinstance(built, map_state.MapState)

    assert map_state.items_of(built, {"nums": [1, 2, 3]}, scope()) == [2, 3]


def test_a_plain_index_past_the_end_selects_null() -> None:
    built = one_state({"Type": "Pass", "Parameters": {"idx.$": "$.items[5]"}})

    assert dataflow.prepare_input(built, {"items": [1, 2]}, scope()) == {"idx": None}


def test_a_path_on_a_null_input_fails_with_the_service_cause() -> None:
    built = one_state({"Type": "Pass", "Parameters": {"a.$": "$.x"}})

    with pytest.raises(StatesFailure) as caught:
        dataflow.prepare_input(built, None, scope())

    assert caught.value.cause == "Unable to apply Path transformation to null or empty input."


def test_jsonata_states_result_is_only_bound_for_states_with_work() -> None:
    task = one_state(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Output": "{% $states.result %}",
        },
        "JSONata",
    )
    wait_state = one_state(
        {"Type": "Wait", "Seconds": 1, "Output": "{% $states.result %}"}, "JSONata"
    )

    assert dataflow.finish_output(task, {}, {"r": 1}, scope())[0] == {"r": 1}
    with pytest.raises(StatesFailure):
        dataflow.finish_output(wait_state, {}, {}, scope())


def test_indefinite_paths_give_lists_and_a_trailing_index_unpacks_one_match() -> None:
    built = one_state(
        {
            "Type": "Pass",
            "Parameters": {"all.$": "$.a[*].v", "none.$": "$.a[*].nope", "one.$": "$..items[0]"},
        }
    )
    data = {"a": [{"v": 1}, {"v": 2}], "b": {"items": [7, 8]}}

    assert dataflow.prepare_input(built, data, scope()) == {"all": [1, 2], "none": [], "one": 7}


def test_succeed_applies_input_path_then_output_path() -> None:
    built = one_state({"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"})
    effective = dataflow.apply_input_path(built, {"a": {"b": 3}}, scope())

    assert dataflow.finish_output(built, {"a": {"b": 3}}, effective, scope())[0] == 3


def test_jsonata_parallel_arguments_and_output_over_branch_results() -> None:
    built = one_state(
        {
            "Type": "Parallel",
            "Arguments": {"n": "{% $states.input.n %}"},
            "Output": "{% $sum($states.result) %}",
            "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}],
        },
        "JSONata",
    )

    assert dataflow.prepare_input(built, {"n": 4}, scope()) == {"n": 4}
    assert dataflow.finish_output(built, {"n": 4}, [1, 2, 3], scope())[0] == 6


def test_a_missing_context_path_shows_the_context_object_in_the_cause() -> None:
    built = one_state({"Type": "Pass", "Parameters": {"c.$": "$$.Nope"}})

    with pytest.raises(StatesFailure) as caught:
        dataflow.prepare_input(built, {"a": 1}, scope(State={"Name": "S"}))

    assert caught.value.cause == (
        "The JSONPath '$$.Nope' specified for the field 'c.$' could not be found in the input "
        '\'{"State":{"Name":"S"}}\''
    )


def test_a_missing_error_path_names_the_field() -> None:
    built = one_state({"Type": "Fail", "ErrorPath": "$.nope"})

    with pytest.raises(StatesFailure) as caught:
        fail.resolve(built, {"other": 1}, scope())

    assert caught.value.error == RUNTIME
    assert caught.value.cause == (
        "The JSONPath '$.nope' specified for the field 'ErrorPath' could not be found in the "
        "input '{\"other\":1}'"
    )


def test_a_path_function_is_accepted_at_creation_and_finds_nothing_at_run_time() -> None:
    built = one_state({"Type": "Pass", "Parameters": {"Jobs.$": "$.Jobs.sum()"}})

    with pytest.raises(StatesFailure) as caught:
        dataflow.prepare_input(built, {"Jobs": [0, 1]}, scope())

    assert caught.value.cause == (
        "The JSONPath '$.Jobs.sum()' specified for the field 'Jobs.$' could not be found in "
        "the input '{\"Jobs\":[0,1]}'"
    )


def test_a_missing_intermediate_property_is_named_where_the_walk_stopped() -> None:
    built = one_state({"Type": "Pass", "InputPath": "$.a.b"})

    with pytest.raises(StatesFailure) as missing_parent:
        dataflow.prepare_input(built, {}, scope())
    with pytest.raises(StatesFailure) as missing_leaf:
        dataflow.prepare_input(built, {"a": {}}, scope())

    assert missing_parent.value.cause == "Invalid path '$.a.b' : Missing property in path $['a']"
    assert missing_leaf.value.cause == "Invalid path '$.a.b' : No results for path: $['a']['b']"


def test_result_path_leaves_the_input_unchanged_and_reaches_into_arrays() -> None:
    data = {"a": {"b": 1}, "list": [{"id": 7}]}
    built = one_state({"Type": "Pass", "Result": 5, "ResultPath": "$.a.c"})
    into_array = one_state({"Type": "Pass", "Result": {"s": 1}, "ResultPath": "$.list[0].payload"})

    output, _ = dataflow.finish_output(built, data, 5, scope())
    nested, _ = dataflow.finish_output(into_array, data, {"s": 1}, scope())

    assert output == {"a": {"b": 1, "c": 5}, "list": [{"id": 7}]}
    assert nested["list"] == [{"id": 7, "payload": {"s": 1}}]
    assert data == {"a": {"b": 1}, "list": [{"id": 7}]}


def test_a_bracket_after_a_dot_selects_a_field_with_a_space() -> None:
    built = one_state({"Type": "Pass", "InputPath": "$.abc.['def ghi']"})

    assert dataflow.prepare_input(built, {"abc": {"def ghi": 7}}, scope()) == 7


def test_a_dot_wildcard_selects_every_member_or_element() -> None:
    built = one_state({"Type": "Pass", "Parameters": {"r.$": "$.o.*.deep", "a.$": "$.a.*"}})
    data = {"o": {"p": {"deep": 1}, "q": {"deep": 2}}, "a": [1, 2]}

    assert dataflow.prepare_input(built, data, scope()) == {"r": [1, 2], "a": [1, 2]}
