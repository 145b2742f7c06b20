"""Variable scoping helpers and the variable references DescribeStateMachine reports."""

from __future__ import annotations

from edgeworks.states.language.variables import references, visible_inside

from .helpers import one_state


def test_references_follow_paths_intrinsics_and_jsonata_but_not_local_names() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Pass",
                "Parameters": {
                    "x.$": "$foo.bar",
                    "y.$": "States.Format('{}', $baz)",
                    "z.$": "$.plain",
                    "literal": "$notRead",
                },
                "Next": "B",
            },
            "B": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% ($t := 1; $map($list, function($i){ $i + $t + $k })) %}",
                "Assign": {"q": "{% $count($states.input) + $w %}"},
                "Next": "C",
            },
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$flag", "BooleanEquals": True, "Next": "D"}],
                "Default": "D",
            },
            "D": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "I",
                    "States": {
                        "I": {"Type": "Pass", "Parameters": {"v.$": "$inner"}, "End": True}
                    },
                },
                "End": True,
            },
        },
    }

    assert references(definition) == {
        "A": ["foo", "baz"],
        "B": ["list", "k", "w"],
        "C": ["flag"],
        "I": ["inner"],
    }


def test_distributed_map_children_start_without_the_parent_variables() -> None:
    processor = {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}
    inline = one_state({"Type": "Map", "ItemProcessor": processor})
    distributed = one_state(
        {"Type": "Map", "ItemProcessor": {**processor, "ProcessorConfig": {"Mode": "DISTRIBUTED"}}}
    )
    outer = {"x": 1}

    assert visible_inside(outer, inline) == {"x": 1}
    assert visible_inside(outer, inline) is not outer
    assert visible_inside(outer, distributed) == {}
