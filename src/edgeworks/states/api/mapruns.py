"""Map run operations: DescribeMapRun, ListMapRuns, UpdateMapRun."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from edgeworks.states.api import arns, inputs
from edgeworks.states.api.deps import Deps
from edgeworks.states.api.executions import find as find_execution
from edgeworks.states.api.protocol import Caller
from edgeworks.states.errors import ApiError, validation
from edgeworks.states.store import MapRunRecord, MapRuns


def _find(deps: Deps, body: dict[str, Any]) -> MapRunRecord:
    arn = str(arns.parse(body.get("mapRunArn"), "mapRunArn", ("mapRun",)))
    found = MapRuns(deps.store).get(arn)
    if found is None:
        raise ApiError(
            "ResourceNotFound", f"Resource not found: '{arn}'", extra={"resourceName": arn}
        )
    return found


async def describe(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """DescribeMapRun: limits, status, and the child executions counted by status."""
    run = _find(deps, body)
    counts = MapRuns(deps.store).counts(run.arn)
    answer: dict[str, Any] = {
        "mapRunArn": run.arn,
        "executionArn": run.execution_arn,
        "status": run.status,
        "startDate": run.started,
        "maxConcurrency": run.max_concurrency,
        "toleratedFailurePercentage": run.tolerated_percentage,
        "toleratedFailureCount": run.tolerated_count,
        # Without ItemBatcher each item is one child execution; with it the items are not
        # counted apart from their batches.
        "itemCounts": counts,
        "executionCounts": counts,
    }
    if run.stopped is not None:
        answer["stopDate"] = run.stopped
    return answer


async def list_all(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """ListMapRuns of an execution, in start order, paged."""
    execution = find_execution(deps, body)
    limit = inputs.page_size(body)
    rows = MapRuns(deps.store).of_execution(
        execution.arn, inputs.decode_token(body) or 0, limit + 1
    )
    items = [_item(run) for _, run in rows[:limit]]
    answer: dict[str, Any] = {"mapRuns": items}
    if len(rows) > limit:
        answer["nextToken"] = inputs.encode_token(rows[limit - 1][0])
    return answer


def _item(run: MapRunRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        "executionArn": run.execution_arn,
        "mapRunArn": run.arn,
        "stateMachineArn": run.machine_arn,
        "startDate": run.started,
    }
    if run.stopped is not None:
        item["stopDate"] = run.stopped
    return item


async def update(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """UpdateMapRun: new limits are recorded; a map run already going keeps its own."""
    run = _find(deps, body)
    members = ("maxConcurrency", "toleratedFailurePercentage", "toleratedFailureCount")
    if all(body.get(member) is None for member in members):
        raise validation("mapRunArn", run.arn, "Provide at least one limit to update")
    changed = replace(
        run,
        max_concurrency=_number(body, "maxConcurrency", run.max_concurrency, 2**31),
        tolerated_percentage=float(
            _number(body, "toleratedFailurePercentage", run.tolerated_percentage, 100)
        ),
        tolerated_count=int(_number(body, "toleratedFailureCount", run.tolerated_count, 2**62)),
    )
    MapRuns(deps.store).update(
        run.arn,
        int(changed.max_concurrency),
        changed.tolerated_percentage,
        changed.tolerated_count,
    )
    return {}


def _number(body: dict[str, Any], member: str, current: float, most: float) -> Any:
    value = body.get(member)
    if value is None:
        return current
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= most:
        raise validation(member, value, f"Member must be a number from 0 to {most}")
    return value
