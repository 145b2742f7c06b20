"""Repeats of a relayed head (``edgeworks.edge.relay.Rerun``), through real sockets.

A viewer that repeats a relayed request byte for byte is relayed again by the starter the first
relay left on the server's kept head, without routing, the hot-hit memo or the full lookup.
These tests check that it stays equal to the full path: it stops when the pass mark lapses,
when something is stored under the key or when the configuration changes, it forwards for the
viewer that asked, it keeps answers in order, and it logs what the full path logs.
"""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge import test_relay
from edge.test_proxy_support import Stack, fetch
from edge.test_relay import _Cacheable, _Flaky, relayed
from edgeworks.edge.accesslog import AccessLog, parse_log
from edgeworks.edge.relay import Rerun
from edgeworks.http.request import Request
from edgeworks.http.response import Response

flaky = test_relay.flaky  # an origin whose pooled connections die under their second request


@pytest.fixture
def stack() -> Iterator[Stack]:
    with Stack() as running:
        yield running


def reruns(stack: Stack) -> list[Rerun]:
    """The reruns the edge server keeps beside request heads it has seen."""
    assert stack.edge_server is not None
    seen = stack.edge_server.heads._seen.values()
    return [kept.starter for kept in seen if isinstance(kept.starter, Rerun)]


async def _forget_marks(stack: Stack) -> None:
    assert stack.app is not None
    stack.app._passes._until.clear()


def test_repeats_are_relayed_by_the_rerun_and_logged_as_the_first(tmp_path: Path) -> None:
    log = AccessLog(str(tmp_path / "access.log"))
    with Stack() as stack:
        stack.tracer.access_log = log
        conn = stack.client()
        fetch(conn, "GET", "/plain/r?x=1")  # the general path marks the key
        before = relayed(stack)
        replies = [fetch(conn, "GET", "/plain/r?x=1") for _ in range(4)]
        assert relayed(stack) == before + 4
        (rerun,) = reruns(stack)
        assert rerun.report is not None  # repeats 2 to 4 reported through it
        bodies = [body for _, body in replies]
        assert bodies == [b"GET /plain/r?x=1 #%d" % n for n in range(2, 6)]
        assert {reply.getheader("x-cache") for reply, _ in replies} == {"Miss from edgeworks"}
        counts = stack.tracer.metrics.snapshot()
        assert (counts["requests"], counts["result_miss"]) == (5, 5)
        assert stack.app is not None
        assert stack.app.cache.stats()["lookup_miss"] == 5  # a repeat counts its lookup
    log.close()
    records = parse_log((tmp_path / "access.log").read_text())
    assert len(records) == 5
    first_relayed = records[1]
    for record in records[1:]:
        assert (record.path, record.query, record.status) == ("/plain/r", "x=1", 200)
        assert (record.result, record.bytes_sent) == ("Miss", first_relayed.bytes_sent)
        assert record.origin_time is not None
        assert record.total_time >= record.origin_time


