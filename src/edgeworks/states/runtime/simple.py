"""Runners of the states that do no outside work: Pass, Succeed, Fail, Choice and Wait."""

from __future__ import annotations

from typing import Any

from edgeworks.states.language.base import Scope
from edgeworks.states.language.errors import StatesFailure
from edgeworks.states.runtime import core
from edgeworks.states.runtime.context import Path
from edgeworks.states.runtime.interpreter import Outcome, runner


@runner("Pass")
async def run_pass(step: Path, state: Any, data: Any, scope: Scope) -> Outcome:
    """States Language: Pass State: Result, or the effective input, goes through ResultPath."""
    output = core.pass_output(state, data, scope, step.variables)
    return Outcome(output, state.next)


@runner("Succeed")
async def run_succeed(step: Path, state: Any, data: Any, scope: Scope) -> Outcome:
    """States Language: Succeed State: ends the path with the processed input."""
    return Outcome(core.plain_output(state, data, scope, step.variables), None)


@runner("Fail")
async def run_fail(step: Path, state: Any, data: Any, scope: Scope) -> Outcome:
    """States Language: Fail State: ends the path with its Error and Cause."""
    error, cause = core.fail_with(state, data, scope)
    raise StatesFailure(error or "", cause)


@runner("Choice")
async def run_choice(step: Path, state: Any, data: Any, scope: Scope) -> Outcome:
    """States Language: Choice State: the first matching rule names the next state."""
    next_name, output, assigned = core.choose(state, data, scope, step.variables)
    return Outcome(output, next_name, assigned)


@runner("Wait")
async def run_wait(step: Path, state: Any, data: Any, scope: Scope) -> Outcome:
    """States Language: Wait State, as a durable timer: a restart keeps the due time."""
    clock = step.run.clock
    due = step.timer(":wait", core.wait_until(state, data, scope, clock.now()))
    await clock.sleep_until(due)
    return Outcome(core.plain_output(state, data, scope, step.variables), state.next)
