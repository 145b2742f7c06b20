"""The lean relay (``edgeworks.edge.relay``): what the general path guarantees holds there too.

Each test first makes the request qualify: an origin connection waits in the pool, and a GET
key is marked uncacheable by one earlier trip through the general path. It then checks that
the request was relayed from callbacks (``app.relayed``) and what the viewer and the origin saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from conftest import free_port
from edge.test_proxy_streaming import _drain_response, _rss
from edge.test_proxy_support import OriginApp, Stack, fetch
from edgeworks.config.model import Distribution, ErrorResponse
from edgeworks.http.server import Request, Response


@pytest.fixture
def stack() -> Iterator[Stack]:
    with Stack() as running:
        yield running


def relayed(stack: Stack) -> int:
    assert stack.app is not None
    return stack.app.relayed


def test_a_marked_get_is_relayed_with_via_date_and_forwarding(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/plain/a")
    before = relayed(stack)
    reply, body = fetch(conn, "GET", "/plain/a", {"Via": "1.0 up", "X-Forwarded-For": "1.2.3.4"})
    assert relayed(stack) == before + 1
    assert reply.status == 200
    assert reply.getheader("x-cache") == "Miss from edgeworks"
    assert reply.getheader("via") == "1.1 edgeworks"
    assert reply.getheader("date") is not None
    assert body.startswith(b"GET /plain/a #2")
    fields = dict(stack.origin.seen[-1].headers)
    assert fields[b"via"] == b"1.0 up, 1.1 edgeworks"
    assert fields[b"x-forwarded-for"] == b"1.2.3.4, 127.0.0.1"
    assert fields[b"host"] == b"127.0.0.1:%d" % stack.origin_port
    assert len(stack.origin.ports) == 1  # one pooled origin connection for both


def test_relayed_requests_are_logged_and_counted_once(stack: Stack) -> None:
    conn = stack.client()
    for _ in range(5):
        fetch(conn, "GET", "/plain/count")
    fetch(conn, "DELETE", "/plain/count")
    counts = stack.tracer.metrics.snapshot()
    assert relayed(stack) == 5
    assert counts["requests"] == 6
    assert counts["result_miss"] == 5
    assert counts["result_pass"] == 1


def test_hop_by_hop_fields_are_removed_both_ways(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/hop")
    before = relayed(stack)
    headers = {"Connection": "X-Private", "X-Private": "secret", "TE": "trailers"}
    reply, body = fetch(conn, "GET", "/hop", headers)
    assert relayed(stack) == before + 1
    seen = dict(stack.origin.seen[-1].headers)
    assert b"x-private" not in seen and b"te" not in seen
    assert reply.getheader("x-secret") is None
    assert reply.getheader("keep-alive") is None
    assert reply.getheader("x-visible") == "shown"
    assert reply.getheader("date") is not None  # the origin sent none (RFC 9110 §6.6.1)
    assert body == b"ok"


def test_head_and_bodiless_statuses_are_relayed_without_body(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/plain/warm")
    before = relayed(stack)
    head, empty = fetch(conn, "HEAD", "/plain/h")
    assert head.status == 200 and empty == b""
    assert head.getheader("content-length") is not None
    assert stack.origin.seen[-1].method == "HEAD"
    for status in (204, 304):
        fetch(conn, "GET", f"/status/{status}")
        reply, body = fetch(conn, "GET", f"/status/{status}")
        assert reply.status == status and body == b""
    assert relayed(stack) == before + 3


def test_unsafe_bodiless_method_invalidates_the_cached_url(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/cache/doc")
    hit, _ = fetch(conn, "GET", "/cache/doc")
    assert hit.getheader("x-cache") == "Hit from edgeworks"
    before = relayed(stack)
    reply, _ = fetch(conn, "DELETE", "/cache/doc")
    assert reply.status == 200 and relayed(stack) == before + 1
    after, _ = fetch(conn, "GET", "/cache/doc")
    assert after.getheader("x-cache") == "Miss from edgeworks"  # RFC 9111 §4.4


def test_targeted_fields_are_hidden_on_a_relayed_head(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/plain/warm")
    # A HEAD goes through the relay: the targeted field reaches the cache, not the viewer.
    before = relayed(stack)
    reply, _ = fetch(conn, "HEAD", "/targeted/x")
    assert relayed(stack) == before + 1
    assert reply.getheader("cdn-cache-control") is None
    assert reply.getheader("x-cache") == "Miss from edgeworks"


def test_chunked_origin_body_streams_through_the_relay(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/big?size=3000000&framing=chunked")
    before = relayed(stack)
    reply, body = fetch(conn, "GET", "/big?size=3000000&framing=chunked")
    assert relayed(stack) == before + 1
    assert reply.status == 200
    assert reply.getheader("transfer-encoding") == "chunked"
    assert body == b"x" * 3000000


def test_early_hints_reach_the_viewer_through_the_relay(stack: Stack) -> None:
    fetch(stack.client(), "GET", "/hints", {"Host": "e"})  # the key holds the Host
    before = relayed(stack)
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=5) as sock:
        sock.sendall(b"GET /hints HTTP/1.1\r\nHost: e\r\n\r\n")
        data = b""
        while b"\r\n\r\nGET /hints" not in data:
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
    assert relayed(stack) == before + 1
    assert data.startswith(b"HTTP/1.1 103 Early Hints\r\nlink: </s.css>; rel=preload\r\n\r\n")


def test_pipelined_and_http10_viewers(stack: Stack) -> None:
    fetch(stack.client(), "GET", "/plain/p", {"Host": "e"})
    before = relayed(stack)
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=5) as sock:
        sock.sendall(b"GET /plain/p HTTP/1.1\r\nHost: e\r\n\r\n" * 3)
        data = b""
        while data.count(b"GET /plain/p #") < 3:  # answers 2, 3 and 4
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
    numbers = [int(part[:1]) for part in data.split(b"GET /plain/p #")[1:]]
    assert numbers == sorted(numbers)
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=5) as sock:
        sock.sendall(b"GET /plain/p HTTP/1.0\r\nHost: e\r\nConnection: keep-alive\r\n\r\n")
        data = b""
        while b"GET /plain/p #5" not in data:
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
    assert data.startswith(b"HTTP/1.1 200")
    assert b"connection: keep-alive" in data.lower()
    assert relayed(stack) == before + 4


def test_custom_origin_headers_and_path_prefix_apply() -> None:
    def shape(dist: Distribution) -> Distribution:
        origin = dataclasses.replace(
            dist.origins["origin"], path="/base", custom_headers=(("X-Origin-Key", "k1"),)
        )
        return dataclasses.replace(dist, origins={"origin": origin})

    with Stack(shape=shape) as running:
        conn = running.client()
        fetch(conn, "GET", "/plain/c", {"X-Origin-Key": "viewer"})
        before = relayed(running)
        fetch(conn, "GET", "/plain/c", {"X-Origin-Key": "viewer"})
        assert relayed(running) == before + 1
        seen = running.origin.seen[-1]
        assert seen.target == b"/base/plain/c"
        assert dict(seen.headers)[b"x-origin-key"] == b"k1"


def test_read_timeout_is_504_with_a_reason() -> None:
    with Stack(read_timeout=1.0) as running:
        conn = running.client()
        fetch(conn, "GET", "/plain/warm")
        before = relayed(running)
        reply, body = fetch(conn, "DELETE", "/slow?delay=3")
        assert relayed(running) == before + 1
        assert reply.status == 504
        assert reply.getheader("x-cache") == "Error from edgeworks"
        assert body.strip() == b"origin read timed out"


def test_a_viewer_that_leaves_mid_body_frees_the_origin_connection(stack: Stack) -> None:
    fetch(stack.client(), "GET", "/plain/warm")
    before = relayed(stack)
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=5) as sock:
        sock.sendall(b"DELETE /big?size=100000000 HTTP/1.1\r\nHost: e\r\n\r\n")
        assert sock.recv(65536)
    reply, body = fetch(stack.client(), "GET", "/plain/after")
    assert reply.status == 200 and body.startswith(b"GET /plain/after")
    assert relayed(stack) >= before + 1
    counts = stack.tracer.metrics.snapshot()
    assert counts["requests"] == 3


class _Flaky:
    """A raw origin that closes each connection when its second request arrives, unanswered.

    Paths under ``/close/`` are answered without framing (the body runs until the close).
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[bytes] = []
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait(5)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        start = asyncio.start_server(self._serve, "127.0.0.1", self.port)
        server = self._loop.run_until_complete(start)
        ready.set()
        with contextlib.suppress(RuntimeError):
            self._loop.run_until_complete(server.serve_forever())

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            for number in range(2):
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests.append(head)
                if number == 1 and b"keep=1" not in head:
                    break  # the pooled connection dies under the request
                path = head.split(b" ", 2)[1]
                body = b"answer to " + path
                if path.startswith(b"/close/"):
                    writer.write(b"HTTP/1.1 200 OK\r\ncache-control: no-store\r\n\r\n" + body)
                    break
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncache-control: no-store\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
        writer.close()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


