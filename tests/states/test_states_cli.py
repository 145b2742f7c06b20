"""``edgeworks states``: argument mistakes are one-line errors, never tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgeworks.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["states", "--listen", "nowhere"], "--listen must be HOST:PORT, got 'nowhere'"),
        (
            ["states", "--functions", "/no/such/folder"],
            "--functions '/no/such/folder' is not a folder",
        ),
    ],
)
def test_mistakes_are_reported_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(argv)

    err = capsys.readouterr().err
    assert status == 2
    assert message in err
    assert "Traceback" not in err


def test_a_taken_port_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = main(["states", "--listen", f"127.0.0.1:{port}", "--data-dir", str(tmp_path)])

    err = capsys.readouterr().err
    assert status == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err


def test_a_data_dir_that_is_a_file_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")

    status = main(["states", "--listen", "127.0.0.1:0", "--data-dir", str(blocker)])

    err = capsys.readouterr().err
    assert status == 2
    assert f"cannot use --data-dir '{blocker}'" in err


def test_a_data_dir_in_use_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from edgeworks.states.store.lock import DirectoryLock

    tmp_path.joinpath("data").mkdir()
    held = DirectoryLock(tmp_path / "data" / "states.lock")
    try:
        status = main(["states", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "data")])
    finally:
        held.release()

    err = capsys.readouterr().err
    assert status == 2
    assert "is in use by another edgeworks states process" in err
