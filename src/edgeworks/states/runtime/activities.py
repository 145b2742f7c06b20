"""Activities: tasks that wait for a worker to poll for them (Step Functions guide: Activities).

A Task whose Resource is an activity ARN writes ActivityScheduled and offers its input and task
token on the activity's queue. A worker's GetActivityTask takes the oldest offer, which writes
ActivityStarted with the worker's name; the worker then answers with SendTaskSuccess or
SendTaskFailure (and SendTaskHeartbeat meanwhile). Queues live in memory: after a restart a
replayed task that no worker had taken is offered again, and one that a worker had taken waits
for that worker's answer, as its token is still valid.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any

from edgeworks.states.language.errors import TIMEOUT, StatesFailure
from edgeworks.states.runtime import core
from edgeworks.states.runtime.callbacks import make_token
from edgeworks.states.runtime.context import Path, dumps
from edgeworks.states.runtime.resources import Call
from edgeworks.states.runtime.waiting import (
    TIMED_OUT_CAUSE,
    DeadlineError,
    answer_of,
    finish_callback,
    within,
)


@dataclass
class Offer:
    """A task waiting on an activity's queue; ``taken`` resolves with the worker's name."""

    token: str
    input: str
    taken: asyncio.Future[str]


class ActivityQueues:
    """Pending activity tasks and waiting workers, per activity ARN."""

    def __init__(self) -> None:
        self._offers: dict[str, deque[Offer]] = {}
        self._workers: dict[str, deque[asyncio.Future[Offer]]] = {}

    def offer(self, activity: str, token: str, text: str) -> Offer:
        """Put a task on the queue, or hand it to a worker already waiting."""
        offer = Offer(token, text, asyncio.get_running_loop().create_future())
        workers = self._workers.get(activity)
        while workers:
            worker = workers.popleft()
            if not worker.done():
                worker.set_result(offer)
                return offer
        self._offers.setdefault(activity, deque()).append(offer)
        return offer

    def withdraw(self, activity: str, offer: Offer) -> None:
        """Take a task off the queue (it timed out or was stopped before a worker took it)."""
        queue = self._offers.get(activity)
        if queue is not None and offer in queue:
            queue.remove(offer)

    async def poll(self, activity: str, worker: str, seconds: float) -> Offer | None:
        """Return the oldest task for ``activity``, waiting up to ``seconds`` for one."""
        queue = self._offers.get(activity)
        while queue:
            offer = queue.popleft()
            if not offer.taken.done():
                offer.taken.set_result(worker)
                return offer
        waiting: asyncio.Future[Offer] = asyncio.get_running_loop().create_future()
        self._workers.setdefault(activity, deque()).append(waiting)
        try:
            offer = await asyncio.wait_for(waiting, seconds)
        except TimeoutError:
            return None
        offer.taken.set_result(worker)
        return offer


async def run_activity(
    step: Path, key: str, call: Call, limits: tuple[int | None, int | None]
) -> Any:
    """Wait for a worker to take the task and answer it; return its output."""
    run, token_key = step.run, step.callback_key(key)
    timeout, heartbeat = limits
    due = step.timer(f"{key}:deadline", run.clock.now() + (timeout or core.DEFAULT_TIMEOUT))
    answer = run.callbacks.open(run.arn, token_key, run.durable)
    try:
        # A worker may have answered before a restart lost the record of its taking the task.
        if step.find(f"{key}:started") is None and not answer.done():
            worker = await _taken(step, key, call, due)
            started = {"activityStartedEventDetails": {"workerName": worker}}
            step.emit(f"{key}:started", "ActivityStarted", started)
        outcome = await answer_of(step, key, call, answer, due=due, heartbeat=heartbeat)
    finally:
        run.callbacks.close(run.arn, token_key)
    return finish_callback(step, key, call, outcome)


async def _taken(step: Path, key: str, call: Call, due: float) -> str:
    run = step.run
    token = make_token(run.arn, step.callback_key(key))
    offer = run.activities.offer(call.resource, token, dumps(call.payload))
    try:
        return await within(asyncio.shield(offer.taken), run.clock, due)
    except DeadlineError:
        step.emit(f"{key}:result", "ActivityTimedOut", call.failed("TimedOut", TIMEOUT, None))
        raise StatesFailure(TIMEOUT, TIMED_OUT_CAUSE) from None
    finally:
        if not offer.taken.done():
            run.activities.withdraw(call.resource, offer)
            offer.taken.cancel()
