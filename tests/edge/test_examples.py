"""The example configurations load without a single problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgeworks.cli import main
from edgeworks.config import load_config

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("distribution*.*"))


def test_there_are_examples() -> None:
    assert EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_loads(path: Path) -> None:
    dist = load_config(path)

    assert dist.origins
    assert dist.default_behavior.target_origin_id


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_check_command_accepts_example(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", str(path)])

    assert status == 0
    assert "OK" in capsys.readouterr().out
