"""The Map state: runs its item processor once per item of an array.

Inline mode runs iterations inside the execution; distributed mode runs each iteration (or
batch) as a child execution. The runtime drives both; this module holds the fields and the
per-item input (States Language: Map State).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from edgeworks.states.language import errors, jsonata_eval, paths, payload
from edgeworks.states.language.base import ABSENT, Scope, State

if TYPE_CHECKING:
    from edgeworks.states.language.machine import StateMachine

INLINE = "INLINE"
DISTRIBUTED = "DISTRIBUTED"


@dataclass(frozen=True)
class MapState(State):
    """States Language: Map State.

    ``item_selector`` holds ItemSelector or the legacy Parameters; ``processor`` holds
    ItemProcessor or the legacy Iterator. ``items`` is the JSONata Items field; ``items_path``
    the JSONPath ItemsPath (``"$"`` when absent).
    """

    processor: StateMachine | None = None
    mode: str = INLINE
    execution_type: str | None = None
    items_path: str = "$"
    items: Any = ABSENT
    item_selector: Any = ABSENT
    max_concurrency: Any = 0
    max_concurrency_path: str | None = None
    label: str | None = None
    item_reader: Mapping[str, Any] | None = None
    item_batcher: Mapping[str, Any] | None = None
    result_writer: Mapping[str, Any] | None = None
    tolerated_failure_count: Any = ABSENT
    tolerated_failure_count_path: str | None = None
    tolerated_failure_percentage: Any = ABSENT
    tolerated_failure_percentage_path: str | None = None

    @property
    def distributed(self) -> bool:
        """Whether iterations run as child executions."""
        return self.mode == DISTRIBUTED


def items_of(state: MapState, effective_input: Any, scope: Scope) -> list[Any]:
    """Return the items to iterate over: ItemsPath on the effective input (JSONPath) or the
    Items expression over ``$states.input`` (JSONata; ``effective_input`` is the raw input).

    An array gives its elements; a JSON object gives one ``{"key": ..., "value": ...}`` item
    per member, in order (the guide: ItemsPath, "an iteration for each key-value pair").

    Raises:
        StatesFailure: States.Runtime when the path selects nothing or neither an array nor
            an object; States.QueryEvaluationError when the expression fails or gives neither.
    """
    if state.is_jsonata:
        if state.items is ABSENT:
            items = effective_input
        else:
            states = {"input": effective_input, "context": dict(scope.context)}
            items = jsonata_eval.evaluate_template(state.items, states, scope, "Items")
        error = errors.QUERY_EVALUATION_ERROR
    else:
        try:
            items = paths.select(state.items_path, effective_input, scope)
        except paths.NoMatchError as exc:
            raise errors.StatesFailure(errors.RUNTIME, str(exc), needs_location=True) from None
        error = errors.RUNTIME
    if isinstance(items, dict):
        return [{"key": key, "value": value} for key, value in items.items()]
    if not isinstance(items, list):
        field = "Items" if state.is_jsonata else "ItemsPath"
        cause = f"The {field} field of state '{state.name}' must select a JSON array or object"
        raise errors.StatesFailure(error, cause, needs_location=True)
    return items


def item_input(state: MapState, effective_input: Any, item: Any, scope: Scope) -> Any:
    """Return the input of one iteration: the item, or ItemSelector evaluated for it.

    ``scope.context`` must already hold ``Map.Item.Index`` and ``Map.Item.Value`` for this
    item (the ItemSelector reaches them through ``$$.Map.Item``).
    """
    if state.item_selector is ABSENT:
        return item
    if state.is_jsonata:
        states = {"input": effective_input, "context": dict(scope.context)}
        return jsonata_eval.evaluate_template(state.item_selector, states, scope, "ItemSelector")
    return payload.render(state.item_selector, effective_input, scope)
