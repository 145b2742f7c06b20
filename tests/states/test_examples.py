"""The sample functions and booking workflow in examples/functions run as documented."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.states.harness import Running, client, finished, machine

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "functions"


@pytest.fixture
def booking(tmp_path: Path, shape_problems: list[str]) -> Iterator[tuple[Any, str]]:
    running = Running(tmp_path / "data", EXAMPLES)
    try:
        sfn = client(running.url, shape_problems)
        definition = json.loads((EXAMPLES / "booking.asl.json").read_text())
        yield sfn, machine(sfn, definition, name="booking")
    finally:
        running.close()


def _book(sfn: Any, arn: str, **request: Any) -> dict[str, Any]:
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps(request))
    return finished(sfn, started["executionArn"])


def test_a_free_apartment_is_booked(booking: tuple[Any, str]) -> None:
    sfn, arn = booking

    done = _book(
        sfn, arn, apartment="apt-2", nights=["2026-12-24"], card="4242", amount=90, guest="Ana"
    )
    output = json.loads(done["output"])

    assert done["status"] == "SUCCEEDED"
    assert output["payment"]["amount"] == 90
    assert output["notice"] == {"to": "Ana", "message": "Your booking is confirmed."}


def test_a_declined_card_is_caught_and_reported(booking: tuple[Any, str]) -> None:
    sfn, arn = booking

    done = _book(
        sfn, arn, apartment="apt-2", nights=["2027-01-01"], card="40000", amount=5, guest="Bo"
    )

    assert done["status"] == "FAILED"
    assert done["error"] == "BookingRejected"


def test_an_unknown_apartment_is_caught_by_its_error_name(booking: tuple[Any, str]) -> None:
    sfn, arn = booking

    done = _book(sfn, arn, apartment="apt-9", nights=[], card="4242", amount=5, guest="Cy")

    assert (done["status"], done["error"]) == ("FAILED", "BookingRejected")
