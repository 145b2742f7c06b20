"""Counters: increments, status classes, results, and rows shared across forked workers."""

from __future__ import annotations

import json
import os
import time

import pytest

from edgeworks.edge.metrics import COUNTERS, CounterTable, Metrics, stats_body


def test_request_counts_bytes_status_class_and_result() -> None:
    metrics = Metrics()
    metrics.request(200, "Hit", 0, 1000)
    metrics.request(404, "Miss", 10, 200)
    metrics.request(502, "Error", 0, 90)
    metrics.origin_error()

    counters = metrics.snapshot()

    assert counters["requests"] == 3
    assert counters["bytes_in"] == 10
    assert counters["bytes_out"] == 1290
    assert (counters["status_2xx"], counters["status_4xx"], counters["status_5xx"]) == (1, 1, 1)
    assert (counters["result_hit"], counters["result_miss"], counters["result_error"]) == (1, 1, 1)
    assert counters["origin_errors"] == 1
    assert counters["workers"] == 1


def test_unknown_result_and_odd_status_are_counted_without_error() -> None:
    metrics = Metrics()
    metrics.request(999, "Surprise", 0, 0)
    metrics.request(204, "Pass", 0, 0)

    counters = metrics.snapshot()

    assert counters["result_other"] == 1
    assert counters["result_pass"] == 1
    assert sum(counters[f"status_{n}xx"] for n in range(1, 6)) == 1


def test_snapshot_has_every_counter() -> None:
    assert set(Metrics().snapshot()) == {*COUNTERS, "workers"}


def test_rows_of_one_table_sum_in_every_snapshot() -> None:
    table = CounterTable(3)
    first, third = table.metrics(0), table.metrics(2)
    first.request(200, "Hit", 0, 5)
    third.request(200, "Miss", 0, 7)

    assert first.snapshot()["bytes_out"] == 12
    assert third.snapshot()["requests"] == 2
    assert third.snapshot()["workers"] == 3


def test_shared_table_sees_a_forked_child_increment() -> None:
    table = CounterTable(2, shared=True)
    pid = os.fork()
    if pid == 0:  # the child counts in its own row, then leaves without cleanup
        table.metrics(1).request(200, "Hit", 0, 42)
        os._exit(0)
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert table.metrics(0).snapshot()["bytes_out"] == 42


@pytest.mark.parametrize("rows", [0, -1])
def test_table_needs_a_row(rows: int) -> None:
    with pytest.raises(ValueError, match=str(rows)):
        CounterTable(rows)


def test_row_outside_the_table_is_named() -> None:
    with pytest.raises(ValueError, match="row 2"):
        CounterTable(2).metrics(2)


def test_stats_body_is_json_with_counters() -> None:
    metrics = Metrics()
    metrics.request(301, "Pass", 0, 1)

    document = json.loads(stats_body(metrics, "node-a", time.time() - 5))

    assert document["node"] == "node-a"
    assert document["pid"] == os.getpid()
    assert document["uptime_seconds"] >= 5
    assert document["counters"]["status_3xx"] == 1
