"""ItemBatcher: items grouped into the inputs of distributed Map child executions.

A batch is ``{"Items": [...]}`` with ``"BatchInput"`` added when the state has one (States
Language: Map State, ItemBatcher). A batch closes when it holds MaxItemsPerBatch items or the
next item would take its JSON past MaxInputBytesPerBatch; an item larger than that limit on
its own still gets a batch of one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edgeworks.states.language import jsonata_eval, limits, paths, payload
from edgeworks.states.language.base import Scope
from edgeworks.states.language.errors import RUNTIME, StatesFailure


def batches(state: Any, items: list[Any], effective: Any, scope: Scope) -> list[Any]:
    """Return the child inputs: the items themselves, or their batches."""
    batcher: Mapping[str, Any] | None = state.item_batcher
    if not batcher:
        return items
    most = _number(state, batcher, "MaxItemsPerBatch", effective, scope)
    size = _number(state, batcher, "MaxInputBytesPerBatch", effective, scope)
    extra = _batch_input(state, batcher, effective, scope)

    groups: list[list[Any]] = []
    for item in items:
        current = groups[-1] if groups else None
        if current is None or _full(current, item, most, size):
            groups.append([item])
        else:
            current.append(item)
    return [{"Items": group, **extra} for group in groups]


def _full(group: list[Any], item: Any, most: int | None, size: int | None) -> bool:
    if most is not None and len(group) >= most:
        return True
    return size is not None and limits.payload_size({"Items": [*group, item]}) > size


def _number(
    state: Any, batcher: Mapping[str, Any], field: str, data: Any, scope: Scope
) -> int | None:
    value = batcher.get(field)
    path = batcher.get(f"{field}Path")
    if path is not None:
        try:
            value = paths.select(path, data, scope)
        except paths.NoMatchError as exc:
            raise StatesFailure(RUNTIME, str(exc), needs_location=True) from None
    elif isinstance(value, str):
        states = {"input": data, "context": dict(scope.context)}
        value = jsonata_eval.evaluate_value(value, states, scope, field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        cause = f"The {field} of state '{state.name}' must be a positive integer, got {value!r}"
        raise StatesFailure(RUNTIME, cause, needs_location=True)
    return value


def _batch_input(
    state: Any, batcher: Mapping[str, Any], data: Any, scope: Scope
) -> dict[str, Any]:
    template = batcher.get("BatchInput")
    if template is None:
        return {}
    if state.is_jsonata:
        states = {"input": data, "context": dict(scope.context)}
        return {
            "BatchInput": jsonata_eval.evaluate_template(template, states, scope, "BatchInput")
        }
    return {"BatchInput": payload.render(template, data, scope)}
