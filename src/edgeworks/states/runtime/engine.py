"""The engine: runs executions as asyncio tasks, stops them, and resumes them after a restart.

An execution writes ``ExecutionStarted``, runs its machine's states, and ends with exactly one
of ExecutionSucceeded, ExecutionFailed, ExecutionTimedOut or ExecutionAborted; the store's
execution row follows the history. On start, :meth:`Engine.resume` runs every execution the
store still has as RUNNING again from its history (see :mod:`journal`). Express executions keep
their history in memory only, as the service keeps none for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import replace
from typing import Any

from edgeworks.states.errors import FunctionError
from edgeworks.states.functions import FunctionRunner
from edgeworks.states.language.errors import RUNTIME, TIMEOUT, StatesFailure
from edgeworks.states.runtime import branches, core, nested, simple  # noqa: F401  (runners)
from edgeworks.states.runtime import task as _task  # noqa: F401  (the Task runner)
from edgeworks.states.runtime.activities import ActivityQueues
from edgeworks.states.runtime.callbacks import Callbacks
from edgeworks.states.runtime.clock import Clock
from edgeworks.states.runtime.context import Path, Run, data_details
from edgeworks.states.runtime.interpreter import ABORT, run_states
from edgeworks.states.runtime.journal import REDRIVEN, Journal
from edgeworks.states.runtime.waiting import DeadlineError, within
from edgeworks.states.store import ExecutionRecord, MapRunRecord, MapRuns, Store

log = logging.getLogger(__name__)


class Engine:
    """Runs executions durably over a store.

    Args:
        store: Where executions and histories live.
        functions: The local functions that Task states call.
        clock: The time source for timestamps, waits and time limits.
    """

    def __init__(self, store: Store, functions: FunctionRunner, clock: Clock) -> None:
        self.store = store
        self.functions = functions
        self.clock = clock
        self.callbacks = Callbacks(store)
        self.activities = ActivityQueues()
        self._tasks: dict[str, asyncio.Task[ExecutionRecord]] = {}

    def launch(
        self, execution: ExecutionRecord, *, fresh: bool = False
    ) -> asyncio.Task[ExecutionRecord]:
        """Start running an execution in the background; a STANDARD one must be stored.

        ``fresh`` says the execution was just created, so it has no history to replay.
        """
        if execution.arn in self._tasks:
            return self._tasks[execution.arn]
        durable = execution.type == "STANDARD"
        journal = Journal(
            execution.arn,
            self.store if durable else None,
            fresh=fresh,
            generation=execution.redrive_count,
        )
        task = asyncio.get_running_loop().create_task(self._execute(execution, journal))
        self._tasks[execution.arn] = task
        task.add_done_callback(lambda done: self._forget(execution.arn, done))
        return task

    def _forget(self, arn: str, done: asyncio.Task[ExecutionRecord]) -> None:
        # A redriven execution may run under the same ARN again: drop only this run.
        if self._tasks.get(arn) is done:
            del self._tasks[arn]

    def redrive(self, execution: ExecutionRecord) -> float:
        """Run an ended execution again from where it failed; return the redrive time.

        Raises:
            ValueError: The execution is not FAILED, TIMED_OUT or ABORTED.
        """
        now = self.clock.now()
        count = execution.redrive_count + 1
        if not self.store.redrive(execution.arn, count, now):
            raise ValueError(f"execution {execution.arn} is {execution.status}")
        journal = Journal(execution.arn, self.store, generation=count)
        details = {"executionRedrivenEventDetails": {"redriveCount": count}}
        journal.emit(REDRIVEN, "ExecutionRedriven", len(journal.events), now, details)
        again = self.store.execution(execution.arn)
        assert again is not None
        self.launch(again)
        return now

    async def run_child(self, execution: ExecutionRecord) -> ExecutionRecord:
        """Run a child execution (a distributed Map item) to its end, once.

        A child already stored keeps its first start: a finished one answers from the store,
        a running one is awaited.
        """
        stored = self.store.execution(execution.arn)
        if stored is None:
            self.store.add_execution(execution)
            stored = execution
        if stored.status != "RUNNING":
            return stored
        return await asyncio.shield(self.launch(stored))

    async def start_nested(
        self, parent_arn: str, key: str, parameters: dict[str, Any]
    ) -> ExecutionRecord:
        """Start an execution of another machine for a Task, or find the one started before.

        Raises:
            FunctionError: The machine does not exist, or the name is taken by another run.
        """
        machine_arn = str(parameters.get("StateMachineArn", ""))
        machine = self.store.machine(machine_arn)
        if machine is None:
            raise FunctionError(nested.NOT_FOUND, f"State Machine Does Not Exist: '{machine_arn}'")
        name = nested.child_name(parameters, parent_arn, key)
        record = ExecutionRecord(
            arn=f"{machine.arn.replace(':stateMachine:', ':execution:')}:{name}",
            machine_arn=machine.arn,
            name=name,
            status="RUNNING",
            input=nested.child_input(parameters),
            started=self.clock.now(),
            definition=machine.definition,
            role_arn=machine.role_arn,
            machine_updated=machine.updated,
            revision_id=machine.revision_id,
        )
        if self.store.add_execution(record):
            self.launch(record, fresh=True)
            return record
        existing = self.store.execution(record.arn)
        if existing is None or existing.input != record.input:
            raise FunctionError(nested.ALREADY, f"Execution Already Exists: '{record.arn}'")
        return existing

    def find(self, arn: str) -> ExecutionRecord | None:
        """Return a stored execution."""
        return self.store.execution(arn)

    def map_run_started(self, run: MapRunRecord) -> None:
        """Record a map run as it starts."""
        MapRuns(self.store).add(run)

    def map_run_ended(self, arn: str, status: str) -> None:
        """Record how a map run ended."""
        MapRuns(self.store).end(arn, status, self.clock.now())

    def resume(self) -> int:
        """Run again every execution the store has as RUNNING; return how many."""
        running = self.store.running_executions()
        for execution in running:
            self.launch(execution)
        if running:
            log.info("resumed %d running executions", len(running))
        return len(running)

    def running(self, arn: str) -> bool:
        """Whether an execution runs in this engine now."""
        return arn in self._tasks

    async def stop(self, arn: str, error: str | None, cause: str | None) -> float:
        """Abort a running execution; return the stop time it records.

        An execution that is not running (ended, or never stored) is left as it is.
        """
        current = self.store.execution(arn)
        if current is None or current.status != "RUNNING":
            return current.stopped or current.started if current else self.clock.now()
        now = self.clock.now()
        self.store.finish_execution(arn, status="ABORTED", stopped=now, error=error, cause=cause)
        task = self._tasks.pop(arn, None)
        if task is not None:
            task.cancel(ABORT)
            with contextlib.suppress(asyncio.CancelledError):
                await task
        journal = Journal(arn, self.store, generation=current.redrive_count)
        details = _error_details(error, cause)
        last = len(journal.events)
        journal.emit(
            "end", "ExecutionAborted", last, now, {"executionAbortedEventDetails": details}
        )
        self.store.delete_if_drained(current.machine_arn)
        stopped = self.store.execution(arn)
        return stopped.stopped if stopped and stopped.stopped else now

    async def close(self) -> None:
        """Cancel every running execution without recording an end: they resume on restart."""
        tasks = list(self._tasks.values())
        for running in tasks:
            running.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _execute(self, execution: ExecutionRecord, journal: Journal) -> ExecutionRecord:
        machine = core.parse(execution.definition)
        run = self._run(execution, journal)
        top = Path(run, "", 0)
        started = {
            "executionStartedEventDetails": {
                **data_details("input", run.input),
                "roleArn": execution.role_arn,
            }
        }
        if execution.version_arn is not None:
            started["executionStartedEventDetails"]["stateMachineVersionArn"] = (
                execution.version_arn
            )
        if execution.alias_arn is not None:
            started["executionStartedEventDetails"]["stateMachineAliasArn"] = execution.alias_arn
        top.emit("start", "ExecutionStarted", started)
        # The service links the first state's Entered event to 0, not to ExecutionStarted.
        top.last_id = 0

        try:
            output = await self._bounded(run_states(top, machine, run.input), machine, run)
        except StatesFailure as failure:
            return self._end(
                execution, journal, "FAILED", error=failure.error, cause=failure.cause
            )
        except DeadlineError:
            return self._end(execution, journal, "TIMED_OUT", error=TIMEOUT, cause=None)
        except Exception as exc:
            # A fault of the service, not of the workflow: end the execution instead of leaving
            # it RUNNING forever, and keep the traceback in the log.
            log.exception("execution %s failed inside the service", execution.arn)
            cause = f"The service failed running this execution: {exc!r}"
            return self._end(execution, journal, "FAILED", error=RUNTIME, cause=cause)
        return self._end(execution, journal, "SUCCEEDED", output=output)

    async def _bounded(self, work: Any, machine: Any, run: Run) -> Any:
        # States Language: TimeoutSeconds of the machine bounds the whole execution; a redriven
        # execution's time counts again from its redrive.
        limit = core.machine_timeout(machine)
        if limit is None:
            return await work
        began = run.journal.redrive_time(run.journal.generation) or run.started
        return await within(work, self.clock, began + limit)

    def _run(self, execution: ExecutionRecord, journal: Journal) -> Run:
        parts = execution.arn.split(":")
        return Run(
            arn=execution.arn,
            name=execution.name,
            machine_arn=execution.machine_arn,
            machine_name=execution.machine_arn.split(":")[6],
            role_arn=execution.role_arn,
            input=json.loads(execution.input),
            started=execution.started,
            region=parts[3],
            account=parts[4],
            journal=journal,
            clock=self.clock,
            functions=self.functions,
            callbacks=self.callbacks,
            children=self,
            activities=self.activities,
            durable=execution.type == "STANDARD",
        )

    def _end(
        self,
        execution: ExecutionRecord,
        journal: Journal,
        status: str,
        *,
        output: Any = None,
        error: str | None = None,
        cause: str | None = None,
    ) -> ExecutionRecord:
        now = self.clock.now()
        kind, details = _terminal(status, output, error, cause)
        event = journal.emit("end", kind, len(journal.events), now, details)
        text = None if status != "SUCCEEDED" else json.dumps(output, separators=(",", ":"))
        if execution.type == "STANDARD":
            self.store.finish_execution(
                execution.arn,
                status=status,
                stopped=event.timestamp,
                output=text,
                error=error,
                cause=cause,
            )
        self.store.delete_if_drained(execution.machine_arn)
        log.info("execution %s %s", execution.arn, status)
        return replace(
            execution,
            status=status,
            stopped=event.timestamp,
            output=text,
            error=error,
            cause=cause,
        )


def _terminal(
    status: str, output: Any, error: str | None, cause: str | None
) -> tuple[str, dict[str, Any]]:
    if status == "SUCCEEDED":
        return "ExecutionSucceeded", {
            "executionSucceededEventDetails": data_details("output", output)
        }
    if status == "TIMED_OUT":
        return "ExecutionTimedOut", {"executionTimedOutEventDetails": _error_details(error, cause)}
    return "ExecutionFailed", {"executionFailedEventDetails": _error_details(error, cause)}


def _error_details(error: str | None, cause: str | None) -> dict[str, str]:
    found = {}
    if error:
        found["error"] = error
    if cause is not None:
        found["cause"] = cause
    return found
