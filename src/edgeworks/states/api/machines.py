"""State machine operations: Create, Describe, List, Update, Delete, ValidateDefinition."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

from edgeworks.states.api import arns, inputs
from edgeworks.states.api.deps import Deps
from edgeworks.states.api.express import express_problems
from edgeworks.states.api.protocol import Caller
from edgeworks.states.api.tags import tag_map
from edgeworks.states.errors import ApiError
from edgeworks.states.language import DefinitionError, parse_definition, validate_definition
from edgeworks.states.store import Catalog, MachineRecord

TYPES = ("STANDARD", "EXPRESS")


def check_definition(text: str, kind: str = "STANDARD") -> None:
    """Refuse a definition the service would reject for a machine of type ``kind``.

    Raises:
        ApiError: InvalidDefinition with every problem, each naming its state and field.
    """
    try:
        machine = parse_definition(text)
    except DefinitionError as exc:
        raise ApiError("InvalidDefinition", exc.message()) from exc
    problems = express_problems(machine.raw) if kind == "EXPRESS" else []
    if problems:
        raise ApiError("InvalidDefinition", DefinitionError(problems).message())


def check_role(body: dict[str, Any], required: bool) -> str | None:
    """Return ``roleArn`` if it has the shape of an IAM role ARN.

    Raises:
        ApiError: ValidationException when required and absent, InvalidArn when malformed.
    """
    role = (
        inputs.required_str(body, "roleArn") if required else inputs.optional_str(body, "roleArn")
    )
    if role is not None and not role.startswith("arn:"):
        raise ApiError("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {role}'")
    return role


_LEVELS = ("ALL", "ERROR", "FATAL", "OFF")


def logging_configuration(body: dict[str, Any]) -> dict[str, Any] | None:
    """Return ``loggingConfiguration`` if it has the service's shape (it is kept, not used).

    Raises:
        ApiError: InvalidLoggingConfiguration naming what is wrong.
    """
    found = body.get("loggingConfiguration")
    if found is None:
        return None
    level = found.get("level", "OFF") if isinstance(found, dict) else None
    if level not in _LEVELS:
        raise ApiError(
            "InvalidLoggingConfiguration",
            f"Invalid Logging Configuration: level {level!r} is not one of {', '.join(_LEVELS)}",
        )
    if not isinstance(found.get("includeExecutionData", False), bool) or not isinstance(
        found.get("destinations", []), list
    ):
        raise ApiError(
            "InvalidLoggingConfiguration",
            "Invalid Logging Configuration: includeExecutionData must be a boolean and "
            "destinations a list",
        )
    kept: dict[str, Any] = {"level": level, "includeExecutionData": False} | found
    return kept


def tracing_configuration(body: dict[str, Any]) -> dict[str, Any] | None:
    """Return ``tracingConfiguration`` if it is ``{"enabled": bool}`` (kept, not used).

    Raises:
        ApiError: InvalidTracingConfiguration naming the value.
    """
    found = body.get("tracingConfiguration")
    if found is None:
        return None
    if not isinstance(found, dict) or not isinstance(found.get("enabled", False), bool):
        raise ApiError("InvalidTracingConfiguration", f"Invalid Tracing Configuration: {found!r}")
    return {"enabled": False} | found


def find(deps: Deps, body: dict[str, Any], member: str = "stateMachineArn") -> MachineRecord:
    """Return the machine a request names.

    Raises:
        ApiError: InvalidArn or StateMachineDoesNotExist, quoting the ARN.
    """
    arn = arns.parse(body.get(member), member, ("stateMachine",))
    machine = deps.store.machine(str(arn))
    if machine is None:
        raise ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
    return machine


async def create(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """CreateStateMachine: idempotent for an identical request, else StateMachineAlreadyExists."""
    name = arns.check_name(inputs.required_str(body, "name"))
    definition = inputs.required_str(body, "definition")
    role = check_role(body, required=True)
    kind = inputs.choice(body, "type", TYPES, "STANDARD")
    tags = tag_map(body.get("tags", []))
    check_definition(definition, kind or "STANDARD")

    now = deps.clock.now()
    machine = MachineRecord(
        arns.machine_arn(caller.region, caller.account, name),
        name,
        kind or "STANDARD",
        definition,
        role or "",
        now,
        now,
        str(uuid.uuid4()),
        logging_configuration(body) or {"level": "OFF", "includeExecutionData": False},
        tracing_configuration(body) or {"enabled": False},
    )
    if not deps.store.add_machine(machine):
        machine = _same_or_conflict(deps, machine)
    deps.store.tag(machine.arn, tags)
    answer = {"stateMachineArn": machine.arn, "creationDate": machine.created}
    return answer | _published(deps, machine, body)


def _published(deps: Deps, machine: MachineRecord, body: dict[str, Any]) -> dict[str, Any]:
    # Step Functions API, CreateStateMachine and UpdateStateMachine: publish=true also
    # publishes the new revision as a version.
    if not inputs.flag(body, "publish"):
        return {}
    description = inputs.optional_str(body, "versionDescription")
    version = Catalog(deps.store).publish(machine, description, deps.clock.now())
    return {"stateMachineVersionArn": version.arn}


def _same_or_conflict(deps: Deps, wanted: MachineRecord) -> MachineRecord:
    # Step Functions API, CreateStateMachine: a repeated identical request returns the
    # existing machine; any difference is a conflict.
    existing = deps.store.machine(wanted.arn)
    assert existing is not None
    same = (existing.definition, existing.role_arn, existing.type) == (
        wanted.definition,
        wanted.role_arn,
        wanted.type,
    )
    if not same:
        raise ApiError(
            "StateMachineAlreadyExists", f"State Machine Already Exists: '{wanted.arn}'"
        )
    return existing


async def describe(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """DescribeStateMachine."""
    machine = find(deps, body)
    return {
        "stateMachineArn": machine.arn,
        "name": machine.name,
        "status": "DELETING" if deps.store.deleting(machine.arn) else "ACTIVE",
        "definition": machine.definition,
        "roleArn": machine.role_arn,
        "type": machine.type,
        "creationDate": machine.created,
        "loggingConfiguration": machine.logging,
        "tracingConfiguration": machine.tracing,
        "revisionId": machine.revision_id,
    }


async def list_all(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """ListStateMachines, in creation order, paged by ``nextToken``."""
    limit = inputs.page_size(body)
    after = inputs.decode_token(body) or 0
    rows = deps.store.machines(after, limit + 1)
    items = [
        {
            "stateMachineArn": m.arn,
            "name": m.name,
            "type": m.type,
            "creationDate": m.created,
        }
        for _, m in rows[:limit]
    ]
    answer: dict[str, Any] = {"stateMachines": items}
    if len(rows) > limit:
        answer["nextToken"] = inputs.encode_token(rows[limit - 1][0])
    return answer


async def update(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """UpdateStateMachine: new definition, role, logging or tracing; new revision id."""
    machine = find(deps, body)
    refuse_deleting(deps, machine)
    definition = inputs.optional_str(body, "definition")
    role = check_role(body, required=False)
    changes = ("definition", "roleArn", "loggingConfiguration", "tracingConfiguration")
    if not any(body.get(member) is not None for member in changes):
        raise ApiError(
            "MissingRequiredParameter",
            "Either the definition, the roleArn, the loggingConfiguration or the "
            "tracingConfiguration must be specified",
        )
    if definition is not None:
        check_definition(definition, machine.type)

    updated = replace(
        machine,
        definition=definition or machine.definition,
        role_arn=role or machine.role_arn,
        logging=logging_configuration(body) or machine.logging,
        tracing=tracing_configuration(body) or machine.tracing,
        updated=deps.clock.now(),
        revision_id=str(uuid.uuid4()),
    )
    deps.store.replace_machine(updated)
    answer = {"updateDate": updated.updated, "revisionId": updated.revision_id}
    return answer | _published(deps, updated, body)


async def delete(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """DeleteStateMachine: at once, or DELETING until its running executions end."""
    arn = str(arns.parse(body.get("stateMachineArn"), "stateMachineArn", ("stateMachine",)))
    if deps.store.machine(arn) is None:
        return {}
    if deps.store.executions(arn, "RUNNING", 2**62, 1):
        deps.store.mark_deleting(arn)
    else:
        deps.store.delete_machine(arn)
    return {}


def refuse_deleting(deps: Deps, machine: MachineRecord) -> None:
    """Refuse work on a machine being deleted.

    Raises:
        ApiError: StateMachineDeleting naming the machine.
    """
    if deps.store.deleting(machine.arn):
        raise ApiError("StateMachineDeleting", f"State Machine is being deleted: '{machine.arn}'")


async def validate(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """ValidateStateMachineDefinition: diagnostics with their location, OK or FAIL."""
    definition = inputs.required_str(body, "definition")
    kind = inputs.choice(body, "type", TYPES, "STANDARD")
    severity = inputs.choice(body, "severity", ("ERROR", "WARNING"), "ERROR")
    limit = inputs.page_size(body)

    found = validate_definition(definition)
    if kind == "EXPRESS" and not found:
        found = express_problems(json.loads(definition))
    failed = any(d.severity == "ERROR" for d in found)
    shown = [d for d in found if severity == "WARNING" or d.severity == "ERROR"]
    return {
        "result": "FAIL" if failed else "OK",
        "diagnostics": [d.as_wire() for d in shown[:limit]],
        "truncated": len(shown) > limit,
    }
