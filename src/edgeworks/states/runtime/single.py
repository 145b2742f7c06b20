"""One state run on its own, as TestState does: no history, no waiting, optional mocks.

The state's data flow runs step by step so that each stage can be shown (the inspection data
of TestState at the DEBUG level). A failure is answered the way the state would treat it: a
matching retrier makes it RETRIABLE, a matching catcher CAUGHT_ERROR with the catcher's
output and Next, anything else FAILED. Wait states do not wait. Map and Parallel states run
only with a mocked result.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from edgeworks.states.errors import FunctionError
from edgeworks.states.language import ABSENT, Scope, catch, dataflow, payload, retry
from edgeworks.states.language.errors import StatesFailure
from edgeworks.states.runtime import core, resources
from edgeworks.states.runtime.context import Run


@dataclass
class Mock:
    """A mocked task result, or a mocked failure."""

    result: Any = ABSENT
    error: str | None = None
    cause: str | None = None

    @property
    def given(self) -> bool:
        """Whether a mock was given at all."""
        return self.result is not ABSENT or self.error is not None


@dataclass
class Trial:
    """How one state run went."""

    status: str
    output: Any = ABSENT
    next_state: str | None = None
    error: str | None = None
    cause: str | None = None
    stages: dict[str, Any] = field(default_factory=dict)
    error_details: dict[str, Any] = field(default_factory=dict)


async def run_one(
    state: Any, data: Any, scope: Scope, run: Run, *, mock: Mock, retries: int
) -> Trial:
    """Run ``state`` once on ``data`` and say how it went.

    Args:
        state: The state to run.
        data: Its raw input.
        scope: The context object and variables it sees.
        run: The services a task uses (functions, clock).
        mock: A result or failure standing in for the task's work.
        retries: Retries already made, for deciding whether a failure is retriable.
    """
    single = _Single(state, data, scope, run, mock)
    try:
        output, next_state = await single.attempt()
    except StatesFailure as failure:
        trial = _failed(state, data, scope, failure, retries)
    else:
        trial = Trial("SUCCEEDED", output, next_state)
    trial.stages = single.stages | {"variables": single.variables}
    return trial


class _Single:
    """One state's run, collecting the stages of its data flow."""

    def __init__(self, state: Any, data: Any, scope: Scope, run: Run, mock: Mock) -> None:
        self.state, self.data, self.scope, self.run, self.mock = state, data, scope, run, mock
        self.stages: dict[str, Any] = {"input": data}
        self.variables = dict(scope.variables)

    async def attempt(self) -> tuple[Any, str | None]:
        state, data, scope, variables = self.state, self.data, self.scope, self.variables
        if state.type == "Fail":
            error, cause = core.fail_with(state, data, scope)
            raise StatesFailure(error or "", cause)
        if state.type == "Choice":
            next_name, output, _ = core.choose(state, data, scope, variables)
            return output, next_name
        if state.type == "Wait":
            core.wait_until(state, data, scope, self.run.clock.now())
        if state.type in ("Succeed", "Wait"):
            return core.plain_output(state, data, scope, variables), state.next
        if state.type == "Pass":
            return core.pass_output(state, data, scope, variables), state.next
        return await self.working(), state.next

    async def working(self) -> Any:
        # Task, Map and Parallel: the stages of the data flow around the work itself.
        state, data, scope = self.state, self.data, self.scope
        if state.is_jsonata:
            effective = dataflow.prepare_input(state, data, scope)
            self.stages["afterArguments"] = effective
        else:
            self.stages["afterInputPath"] = dataflow.apply_input_path(state, data, scope)
            effective = dataflow.prepare_input(state, data, scope)
            self.stages["afterParameters"] = effective
        result = await self.work(effective)
        self.stages["result"] = result
        if not state.is_jsonata:
            selected = result
            if state.result_selector is not ABSENT:
                selected = payload.render(state.result_selector, result, scope)
            self.stages["afterResultSelector"] = selected
            self.stages["afterResultPath"] = dataflow.apply_result_path(state, data, selected)
        return core.task_output(state, data, result, scope, self.variables)

    async def work(self, effective: Any) -> Any:
        state, mock = self.state, self.mock
        if mock.error is not None:
            raise StatesFailure(mock.error, mock.cause)
        if mock.result is not ABSENT:
            return mock.result
        if state.type != "Task":
            cause = f"State '{state.name}': a {state.type} state runs here only with a mock result"
            raise StatesFailure("States.Runtime", cause)
        call = resources.resolve(state.resource, effective, self.run)
        timeout, _ = core.task_limits(state, self.data, self.scope)
        try:
            limit = float(timeout or core.DEFAULT_TIMEOUT)
            return await resources.invoke(call, self.run, limit)
        except FunctionError as exc:
            raise StatesFailure(exc.error, exc.cause) from None


def _failed(state: Any, data: Any, scope: Scope, failure: StatesFailure, retries: int) -> Trial:
    trial = Trial("FAILED", error=failure.error, cause=failure.cause)
    decision = retry.decide(
        state.retry, failure.error, [retries] * len(state.retry), random.Random(0)
    )
    if decision is not None:
        trial.status = "RETRIABLE"
        trial.error_details = {
            "retryIndex": decision.index,
            "retryBackoffIntervalSeconds": int(decision.delay_seconds),
        }
        return trial
    catcher = catch.match(state.catch, failure.error)
    if catcher is not None:
        trial.output, _ = catch.handle(state, catcher, data, failure, scope)
        trial.status, trial.next_state = "CAUGHT_ERROR", catcher.next
        trial.error_details = {"catchIndex": list(state.catch).index(catcher)}
    return trial