@pytest.fixture
def flaky() -> Iterator[tuple[_Flaky, Stack]]:
    origin = _Flaky()
    stack = Stack(origin_port=origin.port)
    stack.origin = None  # type: ignore[assignment]  # the raw origin stands in for it
    with stack as running:
        yield origin, running
    origin.stop()


def test_a_pooled_connection_closed_under_a_get_is_retried(flaky: tuple[_Flaky, Stack]) -> None:
    origin, stack = flaky
    conn = stack.client()
    fetch(conn, "GET", "/r")
    before = relayed(stack)
    reply, body = fetch(conn, "GET", "/r")
    assert relayed(stack) == before + 1
    assert reply.status == 200 and body == b"answer to /r"
    assert len(origin.requests) == 3  # first, the one the closing connection swallowed, retry


def test_a_bodiless_post_on_a_closed_pooled_connection_is_not_retried(
    flaky: tuple[_Flaky, Stack],
) -> None:
    origin, stack = flaky
    conn = stack.client()
    fetch(conn, "GET", "/r")
    reply, body = fetch(conn, "POST", "/r")
    assert reply.status == 502
    assert body.strip() == b"origin closed the connection"
    assert len(origin.requests) == 2


def test_a_close_delimited_body_ends_with_the_origin_close(flaky: tuple[_Flaky, Stack]) -> None:
    _, stack = flaky
    conn = stack.client()
    fetch(conn, "GET", "/warm?keep=1")
    before = relayed(stack)
    reply, body = fetch(conn, "DELETE", "/close/x?keep=1")
    assert relayed(stack) == before + 1
    assert reply.status == 200 and body == b"answer to /close/x?keep=1"
    assert reply.getheader("transfer-encoding") == "chunked"


