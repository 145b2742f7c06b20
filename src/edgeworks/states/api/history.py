"""GetExecutionHistory: the append-only history, paged, either order, with or without data."""

from __future__ import annotations

from typing import Any

from edgeworks.states.api import inputs
from edgeworks.states.api.deps import Deps
from edgeworks.states.api.executions import find
from edgeworks.states.api.protocol import Caller

# includeExecutionData=false leaves out the payload members of every event's details.
_DATA_MEMBERS = frozenset({"input", "inputDetails", "output", "outputDetails"})


async def get(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """GetExecutionHistory."""
    execution = find(deps, body)
    limit = inputs.page_size(body)
    reverse = inputs.flag(body, "reverseOrder")
    include = body.get("includeExecutionData", True)
    after = inputs.decode_token(body)

    # One more than a page tells whether another page follows.
    found = deps.store.events_page(execution.arn, after, limit + 1, reverse=reverse)
    page = found[:limit]
    wire = [event.as_wire() if include else _without_data(event.as_wire()) for event in page]
    answer: dict[str, Any] = {"events": wire}
    if len(found) > limit:
        answer["nextToken"] = inputs.encode_token(page[-1].id)
    return answer


def _without_data(event: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {k: v for k, v in value.items() if k not in _DATA_MEMBERS}
        if key.endswith("EventDetails")
        else value
        for key, value in event.items()
    }
