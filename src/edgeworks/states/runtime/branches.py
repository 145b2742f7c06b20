"""Parallel and Map: several paths at once, where the first failure stops the rest.

Both states retry as a whole (States Language: Retry applies to the state): a retried attempt
runs every branch or iteration again under new keys. Branch ``i`` of attempt ``a`` runs on the
path ``#a/b<i>``; iteration ``i`` on ``#a/i<i>``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from edgeworks.states.language import retry
from edgeworks.states.language.base import Scope
from edgeworks.states.language.errors import StatesFailure
from edgeworks.states.runtime import core
from edgeworks.states.runtime.context import Path
from edgeworks.states.runtime.distributed import run_distributed
from edgeworks.states.runtime.interpreter import ABORT, Outcome, aborting, run_states, runner
from edgeworks.states.runtime.task import backoff

Attempt = Callable[[Path, Any, Any, Scope, int], Awaitable[Outcome]]


async def with_retry(
    attempt_once: Attempt, step: Path, state: Any, data: Any, scope: Scope
) -> Outcome:
    """Run a whole state again while its Retry list says so."""
    counts = [0] * len(state.retry)
    attempt = 0
    while True:
        try:
            return await attempt_once(step, state, data, scope, attempt)
        except StatesFailure as failure:
            decision = retry.decide(state.retry, failure.error, counts, scope.random)
            if decision is None:
                raise
            counts[decision.index] += 1
            await backoff(step, f"#{attempt}", decision.delay_seconds)
            attempt += 1


async def first_failure_stops(jobs: Sequence[Awaitable[Any]]) -> list[Any]:
    """Await every job; when one fails, cancel the others and raise its failure."""
    if not jobs:
        return []
    tasks = [asyncio.ensure_future(job) for job in jobs]
    reason: str | None = ABORT
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        return [task.result() for task in tasks]
    except asyncio.CancelledError as exc:
        # A shutdown passes on as a shutdown: the branches resume after the restart.
        reason = ABORT if aborting(exc) else None
        raise
    finally:
        for task in tasks:
            task.cancel(reason)
        await asyncio.gather(*tasks, return_exceptions=True)


@runner("Parallel")
async def run_parallel(step: Path, state: Any, data: Any, scope: Scope) -> Outcome:
    """States Language: Parallel State: every branch on the same input."""
    return await with_retry(_parallel_once, step, state, data, scope)


async def _parallel_once(step: Path, state: Any, data: Any, scope: Scope, attempt: int) -> Outcome:
    effective = core.branch_input(state, data, scope, step.variables)
    started = step.emit(f"#{attempt}:started", "ParallelStateStarted")
    paths = [
        step.child(f"#{attempt}/b{i}", started.id, step.variables)
        for i in range(len(state.branches))
    ]
    jobs = [
        run_states(path, machine, effective)
        for path, machine in zip(paths, state.branches, strict=True)
    ]

    try:
        results = await first_failure_stops(jobs)
    except StatesFailure as failure:
        _follow(step, paths)
        step.emit(f"#{attempt}:failed", "ParallelStateFailed")
        raise failure from None
    _follow(step, paths)
    step.emit(f"#{attempt}:succeeded", "ParallelStateSucceeded")
    return Outcome(core.task_output(state, data, results, scope, step.variables), state.next)


def _follow(step: Path, paths: Sequence[Path]) -> None:
    # The state's closing event links to the last event any of its branches wrote.
    step.last_id = max((path.last_id for path in paths), default=step.last_id)


@runner("Map")
async def run_map(step: Path, state: Any, data: Any, scope: Scope) -> Outcome:
    """States Language: Map State, inline: the item processor once per item."""
    return await with_retry(_map_once, step, state, data, scope)


async def _map_once(step: Path, state: Any, data: Any, scope: Scope, attempt: int) -> Outcome:
    if state.distributed:
        return await run_distributed(step, state, data, scope, attempt)
    effective = core.branch_input(state, data, scope, step.variables)
    items = core.map_items(state, data, effective, scope)
    limit = core.max_concurrency(state, effective, scope) or len(items) or 1
    details = {"mapStateStartedEventDetails": {"length": len(items)}}
    started = step.emit(f"#{attempt}:started", "MapStateStarted", details)
    iterations = _Iterations(step, state, scope, effective, asyncio.Semaphore(limit))

    try:
        results = await first_failure_stops(
            [
                iterations.run(f"#{attempt}/i{i}", started.id, i, item)
                for i, item in enumerate(items)
            ]
        )
    except StatesFailure as failure:
        _follow(step, iterations.paths)
        step.emit(f"#{attempt}:failed", "MapStateFailed")
        raise failure from None
    _follow(step, iterations.paths)
    step.emit(f"#{attempt}:succeeded", "MapStateSucceeded")
    return Outcome(core.task_output(state, data, results, scope, step.variables), state.next)


class _Iterations:
    """The iterations of one inline Map attempt, at most MaxConcurrency at a time."""

    def __init__(
        self, step: Path, state: Any, scope: Scope, effective: Any, gate: asyncio.Semaphore
    ) -> None:
        self.step = step
        self.state = state
        self.scope = scope
        self.effective = effective
        self.gate = gate
        self.paths: list[Path] = []

    async def run(self, suffix: str, started_id: int, index: int, item: Any) -> Any:
        """Run one item through the item processor, between its iteration events."""
        async with self.gate:
            path = self.step.child(suffix, started_id, self.step.variables)
            self.paths.append(path)
            details = {"name": self.state.name, "index": index}
            path.emit(
                ":started", "MapIterationStarted", {"mapIterationStartedEventDetails": details}
            )
            item_input = core.item_input(self.state, self.effective, item, index, self.scope)
            try:
                output = await run_states(path, self.state.processor, item_input)
            except StatesFailure:
                path.emit(
                    ":failed", "MapIterationFailed", {"mapIterationFailedEventDetails": details}
                )
                raise
            except asyncio.CancelledError as exc:
                if aborting(exc):
                    aborted = {"mapIterationAbortedEventDetails": details}
                    path.emit(":aborted", "MapIterationAborted", aborted)
                raise
            succeeded = {"mapIterationSucceededEventDetails": details}
            path.emit(":succeeded", "MapIterationSucceeded", succeeded)
            return output
