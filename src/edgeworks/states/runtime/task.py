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
from collections.abc import Awaitable
from typing import Any, TypeVar

from edgeworks.states.errors import FunctionError
from edgeworks.states.language import retry
from edgeworks.states.language.base import Scope
from edgeworks.states.language.errors import HEARTBEAT_TIMEOUT, TIMEOUT, StatesFailure
from edgeworks.states.runtime import core, resources
from edgeworks.states.runtime.callbacks import make_token
from edgeworks.states.runtime.clock import Clock
from edgeworks.states.runtime.context import Path
from edgeworks.states.runtime.interpreter import Outcome, runner
from edgeworks.states.store import EventRecord

T = TypeVar("T")


class DeadlineError(Exception):
    """A clock deadline passed before the awaited work finished."""


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
    due = step.run.journal.timer(f"{step.key}{key}:backoff", clock.now() + seconds)
    await clock.sleep_until(due)


async def _attempt(step: Path, state: Any, data: Any, scope: Scope, attempt: int) -> Outcome:
    if state.resource.endswith(resources.CALLBACK_SUFFIX):
        token = make_token(step.run.arn, f"{step.key}#{attempt}")
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
    recorded = step.run.journal.find(f"{step.key}{key}:result")
    if recorded is not None:
        step.last_id = recorded.id
        return _replayed(recorded)

    step.emit(
        f"{key}:scheduled",
        f"{call.prefix}Scheduled",
        call.scheduled(parameters, *limits),
    )
    step.emit(f"{key}:started", f"{call.prefix}Started", call.started())
    if call.waits_for_callback:
        return await _call_back(step, key, call, limits)
    # Without a heartbeat from a request-response task, HeartbeatSeconds is a second limit.
    limit, error = _limit(*limits)
    due = step.run.journal.timer(f"{step.key}{key}:deadline", step.run.clock.now() + limit)
    value = await _invoke(step, key, call, due, error)
    step.emit(f"{key}:result", f"{call.prefix}Succeeded", call.succeeded(value))
    return value


async def _call_back(
    step: Path, key: str, call: resources.Call, limits: tuple[int | None, int | None]
) -> Any:
    run, token_key = step.run, f"{step.key}{key}"
    timeout, heartbeat = limits
    due = run.journal.timer(
        f"{token_key}:deadline", run.clock.now() + (timeout or core.DEFAULT_TIMEOUT)
    )
    future = run.callbacks.open(run.arn, token_key, run.durable)
    try:
        if run.journal.find(f"{token_key}:submitted") is None:
            response = await _invoke(step, key, call, due, TIMEOUT)
            step.emit(f"{key}:submitted", "TaskSubmitted", call.submitted(response))
        outcome = await _answer(step, key, call, future, due=due, heartbeat=heartbeat)
    finally:
        run.callbacks.close(run.arn, token_key)
    if outcome["kind"] == "success":
        step.emit(f"{key}:result", "TaskSucceeded", call.succeeded(outcome["output"]))
        return outcome["output"]
    error, cause = outcome.get("error") or "", outcome.get("cause")
    step.emit(f"{key}:result", "TaskFailed", call.failed("Failed", error, cause))
    raise StatesFailure(error, cause)


async def _answer(
    step: Path,
    key: str,
    call: resources.Call,
    future: asyncio.Future[dict[str, Any]],
    *,
    due: float,
    heartbeat: int | None,
) -> dict[str, Any]:
    # Step Functions guide, HeartbeatSeconds: each SendTaskHeartbeat starts the period again.
    run, token_key = step.run, f"{step.key}{key}"
    waiting_since = run.clock.now()
    while True:
        beat = run.callbacks.last_beat(run.arn, token_key) or waiting_since
        limit = min(due, beat + heartbeat) if heartbeat is not None else due
        try:
            return await within(asyncio.shield(future), run.clock, limit)
        except DeadlineError:
            if run.clock.now() < due and run.callbacks.last_beat(run.arn, token_key) not in (
                None,
                beat,
            ):
                continue
            error = TIMEOUT if run.clock.now() >= due else HEARTBEAT_TIMEOUT
            step.emit(f"{key}:result", "TaskTimedOut", call.failed("TimedOut", error, None))
            raise StatesFailure(error, None) from None


async def _invoke(step: Path, key: str, call: resources.Call, due: float, error: str) -> Any:
    """Run the function until ``due``; a failure or timeout is recorded as the outcome."""
    clock = step.run.clock
    try:
        return await within(resources.invoke(call, step.run, due - clock.now()), clock, due)
    except DeadlineError:
        step.emit(f"{key}:result", f"{call.prefix}TimedOut", call.failed("TimedOut", error, None))
        raise StatesFailure(error, None) from None
    except FunctionError as exc:
        step.emit(
            f"{key}:result", f"{call.prefix}Failed", call.failed("Failed", exc.error, exc.cause)
        )
        raise StatesFailure(exc.error, exc.cause) from None


def _limit(timeout: int | None, heartbeat: int | None) -> tuple[float, str]:
    limit = float(timeout if timeout is not None else core.DEFAULT_TIMEOUT)
    if heartbeat is not None and heartbeat < limit:
        return float(heartbeat), HEARTBEAT_TIMEOUT
    return limit, TIMEOUT


def _replayed(event: EventRecord) -> Any:
    details: dict[str, Any] = next(iter(event.details.values()), {})
    if event.type.endswith("Succeeded"):
        return json.loads(details["output"])
    raise StatesFailure(details.get("error", ""), details.get("cause"))


async def within(work: Awaitable[T], clock: Clock, due: float) -> T:
    """Return the result of ``work``, or raise :class:`DeadlineError` when ``due`` comes first.

    The work is cancelled when the deadline wins; a function running in a thread carries on
    there, but its result is dropped.
    """
    task = asyncio.ensure_future(work)
    timer = asyncio.ensure_future(clock.sleep_until(due))
    try:
        await asyncio.wait((task, timer), return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
        if not task.done():
            task.cancel()
    if task.cancelled() or not task.done():
        raise DeadlineError
    return task.result()
