"""Versions and aliases: publish, describe, start by version or alias, routing, deletion."""

from __future__ import annotations

import json
from typing import Any

from tests.states.harness import ROLE, finished, history
from tests.states.test_api_machines import error_of


def pass_result(value: str) -> str:
    return json.dumps(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": value, "End": True}}}
    )


def test_publish_on_create_and_update_numbers_versions(sfn: Any) -> None:
    created = sfn.create_state_machine(
        name="v", definition=pass_result("one"), roleArn=ROLE, publish=True
    )
    machine = created["stateMachineArn"]
    again = sfn.publish_state_machine_version(stateMachineArn=machine)
    updated = sfn.update_state_machine(
        stateMachineArn=machine,
        definition=pass_result("two"),
        publish=True,
        versionDescription="second",
    )
    listed = sfn.list_state_machine_versions(stateMachineArn=machine)["stateMachineVersions"]

    assert created["stateMachineVersionArn"] == machine + ":1"
    assert again["stateMachineVersionArn"] == machine + ":1", (
        "an unchanged revision is not published twice"
    )
    assert updated["stateMachineVersionArn"] == machine + ":2"
    assert [v["stateMachineVersionArn"] for v in listed] == [machine + ":2", machine + ":1"]
    first = sfn.describe_state_machine(stateMachineArn=machine + ":1")
    assert json.loads(first["definition"])["States"]["P"]["Result"] == "one"
    assert sfn.describe_state_machine(stateMachineArn=machine + ":2")["description"] == "second"


def test_start_by_version_runs_that_version(sfn: Any) -> None:
    machine = sfn.create_state_machine(
        name="v", definition=pass_result("old"), roleArn=ROLE, publish=True
    )["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=machine, definition=pass_result("new"))

    by_version = sfn.start_execution(stateMachineArn=machine + ":1")["executionArn"]
    latest = sfn.start_execution(stateMachineArn=machine)["executionArn"]

    old = finished(sfn, by_version)
    assert json.loads(old["output"]) == "old"
    assert old["stateMachineVersionArn"] == machine + ":1"
    assert json.loads(finished(sfn, latest)["output"]) == "new"
    started = history(sfn, by_version)[0]["executionStartedEventDetails"]
    assert started["stateMachineVersionArn"] == machine + ":1"


def test_alias_routes_and_records_itself(sfn: Any) -> None:
    machine = sfn.create_state_machine(
        name="v", definition=pass_result("a"), roleArn=ROLE, publish=True
    )["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=machine, definition=pass_result("b"), publish=True)
    routing = [{"stateMachineVersionArn": machine + ":2", "weight": 100}]

    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=routing)[
        "stateMachineAliasArn"
    ]
    run = sfn.start_execution(stateMachineArn=alias)["executionArn"]
    done = finished(sfn, run)
    sfn.update_state_machine_alias(
        stateMachineAliasArn=alias,
        routingConfiguration=[{"stateMachineVersionArn": machine + ":1", "weight": 100}],
    )
    moved = finished(sfn, sfn.start_execution(stateMachineArn=alias)["executionArn"])
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    listed = sfn.list_state_machine_aliases(stateMachineArn=machine)["stateMachineAliases"]

    assert alias == machine + ":live"
    assert json.loads(done["output"]) == "b"
    assert done["stateMachineAliasArn"] == alias
    assert json.loads(moved["output"]) == "a"
    assert described["routingConfiguration"][0]["stateMachineVersionArn"] == machine + ":1"
    assert [a["stateMachineAliasArn"] for a in listed] == [alias]
    by_alias = sfn.list_executions(stateMachineArn=alias)["executions"]
    by_version = sfn.list_executions(stateMachineArn=machine + ":2")["executions"]
    assert len(by_alias) == 2
    assert [e["executionArn"] for e in by_version] == [run]


def test_a_routed_version_cannot_be_deleted_until_the_alias_goes(sfn: Any) -> None:
    machine = sfn.create_state_machine(
        name="v", definition=pass_result("a"), roleArn=ROLE, publish=True
    )["stateMachineArn"]
    alias = sfn.create_state_machine_alias(
        name="live",
        routingConfiguration=[{"stateMachineVersionArn": machine + ":1", "weight": 100}],
    )["stateMachineAliasArn"]

    refused = error_of(sfn.delete_state_machine_version, stateMachineVersionArn=machine + ":1")
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    sfn.delete_state_machine_version(stateMachineVersionArn=machine + ":1")
    gone = error_of(sfn.describe_state_machine, stateMachineArn=machine + ":1")
    republished = sfn.publish_state_machine_version(stateMachineArn=machine)

    assert refused["Code"] == "ConflictException"
    assert gone["Code"] == "ResourceNotFound"
    assert republished["stateMachineVersionArn"] == machine + ":2", "numbers are not reused"


def test_bad_routing_and_revision_conflicts(sfn: Any) -> None:
    machine = sfn.create_state_machine(
        name="v", definition=pass_result("a"), roleArn=ROLE, publish=True
    )["stateMachineArn"]

    weights = error_of(
        sfn.create_state_machine_alias,
        name="x",
        routingConfiguration=[{"stateMachineVersionArn": machine + ":1", "weight": 50}],
    )
    conflict = error_of(
        sfn.publish_state_machine_version, stateMachineArn=machine, revisionId="not-current"
    )

    assert weights["Code"] == "ValidationException"
    assert conflict["Code"] == "ConflictException"
