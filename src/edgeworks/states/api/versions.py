"""Versions and aliases: publish, list, delete versions; create, describe, update, list and
delete aliases; and which definition a qualified state machine ARN starts.

A version ARN is the machine's ARN with ``:NUMBER``; an alias ARN the machine's with ``:NAME``.
An alias routes each new execution to one of at most two versions, chosen by weight.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from typing import Any

from edgeworks.states.api import arns, inputs, machines
from edgeworks.states.api.deps import Deps
from edgeworks.states.api.machines import find as find_machine
from edgeworks.states.api.protocol import Caller
from edgeworks.states.errors import ApiError, validation
from edgeworks.states.store import AliasRecord, Catalog, MachineRecord, VersionRecord

# Step Functions API, CreateStateMachineAlias: name pattern (CharacterRestrictedName).
_ALIAS_NAME = re.compile(r"^(?=.*[a-zA-Z_\-.])[a-zA-Z0-9_\-.]{1,80}$")


@dataclass(frozen=True)
class Target:
    """What a (possibly qualified) state machine ARN starts."""

    machine: MachineRecord
    version: VersionRecord | None = None
    alias: AliasRecord | None = None

    @property
    def definition(self) -> str:
        """The definition an execution runs."""
        return self.version.definition if self.version else self.machine.definition


def catalog(deps: Deps) -> Catalog:
    """Return the versions and aliases of the store."""
    return Catalog(deps.store)


def target(deps: Deps, body: dict[str, Any], member: str = "stateMachineArn") -> Target:
    """Resolve a machine, version or alias ARN to what an execution runs."""
    arn = arns.parse(body.get(member), member, ("stateMachine",), qualified=True)
    base = {member: arns.machine_arn(arn.region, arn.account, arn.names[0])}
    machine = find_machine(deps, base, member)
    if len(arn.names) == 1:
        return Target(machine)
    qualifier = arn.names[1]
    if qualifier.isdigit():
        return Target(machine, version=_version(deps, machine.arn, int(qualifier), str(arn)))
    alias = catalog(deps).alias(str(arn))
    if alias is None:
        raise ApiError(
            "ResourceNotFound", f"Resource not found: '{arn}'", extra={"resourceName": str(arn)}
        )
    weights = [entry["weight"] for entry in alias.routing]
    chosen = random.choices(alias.routing, weights=weights or None)[0]
    number = int(chosen["stateMachineVersionArn"].rsplit(":", 1)[1])
    return Target(machine, version=_version(deps, machine.arn, number, str(arn)), alias=alias)


def _version(deps: Deps, machine_arn: str, number: int, arn: str) -> VersionRecord:
    version = catalog(deps).version(machine_arn, number)
    if version is None:
        raise ApiError(
            "ResourceNotFound", f"Resource not found: '{arn}'", extra={"resourceName": arn}
        )
    return version


async def publish(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """PublishStateMachineVersion: the current revision, reused if published already."""
    machine = find_machine(deps, body)
    revision = inputs.optional_str(body, "revisionId")
    if revision is not None and revision != machine.revision_id:
        raise ApiError(
            "ConflictException",
            f"Failed to publish the State Machine version for revision {revision}. "
            f"The current State Machine revision is {machine.revision_id}.",
        )
    version = catalog(deps).publish(
        machine, inputs.optional_str(body, "description"), deps.clock.now()
    )
    return {"creationDate": version.created, "stateMachineVersionArn": version.arn}


async def list_versions(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """ListStateMachineVersions, newest first, paged."""
    machine = find_machine(deps, body)
    limit = inputs.page_size(body)
    rows = catalog(deps).versions(machine.arn, inputs.decode_token(body) or 2**62, limit + 1)
    items = [{"stateMachineVersionArn": v.arn, "creationDate": v.created} for _, v in rows[:limit]]
    answer: dict[str, Any] = {"stateMachineVersions": items}
    if len(rows) > limit:
        answer["nextToken"] = inputs.encode_token(rows[limit - 1][0])
    return answer


async def delete_version(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """DeleteStateMachineVersion: refused while an alias routes to it."""
    arn = arns.parse(
        body.get("stateMachineVersionArn"),
        "stateMachineVersionArn",
        ("stateMachine",),
        qualified=True,
    )
    if len(arn.names) != 2 or not arn.names[1].isdigit():
        raise validation(
            "stateMachineVersionArn", str(arn), "Member must be a state machine version ARN"
        )
    machine_arn = arns.machine_arn(arn.region, arn.account, arn.names[0])
    for _, alias in catalog(deps).aliases(machine_arn, 0, 1000):
        if any(entry["stateMachineVersionArn"] == str(arn) for entry in alias.routing):
            raise ApiError(
                "ConflictException", f"Version {arn} is referenced by alias {alias.arn}"
            )
    catalog(deps).delete_version(machine_arn, int(arn.names[1]))
    return {}


def _routing(deps: Deps, body: dict[str, Any]) -> tuple[MachineRecord, list[dict[str, Any]]]:
    routing = body.get("routingConfiguration")
    if not isinstance(routing, list) or not 1 <= len(routing) <= 2:
        raise validation("routingConfiguration", routing, "Member must have one or two entries")
    machines = set()
    entries = []
    for entry in routing:
        if not isinstance(entry, dict) or not isinstance(entry.get("weight"), int):
            raise validation(
                "routingConfiguration", entry, "Entries need stateMachineVersionArn and weight"
            )
        found = target(deps, {"arn": entry.get("stateMachineVersionArn")}, "arn")
        if found.version is None or found.alias is not None:
            raise validation("routingConfiguration", entry, "Entries must name versions")
        machines.add(found.machine.arn)
        entries.append({"stateMachineVersionArn": found.version.arn, "weight": entry["weight"]})
    if len(machines) != 1 or sum(e["weight"] for e in entries) != 100:
        raise validation(
            "routingConfiguration", routing, "Versions of one machine, weights summing to 100"
        )
    machine = find_machine(deps, {"stateMachineArn": machines.pop()})
    return machine, entries


async def create_alias(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """CreateStateMachineAlias: idempotent for an identical request."""
    name = inputs.required_str(body, "name")
    if not _ALIAS_NAME.match(name):
        raise ApiError("InvalidName", f"Invalid Name: '{name}'")
    machine, routing = _routing(deps, body)
    now = deps.clock.now()
    alias = AliasRecord(
        f"{machine.arn}:{name}",
        machine.arn,
        name,
        inputs.optional_str(body, "description"),
        routing,
        now,
        now,
    )
    if not catalog(deps).add_alias(alias):
        existing = catalog(deps).alias(alias.arn)
        assert existing is not None
        if (existing.routing, existing.description) != (alias.routing, alias.description):
            raise ApiError("ConflictException", f"Alias already exists: '{alias.arn}'")
        alias = existing
    return {"stateMachineAliasArn": alias.arn, "creationDate": alias.created}


def _alias(deps: Deps, body: dict[str, Any]) -> AliasRecord:
    arn = arns.parse(
        body.get("stateMachineAliasArn"), "stateMachineAliasArn", ("stateMachine",), qualified=True
    )
    alias = catalog(deps).alias(str(arn)) if len(arn.names) == 2 else None
    if alias is None:
        raise ApiError(
            "ResourceNotFound", f"Resource not found: '{arn}'", extra={"resourceName": str(arn)}
        )
    return alias


async def describe_alias(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """DescribeStateMachineAlias."""
    alias = _alias(deps, body)
    answer = {
        "stateMachineAliasArn": alias.arn,
        "name": alias.name,
        "routingConfiguration": alias.routing,
        "creationDate": alias.created,
        "updateDate": alias.updated,
    }
    return answer | ({"description": alias.description} if alias.description is not None else {})


async def update_alias(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """UpdateStateMachineAlias: new routing or description."""
    alias = _alias(deps, body)
    routing = (
        _routing(deps, body)[1] if body.get("routingConfiguration") is not None else alias.routing
    )
    description = inputs.optional_str(body, "description", alias.description)
    updated = replace(alias, routing=routing, description=description, updated=deps.clock.now())
    catalog(deps).replace_alias(updated)
    return {"updateDate": updated.updated}


async def delete_alias(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """DeleteStateMachineAlias."""
    catalog(deps).delete_alias(_alias(deps, body).arn)
    return {}


async def list_aliases(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """ListStateMachineAliases, in creation order, paged."""
    machine = find_machine(deps, body)
    limit = inputs.page_size(body)
    rows = catalog(deps).aliases(machine.arn, inputs.decode_token(body) or 0, limit + 1)
    items = [{"stateMachineAliasArn": a.arn, "creationDate": a.created} for _, a in rows[:limit]]
    answer: dict[str, Any] = {"stateMachineAliases": items}
    if len(rows) > limit:
        answer["nextToken"] = inputs.encode_token(rows[limit - 1][0])
    return answer


async def describe_machine(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """DescribeStateMachine of a machine or of one of its versions."""
    found = target(deps, body)
    answer = await machines.describe(deps, caller, {"stateMachineArn": found.machine.arn})
    if found.alias is not None:
        raise validation("stateMachineArn", found.alias.arn, "Member must not be an alias ARN")
    if found.version is not None:
        version = found.version
        answer |= {
            "stateMachineArn": version.arn,
            "definition": version.definition,
            "roleArn": version.role_arn,
            "revisionId": version.revision_id,
            "creationDate": version.created,
        }
        if version.description is not None:
            answer["description"] = version.description
    return answer
