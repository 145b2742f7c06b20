"""A running workflow service on a free loopback port, driven from tests through boto3.

The service runs on its own event loop in a background thread, as it would in its own
process; tests talk to it over real sockets and may move its manual clock.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import boto3
import botocore.config
from tests.states.shapes import error_problems, output_problems

from edgeworks.states.api import StatesService
from edgeworks.states.runtime import ManualClock

ROLE = "arn:aws:iam::123456789012:role/workflow"


class Running:
    """A service started in a thread; stop it with :meth:`close`."""

    def __init__(self, data_dir: Path, functions: Path | None, clock: Any = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.service = self.call(_make(data_dir, functions, clock))
        self.port: int = self.call(self.service.start("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.port}"

    def call(self, coroutine: Any) -> Any:
        """Run a coroutine on the service's loop and return its result."""
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout=30)

    def close(self) -> None:
        """Stop the service and its loop."""
        self.call(self.service.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


async def _make(data_dir: Path, functions: Path | None, clock: Any) -> StatesService:
    # Workers' polls wait briefly here, so a test that finds no task does not wait a minute.
    return StatesService(data_dir, functions, clock=clock, poll_seconds=1.0)


def client(url: str, problems: list[str] | None = None, **settings: Any) -> Any:
    """Return a boto3 Step Functions client for the service at ``url``.

    With ``problems``, every raw response body is checked against botocore's service model
    and each difference is appended there, so a test can assert that none was found.
    """
    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=botocore.config.Config(retries={"max_attempts": 1}, **settings),
    )
    if problems is not None:
        sfn.meta.events.register("after-call", _checker(problems))
    return sfn


def _checker(problems: list[str]) -> Callable[..., None]:
    def check(http_response: Any, model: Any, **_: Any) -> None:
        body = json.loads(http_response.content or b"{}")
        if http_response.status_code == 200:
            found = output_problems(model.name, body)
        else:
            found = error_problems(body)
        if "x-amzn-requestid" not in http_response.headers:
            found.append("x-amzn-RequestId missing")
        problems.extend(f"{model.name}: {problem}" for problem in found)

    return check


def machine(sfn: Any, definition: dict[str, Any], name: str = "flow", **extra: Any) -> str:
    """Create a state machine and return its ARN."""
    answer = sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=ROLE, **extra
    )
    arn: str = answer["stateMachineArn"]
    return arn


def wait_for(check: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def finished(sfn: Any, arn: str, timeout: float = 20.0) -> dict[str, Any]:
    """Wait until an execution leaves RUNNING and return its description."""

    def done() -> dict[str, Any] | None:
        found: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        return None if found["status"] == "RUNNING" else found

    result: dict[str, Any] = wait_for(done, timeout, f"execution {arn} to finish")
    return result


def history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    """Return every event of an execution."""
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
        events.extend(page["events"])
    return events


def advance_when_due(clock: ManualClock, due_in: float, seconds: float | None = None) -> None:
    """Once something sleeps until ``due_in`` seconds from now, advance the clock.

    Args:
        clock: The service's manual clock.
        due_in: How far ahead the awaited sleeper's due time is.
        seconds: How far to advance (``due_in`` when None).
    """

    def asleep() -> bool:
        now = clock.now()
        return any(abs(when - now - due_in) < 1e-3 for when in clock.pending())

    wait_for(asleep, what=f"a timer due in {due_in} s")
    clock.advance(due_in if seconds is None else seconds)


def iter_types(events: list[dict[str, Any]]) -> Iterator[str]:
    """Yield the type of each event."""
    for event in events:
        yield event["type"]
