"""Distributed Map: each item (or batch) runs as a child execution of its own.

The parent's history shows the map run (``MapRunStarted``, then ``MapRunSucceeded`` or
``MapRunFailed``), and each child keeps its own history, listed by ListExecutions with the
map run's ARN. Child names and the map run's ARN derive from the parent's step key, so a
replayed parent finds the children it started before instead of starting them again.

ToleratedFailureCount and ToleratedFailurePercentage bound how many children may fail; past
them the run fails with ``States.ExceedToleratedFailureThreshold`` and the children still
running are aborted. A failed child that is tolerated leaves its error object
(``{"Error", "Cause"}``) at its place in the output. Children always keep a durable history,
even when the processor asks for EXPRESS executions. Reading items from S3 (ItemReader) and
writing results to S3 (ResultWriter) are not available: such a state fails with
``States.ItemReaderFailed`` or ``States.ResultWriterFailed``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from edgeworks.states.language.base import Scope
from edgeworks.states.language.errors import (
    EXCEED_TOLERATED_FAILURE_THRESHOLD,
    ITEM_READER_FAILED,
    RESULT_WRITER_FAILED,
    StatesFailure,
)
from edgeworks.states.runtime import core
from edgeworks.states.runtime.batching import batches
from edgeworks.states.runtime.context import Path
from edgeworks.states.runtime.interpreter import Outcome, aborting
from edgeworks.states.store import ExecutionRecord, MapRunRecord

THRESHOLD_CAUSE = "The specified tolerated failure threshold for the Map Run was exceeded"


async def run_distributed(
    step: Path, state: Any, data: Any, scope: Scope, attempt: int
) -> Outcome:
    """Run one attempt of a distributed Map state."""
    _refuse_s3(state)
    effective = core.branch_input(state, data, scope, step.variables)
    items = core.map_items(state, data, effective, scope)
    selected = [core.item_input(state, effective, item, i, scope) for i, item in enumerate(items)]
    inputs = batches(state, selected, effective, scope)
    run_arn = _map_run_arn(step, state, attempt)
    step.emit(
        f"#{attempt}:run", "MapRunStarted", {"mapRunStartedEventDetails": {"mapRunArn": run_arn}}
    )

    children = [_child(step, state, run_arn, i, value) for i, value in enumerate(inputs)]
    concurrency = core.max_concurrency(state, effective, scope)
    count, percentage = _thresholds(state, effective, scope)
    record = _record(step, state, run_arn, concurrency, count=count, pct=percentage)
    step.run.children.map_run_started(record)
    tolerated = max(count or 0, int(len(children) * (percentage or 0) / 100))
    try:
        results = await _run_children(step, children, concurrency or len(children) or 1, tolerated)
    except StatesFailure as failure:
        step.run.children.map_run_ended(run_arn, "FAILED")
        details = {"error": failure.error, "cause": failure.cause or ""}
        step.emit(f"#{attempt}:run-end", "MapRunFailed", {"mapRunFailedEventDetails": details})
        raise
    except asyncio.CancelledError as exc:
        if aborting(exc):
            step.run.children.map_run_ended(run_arn, "ABORTED")
        raise
    step.run.children.map_run_ended(run_arn, "SUCCEEDED")
    step.emit(f"#{attempt}:run-end", "MapRunSucceeded")
    return Outcome(core.task_output(state, data, results, scope, step.variables), state.next)


def _refuse_s3(state: Any) -> None:
    if state.item_reader:
        raise StatesFailure(
            ITEM_READER_FAILED, f"State '{state.name}': ItemReader is not available here"
        )
    if state.result_writer:
        raise StatesFailure(
            RESULT_WRITER_FAILED, f"State '{state.name}': ResultWriter is not available here"
        )


def _map_run_arn(step: Path, state: Any, attempt: int) -> str:
    run = step.run
    parts = run.arn.split(":")
    label = state.label or state.name
    unique = uuid.uuid5(uuid.NAMESPACE_URL, f"{run.arn}{step.callback_key(f'#{attempt}')}")
    return f"arn:aws:states:{parts[3]}:{parts[4]}:mapRun:{run.machine_name}/{label}:{unique}"


def _child(step: Path, state: Any, run_arn: str, index: int, value: Any) -> ExecutionRecord:
    run = step.run
    parts = run.arn.split(":")
    label = state.label or state.name
    name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run_arn}/{index}"))
    processor = state.processor
    definition = {"StartAt": processor.start_at, "States": processor.raw["States"]}
    if processor.query_language != "JSONPath":
        definition["QueryLanguage"] = processor.query_language
    return ExecutionRecord(
        arn=f"arn:aws:states:{parts[3]}:{parts[4]}:execution:{run.machine_name}/{label}:{name}",
        machine_arn=f"{run.machine_arn}/{label}",
        name=name,
        status="RUNNING",
        input=json.dumps(value, separators=(",", ":")),
        started=run.clock.now(),
        definition=json.dumps(definition),
        role_arn=run.role_arn,
        machine_updated=run.started,
        revision_id="",
        map_run=run_arn,
    )


def _thresholds(state: Any, effective: Any, scope: Scope) -> tuple[int | None, float | None]:
    count = core.resolved_number(
        state, "tolerated_failure_count", "ToleratedFailureCount", effective, scope
    )
    percentage = core.resolved_number(
        state, "tolerated_failure_percentage", "ToleratedFailurePercentage", effective, scope
    )
    return (int(count) if count is not None else None), percentage


def _record(
    step: Path, state: Any, arn: str, concurrency: int, *, count: int | None, pct: float | None
) -> MapRunRecord:
    run = step.run
    return MapRunRecord(
        arn=arn,
        execution_arn=run.arn,
        machine_arn=f"{run.machine_arn}/{state.label or state.name}",
        status="RUNNING",
        started=run.clock.now(),
        stopped=None,
        max_concurrency=concurrency,
        tolerated_percentage=pct or 0.0,
        tolerated_count=count or 0,
    )


async def _run_children(
    step: Path, children: list[ExecutionRecord], limit: int, tolerated: int
) -> list[Any]:
    gate = asyncio.Semaphore(limit)
    failures = 0
    results: list[Any] = [None] * len(children)
    over = asyncio.Event()

    async def one(index: int, child: ExecutionRecord) -> None:
        nonlocal failures
        async with gate:
            if over.is_set():
                return
            ended = await step.run.children.run_child(child)
        if ended.status == "SUCCEEDED":
            results[index] = json.loads(ended.output or "null")
            return
        failures += 1
        results[index] = {"Error": ended.error or ended.status, "Cause": ended.cause or ""}
        if failures > tolerated:
            over.set()

    tasks: list[asyncio.Future[None]] = [
        asyncio.ensure_future(one(i, child)) for i, child in enumerate(children)
    ]
    everything: asyncio.Future[Any] = asyncio.gather(*tasks)
    waiter: asyncio.Future[Any] = asyncio.ensure_future(over.wait())
    try:
        await asyncio.wait([everything, waiter], return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError as exc:
        # Stopping the parent stops its map run's children; a shutdown leaves them to resume.
        if aborting(exc):
            await _abort(step, children, tasks)
        else:
            for task in tasks:
                task.cancel()
        raise
    finally:
        waiter.cancel()
    if over.is_set():
        await _abort(step, children, tasks)
        raise StatesFailure(EXCEED_TOLERATED_FAILURE_THRESHOLD, THRESHOLD_CAUSE)
    return results


async def _abort(
    step: Path, children: list[ExecutionRecord], tasks: list[asyncio.Future[None]]
) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for child in children:
        await step.run.children.stop(child.arn, "States.Aborted", "The map run was stopped")
