"""The manual clock and the SQLite store, without the API in front."""

from __future__ import annotations

import asyncio
from pathlib import Path

from edgeworks.states.runtime import ManualClock
from edgeworks.states.runtime.journal import Journal
from edgeworks.states.store import ExecutionRecord, Store


def test_manual_clock_wakes_sleepers_in_due_order() -> None:
    clock = ManualClock(start=100.0)
    woke: list[str] = []

    async def sleeper(name: str, when: float) -> None:
        await clock.sleep_until(when)
        woke.append(name)

    async def scenario() -> None:
        tasks = [
            asyncio.create_task(sleeper("late", 130)),
            asyncio.create_task(sleeper("soon", 110)),
        ]
        await asyncio.sleep(0)
        assert clock.pending() == [110, 130]
        clock.advance(15)
        await asyncio.sleep(0.01)
        assert woke == ["soon"]
        clock.advance(15)
        await asyncio.gather(*tasks)

    asyncio.run(scenario())

    assert woke == ["soon", "late"]
    assert clock.now() == 130


def _execution(arn: str) -> ExecutionRecord:
    return ExecutionRecord(
        arn=arn, machine_arn="m", name="n", status="RUNNING", input="{}", started=1.0,
        definition="{}", role_arn="r", machine_updated=1.0, revision_id="v",
    )  # fmt: skip


def test_journal_survives_reopening_and_replays_by_key(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = Store(path)
    store.add_execution(_execution("e1"))
    journal = Journal("e1", store)
    first = journal.emit("start", "ExecutionStarted", 0, 5.0, {})
    second = journal.emit("/0:A:entered", "PassStateEntered", first.id, 6.0, {"x": {"y": 1}})
    due = journal.timer("/1:W:wait", 100.0)
    store.close()

    reopened = Store(path)
    replay = Journal("e1", reopened)
    again = replay.emit("/0:A:entered", "PassStateEntered", 1, 99.0, {})
    later = replay.timer("/1:W:wait", 500.0)

    assert again == second
    assert later == due == 100.0
    assert [e.id for e in reopened.events("e1")] == [1, 2]
    assert [e.id for e in replay.events] == [1, 2]
    assert reopened.running_executions()[0].arn == "e1"


def test_finish_keeps_the_first_end(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.add_execution(_execution("e2"))

    store.finish_execution("e2", status="ABORTED", stopped=2.0)
    store.finish_execution("e2", status="SUCCEEDED", stopped=3.0, output="{}")
    found = store.execution("e2")

    assert found is not None
    assert (found.status, found.stopped, found.output) == ("ABORTED", 2.0, None)