class _Cacheable(OriginApp):
    """An origin whose ``/flip`` turns cacheable once ``storable`` is set."""

    storable = False

    async def handle(self, request: Request, response: Response) -> None:
        if request.path != b"/flip":
            await super().handle(request, response)
            return
        self.seen.append(request)
        control = b"max-age=60" if self.storable else b"no-store"
        body = b"flip %d" % len(self.seen)
        response.write_head(200, b"OK", [(b"cache-control", control)], len(body))
        await response.write(body)


def test_a_marked_key_turning_cacheable_is_stored_by_the_relay() -> None:
    origin = _Cacheable()
    with Stack(origin) as running:
        conn = running.client()
        fetch(conn, "GET", "/flip")  # general path: not shareable, the key is marked
        fetch(conn, "GET", "/flip")  # relayed: the cache refuses it, and the relay remembers
        origin.storable = True
        before = relayed(running)
        reply, body = fetch(conn, "GET", "/flip")
        assert relayed(running) == before + 1
        assert reply.getheader("x-cache") == "Miss from edgeworks"
        again, same = fetch(conn, "GET", "/flip")
        assert again.getheader("x-cache") == "Hit from edgeworks"
        assert same == body == b"flip 3"


def test_a_large_relayed_body_streams_with_flat_memory(stack: Stack) -> None:
    size = 200 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=30) as sock:
        sock.sendall(b"DELETE /big?size=1048576 HTTP/1.1\r\nHost: e\r\n\r\n")
        _drain_response(sock)  # warms buffers and leaves an origin connection in the pool
        before, relayed_before = _rss(), relayed(stack)
        sock.sendall(b"DELETE /big?size=%d HTTP/1.1\r\nHost: e\r\n\r\n" % size)
        head, received, peak = _drain_response(sock)
    assert relayed(stack) == relayed_before + 1
    assert b" 200 " in head.split(b"\r\n")[0]
    assert received == size
    assert peak - before < 40 * 1024 * 1024


def _compressing(dist: Distribution) -> Distribution:
    behavior = dataclasses.replace(dist.default_behavior, compress=True)
    return dataclasses.replace(dist, default_behavior=behavior)


def _with_error_page(dist: Distribution) -> Distribution:
    return dataclasses.replace(dist, error_responses={404: ErrorResponse(404)})


@pytest.mark.parametrize("shape", [_compressing, _with_error_page])
def test_compression_and_error_pages_keep_requests_on_the_general_path(
    shape: Callable[[Distribution], Distribution],
) -> None:
    with Stack(shape=shape) as running:
        conn = running.client()
        for _ in range(3):
            reply, _ = fetch(conn, "GET", "/plain/g")
            assert reply.status == 200
        assert relayed(running) == 0
