"""The supervisor, run in a real process: restarts, reload forwarding, stop on SIGTERM."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Each child appends "<row> <pid> <event>" lines to a file: "start", then "hup" per SIGHUP.
# Validation reads a flag file, so a test can make a reload be refused.
SCRIPT = textwrap.dedent(
    """
    import logging, os, signal, sys
    from functools import partial
    from pathlib import Path
    from edgeworks.edge.supervisor import Supervisor

    logging.basicConfig(level=logging.INFO)
    events, flag = Path(sys.argv[1]), Path(sys.argv[2])

    def note(row, what):
        with events.open("a") as out:
            out.write(f"{row} {os.getpid()} {what}\\n")

    def child(row):
        signal.signal(signal.SIGHUP, lambda *_: note(row, "hup"))
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        note(row, "start")
        while True:
            signal.pause()

    def validate():
        return flag.read_text() == "good"

    sys.exit(Supervisor([partial(child, 0), partial(child, 1)], validate, grace=5.0).run())
    """
)


def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def events(path: Path) -> list[tuple[int, int, str]]:
    if not path.exists():
        return []
    rows = [line.split() for line in path.read_text().splitlines()]
    return [(int(row), int(pid), what) for row, pid, what in rows]


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, Path]]:
    log, flag = tmp_path / "events", tmp_path / "flag"
    flag.write_text("good")
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(log), str(flag)],
        stderr=(tmp_path / "stderr").open("wb"),
    )
    try:
        wait_for(lambda: len(events(log)) == 2)
        yield proc, log, flag
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        for _, pid, _ in events(log):  # children outlive a killed supervisor: end them too
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_killed_child_is_started_again(
    supervised: tuple[subprocess.Popen[bytes], Path, Path],
) -> None:
    _, log, _ = supervised
    victim = next(pid for row, pid, _ in events(log) if row == 1)

    os.kill(victim, signal.SIGKILL)

    wait_for(lambda: len([e for e in events(log) if e[0] == 1 and e[2] == "start"]) == 2)
    restarted = [pid for row, pid, what in events(log) if row == 1 and what == "start"][-1]
    assert restarted != victim


def test_good_reload_reaches_every_child_and_bad_one_none(
    supervised: tuple[subprocess.Popen[bytes], Path, Path],
) -> None:
    proc, log, flag = supervised

    flag.write_text("bad")
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)  # a refused reload leaves no trace to wait for; give it the time it needs
    flag.write_text("good")
    proc.send_signal(signal.SIGHUP)

    wait_for(lambda: len([e for e in events(log) if e[2] == "hup"]) == 2)
    time.sleep(0.2)
    assert sorted(row for row, _, what in events(log) if what == "hup") == [0, 1]


def test_sigterm_stops_children_and_exits_zero(
    supervised: tuple[subprocess.Popen[bytes], Path, Path],
) -> None:
    proc, log, _ = supervised

    proc.send_signal(signal.SIGTERM)

    assert proc.wait(10) == 0
    for _, pid, _ in events(log):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_children_stop_when_the_supervisor_is_killed(
    supervised: tuple[subprocess.Popen[bytes], Path, Path],
) -> None:
    proc, log, _ = supervised
    children = [pid for _, pid, _ in events(log)]

    proc.kill()
    proc.wait(5)

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_for(lambda: all(gone(pid) for pid in children))
