"""Waiting on the clock: deadlines, and the answer to a task that waits for a callback.

Callback tasks (``.waitForTaskToken``) and activities both end when SendTaskSuccess or
SendTaskFailure arrives for their token, or when TimeoutSeconds or HeartbeatSeconds pass
first; each SendTaskHeartbeat starts the heartbeat period again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from edgeworks.states.language.errors import HEARTBEAT_TIMEOUT, TIMEOUT, StatesFailure
from edgeworks.states.runtime.clock import Clock
from edgeworks.states.runtime.context import Path
from edgeworks.states.runtime.resources import Call

T = TypeVar("T")

# The service hands a timed-out task's catchers an empty Cause, and records no cause in the
# TimedOut event itself.
TIMED_OUT_CAUSE = ""


class DeadlineError(Exception):
    """A clock deadline passed before the awaited work finished."""


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


async def answer_of(
    step: Path,
    key: str,
    call: Call,
    future: asyncio.Future[dict[str, Any]],
    *,
    due: float,
    heartbeat: int | None,
) -> dict[str, Any]:
    """Wait for the outcome sent for a task's token; record a timeout and raise it.

    Raises:
        StatesFailure: States.Timeout when ``due`` passes, States.HeartbeatTimeout when no
            heartbeat came within ``heartbeat`` seconds.
    """
    # Step Functions guide, HeartbeatSeconds: each SendTaskHeartbeat starts the period again.
    run, token_key = step.run, step.callback_key(key)
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
            timed_out = call.failed("TimedOut", error, None)
            step.emit(f"{key}:result", f"{call.prefix}TimedOut", timed_out)
            raise StatesFailure(error, TIMED_OUT_CAUSE) from None


def finish_callback(step: Path, key: str, call: Call, outcome: dict[str, Any]) -> Any:
    """Record what SendTaskSuccess or SendTaskFailure sent, and return or raise it."""
    if outcome["kind"] == "success":
        step.emit(f"{key}:result", f"{call.prefix}Succeeded", call.succeeded(outcome["output"]))
        return outcome["output"]
    error, cause = outcome.get("error") or "", outcome.get("cause")
    step.emit(f"{key}:result", f"{call.prefix}Failed", call.failed("Failed", error, cause))
    raise StatesFailure(error, cause)
