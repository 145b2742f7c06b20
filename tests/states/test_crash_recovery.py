"""Durability: kill the service with SIGKILL mid-run, restart it, and every execution finishes.

The service runs as a real ``edgeworks states`` process. Each task appends a line to an
invocation log before it returns; after the kill the test reads which task results the history
had recorded, and after the restart it checks that none of those tasks ran again.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.states.harness import client, machine, wait_for

from conftest import free_port

RECORD = """\
import json, os, random, time

def handler(event, context):
    with open(os.path.join(event["dir"], "invocations.log"), "a") as log:
        log.write(json.dumps([event["id"], event["step"]]) + "\\n")
    time.sleep(random.uniform(0.0, 0.2))
    return {"id": event["id"], "step": event["step"]}
"""

EXECUTIONS = 24


def _step(number: int, next_state: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:record",
        "Parameters": {"id.$": "$.id", "dir.$": "$.dir", "step": number},
        "ResultPath": f"$.r{number}",
        "Next": next_state,
    }


DEFINITION = {
    "StartAt": "First",
    "States": {
        "First": _step(1, "Pause"),
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Fan"},
        "Fan": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Second",
                    "States": {
                        "Second": {**_step(2, "Nap"), "ResultPath": "$.r2"},
                        "Nap": {"Type": "Wait", "Seconds": 1, "End": True},
                    },
                },
                {
                    "StartAt": "Third",
                    "States": {
                        "Third": {**_step(3, "Done3"), "ResultPath": "$.r3"},
                        "Done3": {"Type": "Pass", "End": True},
                    },
                },
            ],
            "ResultSelector": {"r2.$": "$[0].r2", "r3.$": "$[1].r3"},
            "ResultPath": "$.fan",
            "Next": "Last",
        },
        "Last": _step(4, "Each"),
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.steps",
            "MaxConcurrency": 2,
            "ItemSelector": {"id.$": "$.id", "dir.$": "$.dir", "step.$": "$$.Map.Item.Value"},
            "ItemProcessor": {
                "StartAt": "Item",
                "States": {
                    "Item": {
                        "Type": "Task",
                        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:record",
                        "End": True,
                    }
                },
            },
            "ResultPath": "$.items",
            "Next": "Finish",
        },
        "Finish": {"Type": "Pass", "OutputPath": "$", "End": True},
    },
}


class Service:
    """``edgeworks states`` as a child process on a free port."""

    def __init__(self, data: Path, functions: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable, "-m", "edgeworks", "states",
            "--listen", f"127.0.0.1:{self.port}",
            "--data-dir", str(data),
            "--functions", str(functions),
            "--log-level", "WARNING",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE)
        wait_for(self._listening, timeout=20, what="the service to listen")

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            assert self.process.stderr is not None
            raise AssertionError(f"service exited: {self.process.stderr.read()!r}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL the process (only the one this test started) and reap it."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """End the process politely if it still runs."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def folders(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    functions = tmp_path / "functions"
    functions.mkdir()
    (functions / "record.py").write_text(RECORD)
    work = tmp_path / "work"
    work.mkdir()
    yield tmp_path / "data", functions, work


def _invocations(work: Path) -> Counter[tuple[int, int]]:
    log = work / "invocations.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return Counter(tuple(json.loads(line)) for line in lines)  # type: ignore[misc]


def _recorded(data: Path) -> set[tuple[int, int]]:
    with sqlite3.connect(data / "states.sqlite3") as db:
        rows = db.execute(
            "SELECT details FROM events WHERE type = 'LambdaFunctionSucceeded'"
        ).fetchall()
    outputs = [
        json.loads(json.loads(r[0])["lambdaFunctionSucceededEventDetails"]["output"]) for r in rows
    ]
    return {(o["id"], o["step"]) for o in outputs}


@pytest.mark.slow
def test_sigkill_mid_run_then_every_execution_finishes_once(
    folders: tuple[Path, Path, Path],
) -> None:
    data, functions, work = folders
    first = Service(data, functions)
    try:
        sfn = client(first.url)
        arn = machine(sfn, DEFINITION, name="durable")
        executions = [
            sfn.start_execution(
                stateMachineArn=arn,
                name=f"run{i}",
                input=json.dumps({"id": i, "dir": str(work), "steps": [5, 6, 7]}),
            )["executionArn"]
            for i in range(EXECUTIONS)
        ]
        wait_for(lambda: len(_recorded(data)) >= EXECUTIONS, timeout=20, what="first results")
        time.sleep(0.3)
    finally:
        first.kill()

    recorded = _recorded(data)
    before = _invocations(work)
    assert 0 < len(recorded) < EXECUTIONS * 7, "the kill must land in the middle of the run"

    second = Service(data, functions)
    try:
        sfn = client(second.url)
        outputs = [_finished_output(sfn, execution) for execution in executions]
    finally:
        second.stop()

    after = _invocations(work)
    for i, output in enumerate(outputs):
        assert output["r1"] == {"id": i, "step": 1}
        assert output["fan"] == {"r2": {"id": i, "step": 2}, "r3": {"id": i, "step": 3}}
        assert output["r4"] == {"id": i, "step": 4}
        assert output["items"] == [{"id": i, "step": s} for s in (5, 6, 7)]
    assert set(after) == {(i, s) for i in range(EXECUTIONS) for s in range(1, 8)}
    rerun = {task for task in recorded if after[task] != before[task]}
    assert rerun == set(), "tasks whose result was recorded ran again"


def _finished_output(sfn: Any, execution: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        found: dict[str, Any] = sfn.describe_execution(executionArn=execution)
        return None if found["status"] == "RUNNING" else found

    described = wait_for(done, timeout=30, what=f"{execution} to finish")
    assert described["status"] == "SUCCEEDED", described
    output: dict[str, Any] = json.loads(described["output"])
    return output
