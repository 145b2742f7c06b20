"""The graph pass: transitions, reachability, terminal states and unique names.

Each machine (the top level, every Parallel branch and every Map item processor) is its own
scope: its transitions may only name its own states (States Language: Transitions), while state
names must be unique across the whole definition. The service reports, per scope, missing
targets first; then, for the top level only, a machine without a terminal state (which stops
the reachability walk there); then unreachable states.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from edgeworks.states.language import diagnostics as dg
from edgeworks.states.language.checks import FieldChecker, Where


def check_graph(checker: FieldChecker, document: Mapping[str, Any]) -> None:
    """Check every machine scope in the definition and the uniqueness of state names."""
    seen: set[str] = set()
    for machine, where in _machines(document, ()):
        _check_scope(checker, machine, where)
        for name in machine["States"]:
            if name in seen:
                message = f"Duplicate State name: {name}"
                checker.add(dg.DUPLICATE_STATE_NAME, message, (*where, "States", name))
            seen.add(name)


def _machines(
    machine: Mapping[str, Any], where: Where
) -> Iterator[tuple[Mapping[str, Any], Where]]:
    yield machine, where
    for name, state in machine["States"].items():
        at = (*where, "States", name)
        for index, branch in enumerate(state.get("Branches") or []):
            yield from _machines(branch, (*at, "Branches", index))
        for field in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(field), dict):
                yield from _machines(state[field], (*at, field))


def transitions(state: Mapping[str, Any]) -> Iterator[tuple[str, Where]]:
    """Yield each state name ``state`` may go to, with the field that names it."""
    if isinstance(state.get("Next"), str):
        yield state["Next"], ("Next",)
    if isinstance(state.get("Default"), str):
        yield state["Default"], ("Default",)
    for field in ("Choices", "Catch"):
        for index, entry in enumerate(state.get(field) or []):
            if isinstance(entry, dict) and isinstance(entry.get("Next"), str):
                yield entry["Next"], (field, index, "Next")


def _check_scope(checker: FieldChecker, machine: Mapping[str, Any], where: Where) -> None:
    states: Mapping[str, Any] = machine["States"]
    for name, state in states.items():
        for target, field in transitions(state):
            if target not in states:
                at = (*where, "States", name, *field)
                checker.add(dg.MISSING_TRANSITION_TARGET, f"Missing 'Next' target: {target}", at)
    if not where and not any(_terminal(state) for state in states.values()):
        checker.add(dg.MISSING_END_STATE, "Workflow has no terminal state", None)
        return
    reached = _reachable(states, machine["StartAt"])
    for name in states:
        if name not in reached:
            message = f'State "{name}" is not reachable.'
            checker.add(dg.MISSING_TRANSITION_TARGET, message, (*where, "States", name))


def _reachable(states: Mapping[str, Any], start: str) -> set[str]:
    reached: set[str] = set()
    pending = [start]
    while pending:
        name = pending.pop()
        if name in reached or name not in states:
            continue
        reached.add(name)
        pending.extend(target for target, _ in transitions(states[name]))
    return reached


def _terminal(state: Mapping[str, Any]) -> bool:
    return state.get("End") is True or state.get("Type") in ("Succeed", "Fail")
