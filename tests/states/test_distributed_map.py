"""Distributed Map: child executions, batches, tolerated failures, listing by map run."""

from __future__ import annotations

import json
from typing import Any

from tests.states.harness import finished, history, machine, wait_for

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def distributed(**fields: Any) -> dict[str, Any]:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": LAMBDA + fields.pop("function", "echo"),
                "End": True,
            }
        },
    }
    state = {"Type": "Map", "ItemProcessor": processor, "Label": "Items", "End": True, **fields}
    return {"StartAt": "Fan", "States": {"Fan": state}}


def start(sfn: Any, definition: dict[str, Any], data: Any) -> str:
    arn = machine(sfn, definition, name="parent")
    execution: str = sfn.start_execution(stateMachineArn=arn, input=json.dumps(data))[
        "executionArn"
    ]
    return execution


def map_run_of(sfn: Any, execution: str) -> str:
    event = next(e for e in history(sfn, execution) if e["type"] == "MapRunStarted")
    arn: str = event["mapRunStartedEventDetails"]["mapRunArn"]
    return arn


def test_each_item_runs_as_a_child_execution(sfn: Any) -> None:
    execution = start(
        sfn,
        distributed(ItemsPath="$.values", function="double"),
        {"values": [{"value": 1}, {"value": 2}, {"value": 3}]},
    )

    done = finished(sfn, execution)
    run = map_run_of(sfn, execution)
    children = sfn.list_executions(mapRunArn=run)["executions"]
    kinds = [e["type"] for e in history(sfn, execution)]

    assert json.loads(done["output"]) == [{"value": 2}, {"value": 4}, {"value": 6}]
    assert run.startswith("arn:aws:states:us-east-1:123456789012:mapRun:parent/Items:")
    assert len(children) == 3
    assert {c["status"] for c in children} == {"SUCCEEDED"}
    assert all(
        c["executionArn"].startswith(
            "arn:aws:states:us-east-1:123456789012:execution:parent/Items:"
        )
        for c in children
    )
    assert kinds == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    child = sfn.describe_execution(executionArn=children[0]["executionArn"])
    assert child["mapRunArn"] == run
    child_machine = sfn.describe_state_machine_for_execution(executionArn=child["executionArn"])
    assert (child_machine["label"], child_machine["mapRunArn"]) == ("Items", run)
    assert json.loads(child_machine["definition"])["StartAt"] == "Work"


def test_items_are_batched(sfn: Any) -> None:
    batcher = {"MaxItemsPerBatch": 2, "BatchInput": {"tag.$": "$.tag"}}
    execution = start(
        sfn,
        distributed(ItemsPath="$.values", ItemBatcher=batcher),
        {"tag": "t", "values": [1, 2, 3, 4, 5]},
    )

    done = finished(sfn, execution)

    assert json.loads(done["output"]) == [
        {"Items": [1, 2], "BatchInput": {"tag": "t"}},
        {"Items": [3, 4], "BatchInput": {"tag": "t"}},
        {"Items": [5], "BatchInput": {"tag": "t"}},
    ]


def test_tolerated_failures_keep_the_run_going(sfn: Any) -> None:
    items = [{"card": 1}, {"value": 2}, {"card": 3}, {"value": 4}]
    execution = start(
        sfn, distributed(ItemsPath="$", function="double", ToleratedFailureCount=2), items
    )

    done = finished(sfn, execution)
    output = json.loads(done["output"])

    assert done["status"] == "SUCCEEDED"
    assert output[1] == {"value": 4}
    assert output[0]["Error"] == "KeyError"


def test_too_many_failures_fail_the_map_run(sfn: Any) -> None:
    items = [{"card": 1}, {"card": 2}, {"value": 3}]
    execution = start(
        sfn, distributed(ItemsPath="$", function="double", ToleratedFailurePercentage=34), items
    )

    done = finished(sfn, execution)
    kinds = [e["type"] for e in history(sfn, execution)]

    assert (done["status"], done["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert "MapRunFailed" in kinds


def test_item_reader_is_refused_at_run_time(sfn: Any) -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "b", "Key": "k"},
    }
    execution = start(sfn, distributed(ItemReader=reader), {})

    done = finished(sfn, execution)

    assert (done["status"], done["error"]) == ("FAILED", "States.ItemReaderFailed")


def test_stopping_the_parent_stops_its_children(sfn: Any) -> None:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Sleep",
        "States": {"Sleep": {"Type": "Wait", "Seconds": 3600, "End": True}},
    }
    definition = {
        "StartAt": "Fan",
        "States": {"Fan": {"Type": "Map", "ItemProcessor": processor, "End": True}},
    }
    execution = start(sfn, definition, [1, 2])
    run = wait_for(
        lambda: (
            any(e["type"] == "MapRunStarted" for e in history(sfn, execution))
            and map_run_of(sfn, execution)
        )
    )
    wait_for(lambda: len(sfn.list_executions(mapRunArn=run)["executions"]) == 2)

    sfn.stop_execution(executionArn=execution)
    children = sfn.list_executions(mapRunArn=run)["executions"]

    assert {c["status"] for c in children} == {"ABORTED"}
    assert sfn.describe_execution(executionArn=execution)["status"] == "ABORTED"


def test_map_run_is_described_listed_and_updated(sfn: Any) -> None:
    definition = distributed(
        ItemsPath="$", function="double", MaxConcurrency=2, ToleratedFailureCount=1
    )
    execution = start(sfn, definition, [{"value": 1}, {"card": 2}, {"value": 3}])
    finished(sfn, execution)
    run = map_run_of(sfn, execution)

    described = sfn.describe_map_run(mapRunArn=run)
    listed = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    sfn.update_map_run(mapRunArn=run, maxConcurrency=5, toleratedFailurePercentage=50.0)
    updated = sfn.describe_map_run(mapRunArn=run)

    assert described["status"] == "SUCCEEDED"
    assert described["executionArn"] == execution
    assert (described["maxConcurrency"], described["toleratedFailureCount"]) == (2, 1)
    counts = described["executionCounts"]
    assert (counts["succeeded"], counts["failed"], counts["total"]) == (2, 1, 3)
    assert [r["mapRunArn"] for r in listed] == [run]
    assert listed[0]["stateMachineArn"].endswith(":stateMachine:parent/Items")
    assert (updated["maxConcurrency"], updated["toleratedFailurePercentage"]) == (5, 50.0)
