"""Definition validation: the diagnostics CreateStateMachine and ValidateStateMachineDefinition
report, with their codes, messages and locations."""

from __future__ import annotations

import json
from typing import Any

import pytest

from edgeworks.states.language import (
    DefinitionError,
    parse_definition,
    validate_definition,
)
from edgeworks.states.language.choice import ChoiceState
from edgeworks.states.language.map_state import MapState
from edgeworks.states.language.parallel import ParallelState
from edgeworks.states.language.task import TaskState


def machine(states: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states, **top}


def wire(definition: Any) -> list[dict[str, str]]:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    return [d.as_wire() for d in validate_definition(text)]


def codes(definition: Any) -> list[tuple[str, str | None]]:
    return [(d["code"], d.get("location")) for d in wire(definition)]


def test_a_valid_machine_of_every_state_type_parses_into_typed_states() -> None:
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}],
                "Next": "C",
            },
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "W"}],
                "Default": "P",
            },
            "W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
            "P": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}],
                "Next": "M",
            },
            "M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                "Next": "OK",
            },
            "OK": {"Type": "Succeed"},
            "F": {"Type": "Fail", "Error": "Oops", "Cause": "bad"},
        },
        TimeoutSeconds=60,
    )
    parsed = parse_definition(json.dumps(definition))

    assert parsed.start_at == "T" and parsed.timeout_seconds == 60
    assert isinstance(parsed.states["T"], TaskState)
    assert parsed.states["T"].retry[0].max_attempts == 2
    assert isinstance(parsed.states["C"], ChoiceState)
    assert isinstance(parsed.states["P"], ParallelState)
    assert isinstance(parsed.states["M"], MapState)
    assert set(parsed.all_states()) >= {"B", "I", "OK"}


def test_not_json_and_not_an_object_are_reported_without_location() -> None:
    assert wire("{nope")[0]["code"] == "INVALID_JSON_DESCRIPTION"
    assert "location" not in wire("{nope")[0]
    assert wire("[]") == [
        {
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "Definition must be a valid JSON object",
        }
    ]


def test_missing_top_level_fields_are_listed_in_the_service_order() -> None:
    assert wire({})[0]["message"] == "These fields are required: [States, StartAt]"
    assert wire({"States": {}})[0]["message"] == "These fields are required: [StartAt]"


def test_a_missing_next_target_names_the_target_at_the_field() -> None:
    found = wire(machine({"A": {"Type": "Pass", "Next": "Ghost"}, "Z": {"Type": "Succeed"}}))

    assert found[0]["code"] == "MISSING_TRANSITION_TARGET"
    assert found[0]["message"] == "Missing 'Next' target: Ghost"
    assert found[0]["location"] == "/States/A/Next"


def test_choice_and_catch_targets_are_located_with_bracketed_indexes() -> None:
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Ghost"}],
                "Default": "T",
            },
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Nowhere"}],
                "End": True,
            },
        }
    )
    assert codes(definition) == [
        ("MISSING_TRANSITION_TARGET", "/States/C/Choices[0]/Next"),
        ("MISSING_TRANSITION_TARGET", "/States/T/Catch[0]/Next"),
    ]


def test_a_machine_without_terminal_state_reports_missing_end_state_only() -> None:
    loop = machine(
        {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Pass", "Next": "A"},
            "Unused": {"Type": "Pass", "Next": "A"},
        }
    )
    assert codes(loop) == [("MISSING_END_STATE", None)]


def test_an_unreachable_state_is_reported_at_the_state_even_in_a_branch() -> None:
    definition = machine(
        {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "W",
                        "States": {
                            "W": {"Type": "Pass", "End": True},
                            "Ghost": {"Type": "Pass", "End": True},
                        },
                    }
                ],
                "End": True,
            }
        }
    )
    found = wire(definition)

    assert found[0]["message"] == 'State "Ghost" is not reachable.'
    assert found[0]["location"] == "/States/P/Branches[0]/States/Ghost"


def test_a_loop_without_end_inside_a_map_is_accepted() -> None:
    definition = machine(
        {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "A",
                    "States": {
                        "A": {"Type": "Pass", "Next": "B"},
                        "B": {"Type": "Pass", "Next": "A"},
                    },
                },
                "End": True,
            }
        }
    )
    assert wire(definition) == []


