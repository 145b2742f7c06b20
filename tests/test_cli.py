"""The command line assembles every area's sub-commands."""

from __future__ import annotations

import pytest

from edgeworks.cli import main


def test_version_prints_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("edgeworks ")
