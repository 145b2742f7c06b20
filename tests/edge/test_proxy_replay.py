"""Repeated hits answered by the server's replay of the hot memo, through real sockets.

A keep-alive viewer repeating a request head byte for byte is answered without the request
being rebuilt (``edgeworks.http.heads``, ``edgeworks.edge.pipeline_hot``). These tests check
that such answers stay equal to the full path's: reported once each, aged, and never served
after an invalidation (RFC 9111 §4.4).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.test_proxy_support import Stack, fetch
from edgeworks.config.model import CacheStorage, Distribution
from edgeworks.edge.accesslog import AccessLog, parse_log


@pytest.fixture
def stack() -> Stack:
    with Stack() as running:
        yield running


def test_replayed_hits_are_counted_and_carry_age(stack: Stack) -> None:
    conn = stack.client()
    began = time.monotonic()
    replies = [fetch(conn, "GET", "/cache/replay") for _ in range(8)]
    elapsed = time.monotonic() - began
    assert {body for _, body in replies} == {replies[0][1]}
    assert [reply.getheader("x-cache") for reply, _ in replies[1:]] == ["Hit from edgeworks"] * 7
    ages = [int(reply.getheader("age") or "-1") for reply, _ in replies[1:]]
    # Whole seconds since the response arrived (RFC 9111 §4.2.3): none can exceed the run.
    assert ages == sorted(ages) and ages[0] >= 0 and ages[-1] <= elapsed
    counts = stack.tracer.metrics.snapshot()
    assert counts["requests"] == 8
    assert counts["result_hit"] == 7
    assert len(stack.origin.seen) == 1
    assert stack.app is not None and len(stack.app._hot) == 1  # the memo answered them


def test_an_invalidation_stops_replays_on_open_connections(stack: Stack) -> None:
    # RFC 9111 §4.4: a successful unsafe request removes the stored response; a connection
    # that was being answered from the replay must see the origin's next version at once.
    viewer = stack.client()
    _, body = fetch(viewer, "GET", "/cache/gone")
    again, same = fetch(viewer, "GET", "/cache/gone")
    assert again.getheader("x-cache") == "Hit from edgeworks" and same == body
    deleted, _ = fetch(stack.client(), "DELETE", "/cache/gone")
    assert deleted.status == 200
    after, fresh = fetch(viewer, "GET", "/cache/gone")
    assert after.getheader("x-cache") == "Miss from edgeworks"
    assert fresh != body
    assert [request.method for request in stack.origin.seen] == ["GET", "DELETE", "GET"]


def test_a_different_head_is_not_answered_by_anothers_replay(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/cache/one")
    fetch(conn, "GET", "/cache/one")
    other, body = fetch(conn, "GET", "/cache/two")
    assert other.getheader("x-cache") == "Miss from edgeworks"
    assert body.startswith(b"GET /cache/two ")
    revalidate, _ = fetch(conn, "GET", "/cache/one", {"Cache-Control": "no-cache"})
    assert revalidate.getheader("x-cache") != "Hit from edgeworks"  # RFC 9111 §5.2.1.4


def test_replayed_hits_write_the_same_access_log_lines(tmp_path: Path) -> None:
    log = AccessLog(str(tmp_path / "access.log"))
    with Stack() as stack:
        stack.tracer.access_log = log
        conn = stack.client()
        sizes = []
        for _ in range(6):
            _, body = fetch(conn, "GET", "/cache/logged?x=1")
            sizes.append(len(body))
    log.close()
    records = parse_log((tmp_path / "access.log").read_text())
    assert [record.result for record in records] == ["Miss"] + ["Hit"] * 5
    for record in records:
        assert (record.client, record.method) == ("127.0.0.1", "GET")
        assert record.host == f"127.0.0.1:{stack.edge_port}"
        assert (record.path, record.query, record.status) == ("/cache/logged", "x=1", 200)
        assert record.total_time >= 0
    hits = records[1:]
    assert all(record.origin_time is None for record in hits)
    assert len({record.bytes_sent for record in hits}) == 1
    assert hits[0].bytes_sent > sizes[1]  # head and body


def _disk_only(path: Path) -> Callable[[Distribution], Distribution]:
    def shape(dist: Distribution) -> Distribution:
        storage = CacheStorage(memory_bytes=0, disk_path=str(path))
        return dataclasses.replace(dist, cache=storage)

    return shape


def test_disk_hits_are_replayed_with_the_body_read_again_each_time(tmp_path: Path) -> None:
    with Stack(shape=_disk_only(tmp_path / "disk")) as stack:
        conn = stack.client()
        replies = [fetch(conn, "GET", "/cache/on-disk") for _ in range(5)]
        assert len({body for _, body in replies}) == 1
        assert [reply.getheader("x-cache") for reply, _ in replies[1:]] == [
            "Hit from edgeworks"
        ] * 4
        assert stack.app is not None and len(stack.app._hot) == 1
        stats = stack.app.cache.stats()
        assert stats["memory_entries"] == 0 and stats["disk_entries"] == 1

        # The disk tier lets the file go behind the pipeline's back (as when another worker
        # replaces it): the next repeat must not answer from the memo, and goes to the origin.
        app = stack.app
        host = f"127.0.0.1:{stack.edge_port}".encode()

        async def drop() -> int:
            return app.cache.invalidate("DELETE", 200, host, b"/cache/on-disk", [])

        assert stack.call(drop()) == 1
        assert app.cache.stats()["disk_entries"] == 0
        after, body = fetch(conn, "GET", "/cache/on-disk")
        assert after.getheader("x-cache") == "Miss from edgeworks"
        assert body != replies[0][1]
        assert len(stack.origin.seen) == 2


def test_disk_hits_on_new_connections_carry_their_body(tmp_path: Path) -> None:
    # Each request on its own connection: the memo answers through respond_now, not a replay.
    with Stack(shape=_disk_only(tmp_path / "disk")) as stack:
        bodies = []
        for _ in range(4):
            conn = stack.client()
            reply, body = fetch(conn, "GET", "/cache/fresh-conn", {"Connection": "close"})
            assert int(reply.getheader("content-length", "-1")) == len(body) > 0
            bodies.append(body)
            conn.close()
        assert len(set(bodies)) == 1
        assert len(stack.origin.seen) == 1
