"""State machine operations through boto3: create, describe, list, update, delete, validate."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.states.harness import ROLE, machine

PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


def error_of(call: Any, **kwargs: Any) -> dict[str, str]:
    """Return the error code and message a call is refused with."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    found: dict[str, str] = caught.value.response["Error"]
    return found


def test_create_then_describe(sfn: Any) -> None:
    arn = machine(sfn, PASS, name="orders", type="STANDARD")

    found = sfn.describe_state_machine(stateMachineArn=arn)

    assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
    assert found["name"] == "orders"
    assert json.loads(found["definition"]) == PASS
    assert found["roleArn"] == ROLE
    assert found["type"] == "STANDARD"
    assert found["status"] == "ACTIVE"


def test_account_comes_from_a_numeric_access_key(service: Any) -> None:
    from tests.states.harness import client

    sfn = client(service.url)
    sfn_other = __import__("boto3").client(
        "stepfunctions",
        endpoint_url=service.url,
        region_name="eu-west-1",
        aws_access_key_id="111122223333",
        aws_secret_access_key="x",
    )
    arn = machine(sfn_other, PASS, name="elsewhere")

    assert arn == "arn:aws:states:eu-west-1:111122223333:stateMachine:elsewhere"
    assert sfn.describe_state_machine(stateMachineArn=arn)["name"] == "elsewhere"


def test_identical_create_is_idempotent_and_a_different_one_conflicts(sfn: Any) -> None:
    first = machine(sfn, PASS, name="same")
    again = machine(sfn, PASS, name="same")
    changed = {"StartAt": "Other", "States": {"Other": {"Type": "Succeed"}}}

    error = error_of(
        sfn.create_state_machine, name="same", definition=json.dumps(changed), roleArn=ROLE
    )

    assert first == again
    assert error["Code"] == "StateMachineAlreadyExists"
    assert first in error["Message"]


def test_bad_definition_names_state_and_field(sfn: Any) -> None:
    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}

    error = error_of(
        sfn.create_state_machine, name="broken", definition=json.dumps(broken), roleArn=ROLE
    )

    assert error["Code"] == "InvalidDefinition"
    assert "Missing" in error["Message"]
    assert "/States/A" in error["Message"]
    assert sfn.list_state_machines()["stateMachines"] == []


def test_definition_that_is_not_json_is_invalid(sfn: Any) -> None:
    error = error_of(sfn.create_state_machine, name="x", definition="{nope", roleArn=ROLE)

    assert error["Code"] == "InvalidDefinition"


@pytest.mark.parametrize("name", ["has space", "a/b", "x" * 81, "semi;colon"])
def test_invalid_names_are_refused(sfn: Any, name: str) -> None:
    error = error_of(
        sfn.create_state_machine, name=name, definition=json.dumps(PASS), roleArn=ROLE
    )

    assert error["Code"] == "InvalidName"


def test_bad_arn_and_missing_machine(sfn: Any) -> None:
    bad = error_of(sfn.describe_state_machine, stateMachineArn="not-an-arn")
    wrong_kind = error_of(
        sfn.describe_state_machine,
        stateMachineArn="arn:aws:states:us-east-1:123456789012:execution:flow:run",
    )
    missing = error_of(
        sfn.describe_state_machine,
        stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:ghost",
    )

    assert bad["Code"] == "InvalidArn"
    assert "not-an-arn" in bad["Message"]
    assert wrong_kind["Code"] == "InvalidArn"
    assert missing["Code"] == "StateMachineDoesNotExist"
    assert "ghost" in missing["Message"]


def test_list_pages_through_every_machine(sfn: Any) -> None:
    created = [machine(sfn, PASS, name=f"m{i:02d}") for i in range(7)]

    first = sfn.list_state_machines(maxResults=3)
    pages = list(
        sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 3})
    )

    assert len(first["stateMachines"]) == 3
    assert "nextToken" in first
    assert [m["stateMachineArn"] for p in pages for m in p["stateMachines"]] == created
    assert len(pages) == 3


def test_bad_page_token_is_invalid_token(sfn: Any) -> None:
    error = error_of(sfn.list_state_machines, nextToken="garbage!")

    assert error["Code"] == "InvalidToken"


