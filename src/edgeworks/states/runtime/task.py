"""The Task state runner: invoke, time limits, Retry, and the replay of recorded results.

An attempt writes Scheduled and Started, then exactly one outcome event (Succeeded, Failed
or TimedOut) under the key ``#<attempt>:result``. On replay an attempt whose outcome is in the
history takes it from there and does not call the function again. An attempt that was started
but has no outcome is run again: a function is called at least once, and at most once per
recorded result.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from edgeworks.states.errors import FunctionError
from edgeworks.states.language import retry
from edgeworks.states.language.base import Scope
from edgeworks.states.language.errors import (
    HEARTBEAT_TIMEOUT,
    TASK_FAILED,
    TIMEOUT,
    StatesFailure,
)
from edgeworks.states.runtime import core, nested, resources
from edgeworks.states.runtime.activities import run_activity
from edgeworks.states.runtime.callbacks import make_token
from edgeworks.states.runtime.context import Path
from edgeworks.states.runtime.interpreter import Outcome, aborting, runner
from edgeworks.states.runtime.waiting import (
    TIMED_OUT_CAUSE,
    DeadlineError,
    answer_of,
    finish_callback,
    within,
)
from edgeworks.states.store import EventRecord


@runner("Task")
async def run_task(step: Path, state: Any, data: Any, scope: Scope) -> Outcome:
    """States Language: Task State, with its Retry list applied to each failed attempt."""
    attempts = [0] * len(state.retry)
    attempt = 0
    while True:
        try:
            return await _attempt(step, state, data, scope, attempt)
        except StatesFailure as failure:
            decision = retry.decide(state.retry, failure.error, attempts, scope.random)
            if decision is None:
                raise
            attempts[decision.index] += 1
            await backoff(step, f"#{attempt}", decision.delay_seconds)
            attempt += 1
            scope.context["State"]["RetryCount"] = attempt


async def backoff(step: Path, key: str, seconds: float) -> None:
    """Sleep a retry interval on a durable timer (States Language: Retry, IntervalSeconds)."""
    clock = step.run.clock
    due = step.timer(f"{key}:backoff", clock.now() + seconds)
    await clock.sleep_until(due)


async def _attempt(step: Path, state: Any, data: Any, scope: Scope, attempt: int) -> Outcome:
    if state.resource.endswith(resources.CALLBACK_SUFFIX):
        token = make_token(step.run.arn, step.callback_key(f"#{attempt}"))
        scope.context["Task"] = {"Token": token}  # type: ignore[index]
    effective = core.task_input(state, data, scope, step.variables)
    call = resources.resolve(state.resource, effective, step.run)
    timeout, heartbeat = core.task_limits(state, data, scope)
    result = await _call(step, f"#{attempt}", call, effective, (timeout, heartbeat))
    output = core.task_output(state, data, result, scope, step.variables)
    return Outcome(output, state.next)


async def _call(
    step: Path,
    key: str,
    call: resources.Call,
    parameters: Any,
    limits: tuple[int | None, int | None],
) -> Any:
    recorded = step.find(f"{key}:result")
    if recorded is not None:
        step.last_id = recorded.id
        return _replayed(recorded)

    step.emit(
        f"{key}:scheduled",
        f"{call.prefix}Scheduled",
        call.scheduled(parameters, *limits),
    )
    if not call.activity:
        step.emit(f"{key}:started", f"{call.prefix}Started", call.started())
    if call.activity:
        return await run_activity(step, key, call, limits)
    if call.waits_for_callback:
        return await _call_back(step, key, call, limits)
    if call.nested and ".sync" in call.resource:
        return await _run_sync(step, key, call, limits)
    # Without a heartbeat from a request-response task, HeartbeatSeconds is a second limit.
    limit, error = _limit(*limits)
    due = step.timer(f"{key}:deadline", step.run.clock.now() + limit)
    value = await _invoke(step, key, call, due, error)
    step.emit(f"{key}:result", f"{call.prefix}Succeeded", call.succeeded(value))
    return value


async def _call_back(
    step: Path, key: str, call: resources.Call, limits: tuple[int | None, int | None]
) -> Any:
    run, token_key = step.run, step.callback_key(key)
    timeout, heartbeat = limits
    due = step.timer(f"{key}:deadline", run.clock.now() + (timeout or core.DEFAULT_TIMEOUT))
    future = run.callbacks.open(run.arn, token_key, run.durable)
    try:
        # An answer kept before a restart lost the Submitted record needs no second call.
        if step.find(f"{key}:submitted") is None and not future.done():
            response = await _invoke(step, key, call, due, TIMEOUT)
            step.emit(f"{key}:submitted", "TaskSubmitted", call.submitted(response))
        outcome = await answer_of(step, key, call, future, due=due, heartbeat=heartbeat)
    finally:
        run.callbacks.close(run.arn, token_key)
    return finish_callback(step, key, call, outcome)


async def _invoke(step: Path, key: str, call: resources.Call, due: float, error: str) -> Any:
    """Run the function until ``due``; a failure or timeout is recorded as the outcome."""
    clock = step.run.clock
    try:
        work = resources.invoke(call, step.run, due - clock.now(), step.callback_key(key))
        return await within(work, clock, due)
    except DeadlineError:
        step.emit(f"{key}:result", f"{call.prefix}TimedOut", call.failed("TimedOut", error, None))
        raise StatesFailure(error, TIMED_OUT_CAUSE) from None
    except FunctionError as exc:
        step.emit(
            f"{key}:result", f"{call.prefix}Failed", call.failed("Failed", exc.error, exc.cause)
        )
        raise StatesFailure(exc.error, exc.cause) from None


async def _run_sync(
    step: Path, key: str, call: resources.Call, limits: tuple[int | None, int | None]
) -> Any:
    # Step Functions guide, Run a Job (.sync): wait for the nested execution to end.
    run = step.run
    timeout, _ = limits
    due = step.timer(f"{key}:deadline", run.clock.now() + (timeout or core.DEFAULT_TIMEOUT))
    submitted = step.find(f"{key}:submitted")
    if submitted is None:
        response = await _invoke(step, key, call, due, TIMEOUT)
        step.emit(f"{key}:submitted", "TaskSubmitted", call.submitted(response))
    else:
        step.last_id = submitted.id
        response = json.loads(submitted.details["taskSubmittedEventDetails"]["output"])
    child = run.children.find(response["ExecutionArn"])
    assert child is not None
    try:
        ended = await within(run.children.run_child(child), run.clock, due)
    except asyncio.CancelledError as exc:
        # Step Functions guide, .sync: stopping the parent's task stops the child it waits on.
        if aborting(exc):
            await run.children.stop(child.arn, "States.Aborted", "The parent task was stopped")
        raise
    except DeadlineError:
        step.emit(f"{key}:result", "TaskTimedOut", call.failed("TimedOut", TIMEOUT, None))
        raise StatesFailure(TIMEOUT, TIMED_OUT_CAUSE) from None
    answer = nested.described(ended, parsed=call.resource.endswith(":2"))
    if ended.status == "SUCCEEDED":
        step.emit(f"{key}:result", "TaskSucceeded", call.succeeded(answer))
        return answer
    cause = json.dumps(answer, separators=(",", ":"))
    step.emit(f"{key}:result", "TaskFailed", call.failed("Failed", TASK_FAILED, cause))
    raise StatesFailure(TASK_FAILED, cause)


def _limit(timeout: int | None, heartbeat: int | None) -> tuple[float, str]:
    limit = float(timeout if timeout is not None else core.DEFAULT_TIMEOUT)
    if heartbeat is not None and heartbeat < limit:
        return float(heartbeat), HEARTBEAT_TIMEOUT
    return limit, TIMEOUT


def _replayed(event: EventRecord) -> Any:
    details: dict[str, Any] = next(iter(event.details.values()), {})
    if event.type.endswith("Succeeded"):
        return json.loads(details["output"])
    cause = details.get("cause", TIMED_OUT_CAUSE if event.type.endswith("TimedOut") else None)
    raise StatesFailure(details.get("error", ""), cause)
