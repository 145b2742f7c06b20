"""The one boundary between the runtime and the pure language core.

Every call into :mod:`edgeworks.states.language` that the runners make goes through here, so
the runners read as steps (input, work, output) and the core's signatures show in one place.
Functions named ``*_output`` also store the state's Assign into the path's variables.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from edgeworks.states.language import (
    ABSENT,
    Scope,
    State,
    StateMachine,
    catch,
    choice,
    dataflow,
    fail,
    jsonata_eval,
    limits,
    map_state,
    parse_definition,
    paths,
    wait,
)
from edgeworks.states.language.errors import RUNTIME, StatesFailure

# The guide: a task without TimeoutSeconds may run as long as its execution.
DEFAULT_TIMEOUT = 99999999


@functools.lru_cache(maxsize=256)
def parse(definition: str) -> StateMachine:
    """Return the machine of a stored definition (validated when it was stored).

    Machines are immutable, so executions of the same definition share one.
    """
    return parse_definition(definition)


def machine_timeout(machine: StateMachine) -> int | None:
    """Return the machine's TimeoutSeconds, or None when it has none."""
    return machine.timeout_seconds


def _store(variables: dict[str, Any], new: dict[str, Any]) -> None:
    variables.clear()
    variables.update(new)


def _finish(state: State, data: Any, result: Any, scope: Scope, variables: dict[str, Any]) -> Any:
    output, new = dataflow.finish_output(state, data, result, scope)
    limits.check_payload(output)
    _store(variables, new)
    return output


def pass_output(state: State, data: Any, scope: Scope, variables: dict[str, Any]) -> Any:
    """States Language: Pass State: Result (or the effective input) through ResultPath."""
    effective = dataflow.prepare_input(state, data, scope)
    return _finish(state, data, dataflow.pass_result(state, effective), scope, variables)


def plain_output(state: State, data: Any, scope: Scope, variables: dict[str, Any]) -> Any:
    """The output of Succeed and Wait: the effective input through OutputPath (or Output)."""
    effective = data if state.is_jsonata else dataflow.apply_input_path(state, data, scope)
    return _finish(state, data, effective, scope, variables)


def choose(
    state: Any, data: Any, scope: Scope, variables: dict[str, Any]
) -> tuple[str, Any, tuple[str, ...]]:
    """Return the next state's name, the Choice state's output and the variables it assigned
    (a matched rule's Assign, or the state's for the Default)."""
    effective = data if state.is_jsonata else dataflow.apply_input_path(state, data, scope)
    branch = choice.evaluate(state, effective, scope)
    next_name, output, new = choice.finish(state, branch, data, effective, scope)
    limits.check_payload(output)
    _store(variables, new)
    template = branch.assign if branch is not None else state.assign
    return next_name, output, tuple(template or ())


def wait_until(state: Any, data: Any, scope: Scope, now: float) -> float:
    """Return the epoch time a Wait state ends (States Language: Wait State)."""
    effective = data if state.is_jsonata else dataflow.apply_input_path(state, data, scope)
    moment = wait.until(state, effective, datetime.fromtimestamp(now, UTC), scope)
    return moment.timestamp()


def fail_with(state: Any, data: Any, scope: Scope) -> tuple[str | None, str | None]:
    """Return the Error and Cause of a Fail state."""
    return fail.resolve(state, data, scope)


def task_input(state: State, data: Any, scope: Scope, variables: dict[str, Any]) -> Any:
    """Return a Task's effective parameters (InputPath and Parameters, or Arguments)."""
    effective = dataflow.prepare_input(state, data, scope)
    limits.check_payload(effective, "task input")
    return effective


def task_output(
    state: Any, data: Any, result: Any, scope: Scope, variables: dict[str, Any]
) -> Any:
    """Return the output of a Task, Parallel or Map from its result."""
    if state.type == "Task":
        limits.check_task_result(result, state.resource)
    return _finish(state, data, result, scope, variables)


def branch_input(state: State, data: Any, scope: Scope, variables: dict[str, Any]) -> Any:
    """Return the effective input of a Parallel or Map state."""
    if state.type == "Map" and not state.is_jsonata:
        # States Language: Map State: ItemsPath selects from the effective input, and
        # Parameters is the legacy ItemSelector, applied per item, not to the whole input.
        return dataflow.apply_input_path(state, data, scope)
    return dataflow.prepare_input(state, data, scope)


def map_items(state: Any, data: Any, effective: Any, scope: Scope) -> list[Any]:
    """Return the items a Map state iterates over."""
    return map_state.items_of(state, effective if not state.is_jsonata else data, scope)


def item_input(state: Any, effective: Any, item: Any, index: int, scope: Scope) -> Any:
    """Return one iteration's input, with ``$$.Map.Item`` set for ItemSelector."""
    context = dict(scope.context)
    context["Map"] = {"Item": {"Index": index, "Value": item}}
    item_scope = Scope(context=context, variables=scope.variables, random=scope.random)
    return map_state.item_input(state, effective, item, item_scope)


def max_concurrency(state: Any, effective: Any, scope: Scope) -> int:
    """Return MaxConcurrency (0: no limit), resolving its path or expression."""
    value = _resolved(state, "max_concurrency", "MaxConcurrency", effective, scope)
    return value if value is not None else 0


def task_limits(state: Any, data: Any, scope: Scope) -> tuple[int | None, int | None]:
    """Return a Task's TimeoutSeconds and HeartbeatSeconds, None when not set."""
    effective = data if state.is_jsonata else dataflow.apply_input_path(state, data, scope)
    timeout = _resolved(state, "timeout_seconds", "TimeoutSeconds", effective, scope)
    heartbeat = _resolved(state, "heartbeat_seconds", "HeartbeatSeconds", effective, scope)
    return timeout, heartbeat


def resolved_number(
    state: Any, attribute: str, field: str, data: Any, scope: Scope
) -> float | None:
    """Return a numeric field that may be given directly, by ``*Path`` or as JSONata."""
    value = getattr(state, attribute, ABSENT)
    path = getattr(state, f"{attribute}_path", None)
    if path is not None:
        try:
            value = paths.select(path, data, scope)
        except paths.NoMatchError as exc:
            raise StatesFailure(RUNTIME, str(exc), needs_location=True) from None
    elif isinstance(value, str):
        states = {"input": data, "context": dict(scope.context)}
        value = jsonata_eval.evaluate_value(value, states, scope, field)
    if value is ABSENT or value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        cause = f"The {field} of state '{state.name}' must be a positive number, got {value!r}"
        raise StatesFailure(RUNTIME, cause, needs_location=True)
    return float(value)


def _resolved(state: Any, attribute: str, field: str, data: Any, scope: Scope) -> int | None:
    value = resolved_number(state, attribute, field, data, scope)
    return None if value is None else int(value)


def catch_output(
    state: State, catcher: catch.Catcher, data: Any, failure: StatesFailure, scope: Scope
) -> tuple[Any, dict[str, Any]]:
    """Return the output and variables a catcher hands to its Next state."""
    return catch.handle(state, catcher, data, failure, scope)
