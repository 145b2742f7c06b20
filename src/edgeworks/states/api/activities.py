"""Activity operations: Create, Describe, Delete, List, and GetActivityTask for workers."""

from __future__ import annotations

from typing import Any

from edgeworks.states.api import arns, inputs
from edgeworks.states.api.deps import Deps
from edgeworks.states.api.protocol import Caller
from edgeworks.states.api.tags import tag_map
from edgeworks.states.errors import ApiError


def _find(deps: Deps, body: dict[str, Any]) -> tuple[str, str, float]:
    arn = str(arns.parse(body.get("activityArn"), "activityArn", ("activity",)))
    found = deps.store.activity(arn)
    if found is None:
        raise ApiError("ActivityDoesNotExist", f"Activity Does Not Exist: '{arn}'")
    return arn, found[0], found[1]


async def create(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """CreateActivity: idempotent for a name that exists."""
    name = arns.check_name(inputs.required_str(body, "name"))
    tags = tag_map(body.get("tags", []))
    arn = str(arns.Arn(caller.region, caller.account, "activity", (name,)))
    created = deps.store.add_activity(arn, name, deps.clock.now())
    deps.store.tag(arn, tags)
    return {"activityArn": arn, "creationDate": created}


async def describe(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """DescribeActivity."""
    arn, name, created = _find(deps, body)
    return {"activityArn": arn, "name": name, "creationDate": created}


async def delete(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """DeleteActivity: tasks already scheduled on it wait until their time limit."""
    arn = str(arns.parse(body.get("activityArn"), "activityArn", ("activity",)))
    deps.store.delete_activity(arn)
    return {}


async def list_all(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """ListActivities, in creation order, paged."""
    limit = inputs.page_size(body)
    rows = deps.store.activities(inputs.decode_token(body) or 0, limit + 1)
    items = [{"activityArn": a, "name": n, "creationDate": c} for _, a, n, c in rows[:limit]]
    answer: dict[str, Any] = {"activities": items}
    if len(rows) > limit:
        answer["nextToken"] = inputs.encode_token(rows[limit - 1][0])
    return answer


async def get_task(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """GetActivityTask: the oldest task for the activity, waiting for one a while."""
    arn, _, _ = _find(deps, body)
    worker = inputs.optional_str(body, "workerName", "") or ""
    offer = await deps.engine.activities.poll(arn, worker, deps.poll_seconds)
    if offer is None:
        return {}
    return {"taskToken": offer.token, "input": offer.input}