def test_a_field_the_type_does_not_accept_is_reported_at_the_state() -> None:
    found = wire(
        machine(
            {
                "P": {
                    "Type": "Parallel",
                    "TimeoutSeconds": 5,
                    "End": True,
                    "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}],
                }
            }
        )
    )

    assert found == [
        {
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "Field 'TimeoutSeconds' is not supported",
            "location": "/States/P",
        }
    ]


def test_invalid_definition_message_has_the_service_shape() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(
            machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}})
        )

    assert caught.value.message() == (
        "Invalid State Machine Definition: "
        "'MISSING_END_STATE: Workflow has no terminal state at null'"
    )


@pytest.mark.parametrize(
    ("state", "location"),
    [
        ({"Type": "Pass", "Next": "Z", "End": True}, "/States/A/End"),
        ({"Type": "Pass"}, "/States/A"),
        ({"Type": "Wait", "End": True}, "/States/A"),
        ({"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}, "/States/A"),
        ({"Type": "Wait", "Seconds": -1, "End": True}, "/States/A/Seconds"),
        ({"Type": "Wait", "Timestamp": "yesterday", "End": True}, "/States/A/Timestamp"),
        ({"Type": "Task", "End": True}, "/States/A"),
        ({"Type": "Task", "Resource": 5, "End": True}, "/States/A/Resource"),
        ({"Type": "Bogus", "End": True}, "/States/A/Type"),
        ({"Type": "Pass", "InputPath": "a.b", "End": True}, "/States/A/InputPath"),
        ({"Type": "Pass", "ResultPath": "$.a[*]", "End": True}, "/States/A/ResultPath"),
        ({"Type": "Pass", "Parameters": {"x.$": "nope"}, "End": True}, "/States/A/Parameters/x.$"),
        (
            {"Type": "Pass", "Parameters": {"x.$": "States.Nope(1)"}, "End": True},
            "/States/A/Parameters/x.$",
        ),
        ({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}, "/States/A/ErrorPath"),
        ({"Type": "Pass", "Assign": {"1bad": 1}, "End": True}, "/States/A/Assign/1bad"),
        ({"Type": "Choice", "Choices": []}, "/States/A/Choices"),
        (
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "TimeoutSeconds": 5,
                "HeartbeatSeconds": 5,
                "End": True,
            },
            "/States/A/HeartbeatSeconds",
        ),
        (
            {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "SIDEWAYS"},
                    "StartAt": "I",
                    "States": {"I": {"Type": "Succeed"}},
                },
                "End": True,
            },
            "/States/A/ItemProcessor/ProcessorConfig",
        ),
        ({"Type": "Map", "End": True}, "/States/A"),
        ({"Type": "Parallel", "Branches": [5], "End": True}, "/States/A/Branches[0]"),
        ({"Type": "Wait", "SecondsPath": "$.s[*]", "End": True}, "/States/A/SecondsPath"),
        ({"Type": "Pass", "ResultPath": "$.a.length()", "End": True}, "/States/A/ResultPath"),
        (
            {
                "Type": "Map",
                "ItemsPath": "$.a[?(@.x)]",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                "End": True,
            },
            "/States/A/ItemsPath",
        ),
        (
            {
                "Type": "Map",
                "Label": "has space",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                "End": True,
            },
            "/States/A/Label",
        ),
        (
            {
                "Type": "Map",
                "ItemBatcher": {"MaxItems": 5},
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                "End": True,
            },
            "/States/A/ItemBatcher",
        ),
        (
            {
                "Type": "Map",
                "ToleratedFailurePercentage": 120,
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                "End": True,
            },
            "/States/A/ToleratedFailurePercentage",
        ),
    ],
)
def test_each_schema_problem_is_located_at_its_field(state: dict[str, Any], location: str) -> None:
    definition = machine({"A": state, "Z": {"Type": "Succeed"}})

    assert location in [loc for _, loc in codes(definition)]


@pytest.mark.parametrize(
    ("retry", "problem"),
    [
        ([{"ErrorEquals": ["States.ALL", "X"]}], "States.ALL"),
        ([{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}], "States.ALL"),
        ([{"ErrorEquals": []}], "non-empty"),
        ([{"ErrorEquals": ["States.Bogus"]}], "States.Bogus"),
        ([{"ErrorEquals": ["X"], "BackoffRate": 0.5}], "BackoffRate"),
        ([{"ErrorEquals": ["X"], "JitterStrategy": "HALF"}], "JitterStrategy"),
        ([{"ErrorEquals": ["X"], "IntervalSeconds": 0}], "IntervalSeconds"),
        ([{"ErrorEquals": ["X"], "MaxDelaySeconds": 0}], "MaxDelaySeconds"),
    ],
)
def test_retriers_follow_the_error_name_rules(retry: list[Any], problem: str) -> None:
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Retry": retry,
        "End": True,
    }

    messages = [d["message"] for d in wire(machine({"A": task}))]

    assert any(problem in m for m in messages), messages


