"""Fixtures for the workflow service tests: functions folder, running service, clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.states.harness import Running, client

from edgeworks.states.runtime import ManualClock

FUNCTIONS = {
    "double": "def handler(event, context):\n    return {'value': event['value'] * 2}\n",
    "echo": "def handler(event, context):\n    return event\n",
    "boom": (
        "class PaymentDeclined(Exception):\n    pass\n\n"
        "def handler(event, context):\n"
        "    raise PaymentDeclined('card ' + str(event.get('card')))\n"
    ),
    "flaky": (
        "import pathlib, time\n\n"
        "def handler(event, context):\n"
        "    after = event.get('after')\n"
        "    deadline = time.monotonic() + 10\n"
        "    while after and not pathlib.Path(after).exists() and time.monotonic() < deadline:\n"
        "        time.sleep(0.01)\n"
        "    if after:\n"
        "        time.sleep(0.3)\n"
        "    marker = pathlib.Path(event['marker'])\n"
        "    count = int(marker.read_text()) if marker.exists() else 0\n"
        "    marker.write_text(str(count + 1))\n"
        "    if count < event['fail_times']:\n"
        "        raise ConnectionError('attempt ' + str(count))\n"
        "    return {'attempts': count + 1}\n"
    ),
    "slow": (
        "import time\n\n"
        "def handler(event, context):\n"
        "    time.sleep(event.get('seconds', 0.5))\n    return 'slept'\n"
    ),
    "notjson": "def handler(event, context):\n    return {1, 2}\n",
    "big": "def handler(event, context):\n    return 'x' * 300000\n",
    "whoami": (
        "def handler(event, context):\n"
        "    return {'name': context.function_name, 'arn': context.invoked_function_arn,"
        " 'left': context.get_remaining_time_in_millis() > 0}\n"
    ),
}


@pytest.fixture
def functions_dir(tmp_path: Path) -> Path:
    """A folder of sample handlers."""
    folder = tmp_path / "functions"
    folder.mkdir()
    for name, source in FUNCTIONS.items():
        (folder / f"{name}.py").write_text(source)
    return folder


@pytest.fixture
def service(tmp_path: Path, functions_dir: Path) -> Iterator[Running]:
    """A running service on the system clock."""
    running = Running(tmp_path / "data", functions_dir)
    yield running
    running.close()


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock for the service."""
    return ManualClock()


@pytest.fixture
def timed_service(tmp_path: Path, functions_dir: Path, clock: ManualClock) -> Iterator[Running]:
    """A running service whose time moves only when the test advances the clock."""
    running = Running(tmp_path / "data", functions_dir, clock)
    yield running
    running.close()


@pytest.fixture
def shape_problems() -> Iterator[list[str]]:
    """Differences between responses and botocore's model; none may be left at the end."""
    found: list[str] = []
    yield found
    assert found == []


@pytest.fixture
def sfn(service: Running, shape_problems: list[str]) -> Any:
    """A boto3 client of ``service`` whose every response is checked against the model."""
    return client(service.url, shape_problems)


@pytest.fixture
def timed_sfn(timed_service: Running, shape_problems: list[str]) -> Any:
    """A boto3 client of ``timed_service``, responses checked against the model."""
    return client(timed_service.url, shape_problems)
