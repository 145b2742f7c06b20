"""Runs the states of one path, one after another, writing their history.

Each state visit writes ``<Type>StateEntered``, lets the state's runner do its work, and writes
``<Type>StateExited`` with the output (a Fail state writes no exit: the failure ends the path).
A failure the state does not retry goes to its catchers (States Language: Catch); one that no
catcher takes leaves the path as :class:`StatesFailure` for the caller to record.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from edgeworks.states.language import catch
from edgeworks.states.language.base import Scope, State
from edgeworks.states.language.errors import QUERY_EVALUATION_ERROR, StatesFailure
from edgeworks.states.runtime import core
from edgeworks.states.runtime.context import Path, data_details, dumps, iso
from edgeworks.states.store import EventRecord


@dataclass(frozen=True)
class Outcome:
    """What a state hands on: its output, the next state's name (None: the path ends), and
    the names of the variables it assigned (None: those of the state's own Assign)."""

    output: Any
    next: str | None
    assigned: tuple[str, ...] | None = None


Runner = Callable[[Path, Any, Any, Scope], Awaitable[Outcome]]

# The cancel message of a path stopped for good (StopExecution, a failed sibling branch), as
# opposed to a service shutdown, after which the path resumes. Only the former is recorded.
ABORT = "edgeworks.states: aborted"
# HistoryEventType has an Aborted event for these state types only.
_ABORTABLE = frozenset({"Task", "Wait", "Map", "Parallel"})


def aborting(exc: asyncio.CancelledError) -> bool:
    """Whether a cancellation stops its path for good."""
    return ABORT in exc.args


RUNNERS: dict[str, Runner] = {}


def runner(state_type: str) -> Callable[[Runner], Runner]:
    """Register the runner of a state type."""

    def register(function: Runner) -> Runner:
        RUNNERS[state_type] = function
        return function

    return register


async def run_states(
    path: Path, machine: Any, data: Any, extra: dict[str, Any] | None = None
) -> Any:
    """Run a machine (or branch, or item processor) from StartAt to its end.

    Args:
        path: The path the states run on; its variables are read and written.
        machine: The parsed machine whose states run.
        data: The input of the first state.
        extra: Members to add to the context object (``Map`` for an iteration).

    Returns:
        The output of the last state.

    Raises:
        StatesFailure: A state failed and no catcher took the error.
    """
    name: str | None = machine.start_at
    while name is not None:
        state = machine.states[name]
        step = path.step(name)
        outcome = await run_state(step, state, data, extra)
        path.last_id = step.last_id
        data, name = outcome.output, outcome.next
    return data


async def run_state(step: Path, state: State, data: Any, extra: dict[str, Any] | None) -> Outcome:
    """Run one state visit, from its Entered event to its Exited event."""
    entered = step.emit(
        ":entered",
        f"{state.type}StateEntered",
        {"stateEnteredEventDetails": {"name": state.name, **data_details("input", data)}},
    )
    scope = _scope(step, state, entered, extra)

    try:
        outcome = await RUNNERS[state.type](step, state, data, scope)
    except asyncio.CancelledError as exc:
        if aborting(exc) and state.type in _ABORTABLE:
            step.emit(":aborted", f"{state.type}StateAborted")
        raise
    except StatesFailure as failure:
        located = failure.located(state.name, entered.id)
        _evaluation_failed(step, state, located)
        outcome = _caught(step, state, data, located, scope)

    step.emit(
        ":exited",
        f"{state.type}StateExited",
        {
            "stateExitedEventDetails": {
                "name": state.name,
                **data_details("output", outcome.output),
                **_assigned(step, state, outcome),
            }
        },
    )
    return outcome


def _caught(step: Path, state: State, data: Any, failure: StatesFailure, scope: Scope) -> Outcome:
    catcher = catch.match(state.catch, failure.error)
    if catcher is None:
        raise failure
    output, variables = core.catch_output(state, catcher, data, failure, scope)
    step.variables.clear()
    step.variables.update(variables)
    return Outcome(output, catcher.next, tuple(catcher.assign or ()))


def _evaluation_failed(step: Path, state: State, failure: StatesFailure) -> None:
    # HistoryEvent EvaluationFailed: a JSONata state whose own expression failed. A failure
    # passed up from a nested state was recorded there already.
    if not state.is_jsonata or failure.error != QUERY_EVALUATION_ERROR:
        return
    if getattr(failure, "evaluation_recorded", False):
        return
    details: dict[str, Any] = {"error": failure.error, "state": state.name}
    if failure.cause is not None:
        details["cause"] = failure.cause
    step.emit(":evaluation-failed", "EvaluationFailed", {"evaluationFailedEventDetails": details})
    failure.evaluation_recorded = True  # type: ignore[attr-defined]


def _assigned(step: Path, state: State, outcome: Outcome) -> dict[str, Any]:
    # HistoryEvent StateExitedEventDetails: the variables the state assigned, as JSON text.
    names = outcome.assigned if outcome.assigned is not None else tuple(state.assign or ())
    if not names:
        return {}
    values = {name: dumps(step.variables.get(name)) for name in names}
    return {"assignedVariables": values, "assignedVariablesDetails": {"truncated": False}}


def _scope(step: Path, state: State, entered: EventRecord, extra: dict[str, Any] | None) -> Scope:
    # A visit replayed from an earlier generation sees the redrive count it first ran with,
    # so that it decides as it did then.
    context = step.run.context(step.run.journal.generation_of(entered))
    context["State"] = {
        "EnteredTime": iso(entered.timestamp),
        "Name": state.name,
        "RetryCount": 0,
    }
    context.update(extra or {})
    return Scope(context=context, variables=step.variables, random=random.Random(step.seed()))