def test_choice_may_not_end_and_must_use_one_operator() -> None:
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "End": True,
                "Choices": [
                    {"Variable": "$.x", "StringEquals": "a", "NumericEquals": 1, "Next": "Z"}
                ],
            },
            "Z": {"Type": "Succeed"},
        }
    )
    found = codes(definition)

    assert ("SCHEMA_VALIDATION_FAILED", "/States/C") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/C/Choices[0]") in found


def test_a_state_may_switch_to_jsonata_but_not_back() -> None:
    up = machine(
        {"A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% 1 %}", "End": True}}
    )
    down = machine(
        {"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}}, QueryLanguage="JSONata"
    )

    assert wire(up) == []
    assert wire(down)[0]["message"] == (
        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"
    )
    assert wire(down)[0]["location"] == "/States/A"


def test_fields_of_the_other_query_language_are_reported_at_the_state() -> None:
    definition = machine(
        {"X": {"Type": "Pass", "InputPath": "$.a", "End": True}}, QueryLanguage="JSONata"
    )

    assert wire(definition) == [
        {
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only "
            "supported for the 'JSONPath' QueryLanguage",
            "location": "/States/X",
        }
    ]


def test_a_downgrade_is_the_only_diagnostic_for_its_state() -> None:
    definition = machine(
        {"X": {"Type": "Pass", "QueryLanguage": "JSONPath", "Output": 1, "End": True}},
        QueryLanguage="JSONata",
    )

    assert [d["message"] for d in wire(definition)] == [
        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"
    ]


def test_query_language_values_outside_the_enum() -> None:
    bad = machine({"X": {"Type": "Pass", "QueryLanguage": "jsonpath", "End": True}})
    wrong_type = machine({"X": {"Type": "Succeed"}}, QueryLanguage=5)

    assert wire(bad)[0]["message"] == "Value should be one of the following: [JSONPath, JSONata]"
    assert wire(bad)[0]["location"] == "/States/X/QueryLanguage"
    assert wire(wrong_type)[0] == {
        "severity": "ERROR",
        "code": "SCHEMA_VALIDATION_FAILED",
        "message": "Expected value of type [STRING]",
        "location": "/QueryLanguage",
    }


def test_item_processors_follow_the_machine_language_and_take_none_of_their_own() -> None:
    processor = {"StartAt": "I", "States": {"I": {"Type": "Pass", "Output": 1, "End": True}}}
    jsonata_map = {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "ItemProcessor": processor,
        "End": True,
    }
    own_language = {**processor, "QueryLanguage": "JSONata"}

    # The Map state is JSONata, but the states inside follow the JSONPath machine.
    assert ("SCHEMA_VALIDATION_FAILED", "/States/M/ItemProcessor/States/I") in codes(
        machine({"M": jsonata_map})
    )
    found = wire(machine({"M": {**jsonata_map, "ItemProcessor": own_language}}))
    assert {
        "severity": "ERROR",
        "code": "SCHEMA_VALIDATION_FAILED",
        "message": "Field 'QueryLanguage' is not supported",
        "location": "/States/M/ItemProcessor",
    } in found


def test_a_jsonata_expression_that_does_not_parse_is_reported() -> None:
    definition = machine(
        {"X": {"Type": "Pass", "Output": "{% $states.input. %}", "End": True}},
        QueryLanguage="JSONata",
    )

    assert codes(definition) == [("INVALID_JSONATA_EXPRESSION", "/States/X/Output")]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("{% phone %}", "Reference to 'phone' at the top level is not supported."),
        (
            "{% $map($states.input.a, function($x){ b }) %}",
            "Reference to 'b' at the top level is not supported.",
        ),
        ("{% $$.Execution %}", "Reference to '$$' is not supported."),
        ("{% $states.errorOutput %}", "Reference to '$states.errorOutput' is not supported."),
    ],
)
def test_jsonata_references_the_service_refuses(expression: str, message: str) -> None:
    definition = machine(
        {"E": {"Type": "Pass", "Output": {"v": expression}, "End": True}}, QueryLanguage="JSONata"
    )

    assert wire(definition) == [
        {
            "severity": "ERROR",
            "code": "UNSUPPORTED_JSONATA_EXPRESSION",
            "message": message,
            "location": "/States/E/Output/v",
        }
    ]