def test_update_changes_definition_and_revision(sfn: Any) -> None:
    arn = machine(sfn, PASS, name="evolving")
    before = sfn.describe_state_machine(stateMachineArn=arn)
    newer = {"StartAt": "Next", "States": {"Next": {"Type": "Succeed"}}}

    answer = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(newer))
    after = sfn.describe_state_machine(stateMachineArn=arn)

    assert json.loads(after["definition"]) == newer
    assert after["revisionId"] == answer["revisionId"] != before["revisionId"]


def test_update_needs_something_to_change(sfn: Any) -> None:
    arn = machine(sfn, PASS, name="still")

    error = error_of(sfn.update_state_machine, stateMachineArn=arn)
    invalid = error_of(
        sfn.update_state_machine, stateMachineArn=arn, definition=json.dumps({"StartAt": "Z"})
    )

    assert error["Code"] == "MissingRequiredParameter"
    assert invalid["Code"] == "InvalidDefinition"


def test_delete_removes_the_machine(sfn: Any) -> None:
    arn = machine(sfn, PASS, name="gone")

    sfn.delete_state_machine(stateMachineArn=arn)

    assert error_of(sfn.describe_state_machine, stateMachineArn=arn)["Code"] == (
        "StateMachineDoesNotExist"
    )


def test_validate_reports_diagnostics_with_location(sfn: Any) -> None:
    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}

    good = sfn.validate_state_machine_definition(definition=json.dumps(PASS))
    bad = sfn.validate_state_machine_definition(definition=json.dumps(broken))

    assert good["result"] == "OK"
    assert good["diagnostics"] == []
    assert bad["result"] == "FAIL"
    assert bad["diagnostics"][0]["severity"] == "ERROR"
    assert bad["diagnostics"][0]["location"].startswith("/States/A")


def test_tags_round_trip(sfn: Any) -> None:
    arn = machine(sfn, PASS, name="tagged", tags=[{"key": "team", "value": "payments"}])

    sfn.tag_resource(resourceArn=arn, tags=[{"key": "stage", "value": "dev"}])
    sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
    tags = sfn.list_tags_for_resource(resourceArn=arn)["tags"]
    missing = error_of(
        sfn.list_tags_for_resource,
        resourceArn="arn:aws:states:us-east-1:123456789012:stateMachine:nobody",
    )

    assert tags == [{"key": "stage", "value": "dev"}]
    assert missing["Code"] == "ResourceNotFound"


def test_logging_and_tracing_are_checked_and_kept(sfn: Any) -> None:
    arn = machine(
        sfn,
        PASS,
        name="logged",
        loggingConfiguration={"level": "ERROR"},
        tracingConfiguration={"enabled": True},
    )
    bad_level = error_of(
        sfn.create_state_machine,
        name="x",
        definition=json.dumps(PASS),
        roleArn=ROLE,
        loggingConfiguration={"level": "LOUD"},
    )

    found = sfn.describe_state_machine(stateMachineArn=arn)

    assert found["loggingConfiguration"]["level"] == "ERROR"
    assert found["tracingConfiguration"] == {"enabled": True}
    assert bad_level["Code"] == "InvalidLoggingConfiguration"


def test_express_machines_refuse_sync_callbacks_and_activities(sfn: Any) -> None:
    waiting = {
        "StartAt": "Outer",
        "States": {
            "Outer": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Ask",
                        "States": {
                            "Ask": {
                                "Type": "Task",
                                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                                "Parameters": {"FunctionName": "f", "Payload.$": "$$.Task.Token"},
                                "End": True,
                            }
                        },
                    }
                ],
                "End": True,
            }
        },
    }

    refused = error_of(
        sfn.create_state_machine,
        name="quick",
        definition=json.dumps(waiting),
        roleArn=ROLE,
        type="EXPRESS",
    )
    validated = sfn.validate_state_machine_definition(
        definition=json.dumps(waiting), type="EXPRESS"
    )
    standard = machine(sfn, waiting, name="slow")

    assert refused["Code"] == "InvalidDefinition"
    assert "/States/Outer/Branches/0/States/Ask/Resource" in refused["Message"]
    assert validated["result"] == "FAIL"
    assert (
        validated["diagnostics"][0]["location"] == "/States/Outer/Branches/0/States/Ask/Resource"
    )
    assert standard.endswith(":stateMachine:slow")