def test_a_lapsed_pass_mark_sends_the_repeat_back_to_the_full_path(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/plain/lapse")
    fetch(conn, "GET", "/plain/lapse")
    assert len(reruns(stack)) == 1
    stack.call(_forget_marks(stack))
    before = relayed(stack)
    reply, _ = fetch(conn, "GET", "/plain/lapse")  # a cold miss again: it may collapse
    assert relayed(stack) == before
    assert reply.getheader("x-cache") == "Miss from edgeworks"
    fetch(conn, "GET", "/plain/lapse")  # marked anew: relayed again
    assert relayed(stack) == before + 1


def test_a_response_stored_under_the_key_ends_the_reruns() -> None:
    origin = _Cacheable()
    with Stack(origin) as stack:
        conn = stack.client()
        fetch(conn, "GET", "/flip")
        fetch(conn, "GET", "/flip")  # relayed; leaves the rerun
        origin.storable = True
        fetch(conn, "GET", "/flip")  # the rerun relays it, and the cache stores it
        assert len(origin.seen) == 3
        hit, body = fetch(conn, "GET", "/flip")
        assert hit.getheader("x-cache") == "Hit from edgeworks"
        assert body == b"flip 3"
        assert len(origin.seen) == 3


def test_a_new_configuration_retires_the_reruns(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/plain/conf")
    fetch(conn, "GET", "/plain/conf")
    assert stack.app is not None
    origin = dataclasses.replace(
        stack.dist.origins["origin"], custom_headers=(("X-Generation", "2"),)
    )
    changed = dataclasses.replace(stack.dist, origins={"origin": origin})

    async def reload() -> None:
        assert stack.app is not None
        stack.app.reconfigure(changed)

    stack.call(reload())
    assert all(rerun.lane.retired for rerun in reruns(stack))
    fetch(conn, "GET", "/plain/conf")
    assert dict(stack.origin.seen[-1].headers)[b"x-generation"] == b"2"


def test_a_repeat_from_another_address_is_forwarded_for_that_address(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/plain/xff")
    fetch(conn, "GET", "/plain/xff")
    assert len(reruns(stack)) == 1
    other = stack.client()
    other.source_address = ("127.0.0.2", 0)
    before = relayed(stack)
    fetch(other, "GET", "/plain/xff")  # the same bytes, from another viewer
    assert relayed(stack) == before + 1
    fields = dict(stack.origin.seen[-1].headers)
    assert fields[b"x-forwarded-for"] == b"127.0.0.2"


def test_a_repeat_behind_a_request_in_flight_waits_its_turn(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/slow?delay=0.3")
    fetch(conn, "GET", "/slow?delay=0.3")
    assert len(reruns(stack)) == 1
    head = b"GET /slow?delay=0.3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=10) as sock:
        sock.sendall(head)  # relayed by the rerun
        time.sleep(0.1)
        sock.sendall(head)  # the same bytes while the first is in flight: queued behind it
        data = b""
        while data.count(b"GET /slow?delay=0.3 #") < 2:
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
    first, second = data.index(b" #3"), data.index(b" #4")
    assert first < second
    assert data.count(b"HTTP/1.1 200") == 2


def test_a_refusal_for_one_request_does_not_refuse_another() -> None:
    # The relay remembers the cache's refusals within a second; a refusal owed to the
    # request's own no-store (RFC 9111 §5.2.1.5) must not stop a plain request's store.
    origin = _Cacheable()
    with Stack(origin) as stack:
        conn = stack.client()
        fetch(conn, "GET", "/flip", {"X-Request": "1"})
        fetch(conn, "GET", "/flip", {"X-Request": "2"})  # relayed: refused, remembered
        origin.storable = True
        refused, _ = fetch(conn, "GET", "/flip", {"X-Request": "3", "Cache-Control": "no-store"})
        assert refused.getheader("x-cache") == "Miss from edgeworks"
        fetch(conn, "GET", "/flip", {"X-Request": "4"})  # plain: stored
        hit, body = fetch(conn, "GET", "/flip", {"X-Request": "5"})
        assert hit.getheader("x-cache") == "Hit from edgeworks"
        assert body == b"flip 4"
        assert len(origin.seen) == 4


def test_a_repeat_whose_pooled_connection_died_is_retried(flaky: tuple[_Flaky, Stack]) -> None:
    origin, stack = flaky
    conn = stack.client()
    replies = [fetch(conn, "GET", "/r") for _ in range(3)]
    assert len(reruns(stack)) == 1
    assert [(reply.status, body) for reply, body in replies] == [(200, b"answer to /r")] * 3
    # Each origin connection answers one request and dies under the second: the first
    # relay and the repeat each lost one request to a dying connection and tried again.
    assert len(origin.requests) == 5


def test_a_repeat_whose_body_streams_goes_on_through_a_relay(stack: Stack) -> None:
    conn = stack.client()
    size = 300_000
    for _ in range(4):
        reply, body = fetch(conn, "GET", f"/big?size={size}")
        assert reply.status == 200 and len(body) == size
    assert len(reruns(stack)) == 1
    counts = stack.tracer.metrics.snapshot()
    assert counts["requests"] == 4 and counts["status_2xx"] == 4


def test_early_hints_reach_the_viewer_of_a_repeat(stack: Stack) -> None:
    head = b"GET /hints HTTP/1.1\r\nHost: e\r\n\r\n"
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=5) as sock:
        answers = []
        for number in range(1, 5):
            sock.sendall(head)
            data = b""
            while b"GET /hints #%d" % number not in data:
                chunk = sock.recv(65536)
                assert chunk
                data += chunk
            answers.append(data)
    assert len(reruns(stack)) == 1
    for data in answers[1:]:
        assert data.startswith(b"HTTP/1.1 103 Early Hints\r\n")
        assert b"\r\n\r\nHTTP/1.1 200 Whatever\r\n" in data


def _wait_for_requests(stack: Stack, count: int) -> dict[str, int]:
    deadline = time.monotonic() + 5
    counts = stack.tracer.metrics.snapshot()
    while counts["requests"] < count and time.monotonic() < deadline:
        time.sleep(0.02)
        counts = stack.tracer.metrics.snapshot()
    return counts


def test_a_viewer_gone_before_a_whole_answer_is_reported_once(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/slow?delay=0.3")
    fetch(conn, "GET", "/slow?delay=0.3")
    assert len(reruns(stack)) == 1
    head = b"GET /slow?delay=0.3 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % stack.edge_port
    head += b"Accept-Encoding: identity\r\n\r\n"  # the bytes http.client sent: a repeat
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=5) as sock:
        sock.sendall(head)
    counts = _wait_for_requests(stack, 3)
    assert counts["requests"] == 3
    assert len(stack.origin.seen) == 3  # the origin was asked, and its answer read through
    reply, body = fetch(conn, "GET", "/slow?delay=0.3")
    assert reply.status == 200 and body.endswith(b"#4")


def test_a_viewer_gone_before_a_streamed_answer_stops_the_origin(stack: Stack) -> None:
    conn = stack.client()
    target = "/big?size=20000000&delay=0.3"
    for _ in range(2):
        reply, body = fetch(conn, "GET", target)
        assert len(body) == 20_000_000
    assert len(reruns(stack)) == 1
    head = b"GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (target.encode(), stack.edge_port)
    head += b"Accept-Encoding: identity\r\n\r\n"
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=5) as sock:
        sock.sendall(head)
    counts = _wait_for_requests(stack, 3)
    assert counts["requests"] == 3
    assert counts["bytes_out"] < 2 * 20_000_000 + 1_000_000  # the third body was not sent
    reply, body = fetch(conn, "GET", "/plain/after")
    assert reply.status == 200


def test_repeated_heads_and_bodiless_answers(stack: Stack) -> None:
    conn = stack.client()
    for _ in range(3):
        reply, body = fetch(conn, "HEAD", "/plain/h")
        assert reply.status == 200 and body == b""
        assert int(reply.getheader("content-length") or 0) > 0
    for _ in range(3):
        reply, body = fetch(conn, "GET", "/status/204")
        assert reply.status == 204 and body == b""
    verbs = sorted(rerun.call.verb for rerun in reruns(stack))
    assert verbs == [b"GET", b"HEAD"]
    reply, body = fetch(conn, "GET", "/plain/h")
    assert reply.status == 200 and body.startswith(b"GET /plain/h")


class _NoLink:
    """A link nobody may use: a rerun that declines answers nothing."""

    def respond(self) -> Response:
        raise AssertionError("a declined repeat made a response")

    def answer(self, data: bytes) -> bool:
        raise AssertionError("a declined repeat answered")

    def lost(self) -> bool:
        return False


def test_a_rerun_declines_a_repeat_over_another_scheme(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/plain/scheme")
    fetch(conn, "GET", "/plain/scheme")
    (rerun,) = reruns(stack)
    assert rerun.scheme == "http"
    fields = [(b"host", b"127.0.0.1:%d" % stack.edge_port)]
    tls = Request("GET", b"/plain/scheme", "1.1", fields, ("127.0.0.1", 1), scheme="https")
    assert rerun.start(tls, _NoLink()) is False