def test_relative_names_and_catcher_error_output_are_accepted() -> None:
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"big": "{% $states.input.items[value > 3].name %}"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Next": "D",
                        "Output": "{% $states.errorOutput %}",
                    }
                ],
                "Next": "D",
            },
            "D": {"Type": "Succeed"},
        },
        QueryLanguage="JSONata",
    )

    assert wire(definition) == []


def test_state_names_must_be_unique_across_branches() -> None:
    branch = {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}
    definition = machine({"A": {"Type": "Parallel", "Branches": [branch], "End": True}})

    assert ("DUPLICATE_STATE_NAME", "/States/A/Branches[0]/States/A") in codes(definition)


def test_a_branch_may_not_name_an_outer_state() -> None:
    branch = {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "Outer"}}}
    definition = machine(
        {
            "P": {"Type": "Parallel", "Branches": [branch], "Next": "Outer"},
            "Outer": {"Type": "Succeed"},
        }
    )

    assert ("MISSING_TRANSITION_TARGET", "/States/P/Branches[0]/States/B/Next") in codes(
        definition
    )


def test_path_field_messages_name_the_field() -> None:
    definition = machine(
        {
            "A": {
                "Type": "Pass",
                "InputPath": "x",
                "ResultPath": "$.a[*]",
                "Parameters": {"k.$": "States.Nope()"},
                "End": True,
            }
        }
    )

    assert [d["message"] for d in wire(definition)] == [
        "The value for the field 'InputPath' must be a valid JSONPath",
        "The value for the field 'ResultPath' must be a valid ReferencePath",
        "The value for the field 'k.$' must be a valid JSONPath or a valid intrinsic "
        "function call",
    ]


def test_express_machines_refuse_waiting_integrations() -> None:
    definition = machine(
        {
            "SendMessageWithWait": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Next": "Run",
            },
            "Run": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "End": True,
            },
        }
    )

    assert validate_definition(json.dumps(definition)) == []
    found = [d.as_wire() for d in validate_definition(json.dumps(definition), "EXPRESS")]
    assert found == [
        {
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "Express state machine does not support '.waitForTaskToken' service "
            "integration ",
            "location": "/States/SendMessageWithWait/Resource",
        },
        {
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "Express state machine does not support '.sync' service integration ",
            "location": "/States/Run/Resource",
        },
    ]


def test_count_paths_must_name_one_value_and_large_counts_are_accepted() -> None:
    processor = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    by_wildcard = machine(
        {
            "M": {
                "Type": "Map",
                "MaxConcurrencyPath": "$.limits[*]",
                "ItemProcessor": processor,
                "End": True,
            }
        }
    )
    huge = machine(
        {
            "M": {
                "Type": "Map",
                "MaxConcurrency": 9223372036854775807,
                "ItemProcessor": processor,
                "End": True,
            }
        }
    )

    assert codes(by_wildcard) == [("SCHEMA_VALIDATION_FAILED", "/States/M/MaxConcurrencyPath")]
    assert wire(huge) == []
    assert codes(machine({"W": {"Type": "Wait", "Seconds": 100000000, "End": True}})) == [
        ("SCHEMA_VALIDATION_FAILED", "/States/W/Seconds")
    ]


def test_a_state_without_type_and_one_of_unknown_type() -> None:
    assert wire(machine({"A": {"End": True}})) == [
        {
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "These fields are required: [Type]",
            "location": "/States/A",
        }
    ]
    assert codes(machine({"A": {"Type": "Bogus", "End": True}})) == [
        ("SCHEMA_VALIDATION_FAILED", "/States/A/Type")
    ]


def test_state_names_are_at_most_80_characters() -> None:
    long_name = "S" * 81

    assert codes(machine({long_name: {"Type": "Succeed"}})) == [
        ("SCHEMA_VALIDATION_FAILED", f"/States/{long_name}")
    ]
    assert wire(machine({"S" * 80: {"Type": "Succeed"}})) == []


def test_a_task_resource_must_be_an_arn() -> None:
    task = {"Type": "Task", "Resource": "my-function", "End": True}

    assert wire(machine({"T": task})) == [
        {
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "Value is not a valid resource ARN",
            "location": "/States/T/Resource",
        }
    ]
