"""The edge pipeline through real sockets: forwarding, headers, caching, errors, reuse."""

from __future__ import annotations

import dataclasses
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable

import pytest
import trustme

from conftest import free_port
from edge.test_proxy_support import OriginApp, Stack, fetch
from edgeworks.config.model import Distribution, OriginGroup


@pytest.fixture
def stack() -> Stack:
    with Stack() as running:
        yield running


def test_miss_then_hit_with_age_and_via(stack: Stack) -> None:
    conn = stack.client()
    first, body = fetch(conn, "GET", "/cache/a")
    assert first.status == 200
    assert first.getheader("x-cache") == "Miss from edgeworks"
    assert first.getheader("via") == "1.1 edgeworks"
    second, again = fetch(conn, "GET", "/cache/a")
    assert second.getheader("x-cache") == "Hit from edgeworks"
    assert second.getheader("age") is not None
    assert "edgeworks" in second.getheader("via", "")
    assert again == body
    assert len(stack.origin.seen) == 1


def test_head_is_answered_from_the_get_entry(stack: Stack) -> None:
    conn = stack.client()
    _, body = fetch(conn, "GET", "/cache/h")
    head, empty = fetch(conn, "HEAD", "/cache/h")
    assert head.getheader("x-cache") == "Hit from edgeworks"
    assert head.getheader("content-length") == str(len(body))
    assert empty == b""


def test_uncacheable_response_goes_to_the_origin_each_time(stack: Stack) -> None:
    conn = stack.client()
    for _ in range(3):
        reply, _ = fetch(conn, "GET", "/plain")
        assert reply.getheader("x-cache") == "Miss from edgeworks"
    assert len(stack.origin.seen) == 3


def test_origin_connection_is_reused(stack: Stack) -> None:
    conn = stack.client()
    for number in range(20):
        reply, body = fetch(conn, "GET", f"/plain/{number}")
        assert reply.status == 200
        assert body.startswith(b"GET /plain/%d " % number)
    assert len(stack.origin.seen) == 20
    assert len(stack.origin.ports) == 1


def test_hop_by_hop_fields_are_removed_both_ways(stack: Stack) -> None:
    conn = stack.client()
    headers = {
        "Connection": "keep-alive, X-Private",
        "X-Private": "do not forward",
        "Keep-Alive": "timeout=5",
        "TE": "trailers",
        "Upgrade": "websocket",
        "X-Public": "forward me",
    }
    reply, _ = fetch(conn, "GET", "/hop", headers)
    seen = dict(stack.origin.seen[-1].headers)
    for name in (b"x-private", b"keep-alive", b"te", b"upgrade", b"connection"):
        assert name not in seen
    assert seen[b"x-public"] == b"forward me"
    assert reply.getheader("x-secret") is None
    assert reply.getheader("keep-alive") is None
    assert reply.getheader("x-visible") == "shown"


def test_via_forwarded_for_and_host_reach_the_origin(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/h?q=1", {"Via": "1.0 upstream", "X-Forwarded-For": "203.0.113.9"})
    seen = stack.origin.seen[-1]
    fields = dict(seen.headers)
    assert fields[b"via"] == b"1.0 upstream, 1.1 edgeworks"
    assert fields[b"x-forwarded-for"] == b"203.0.113.9, 127.0.0.1"
    assert fields[b"host"] == b"127.0.0.1:%d" % stack.origin_port
    assert seen.target == b"/h?q=1"


def test_post_body_and_extension_method_are_forwarded(stack: Stack) -> None:
    conn = stack.client()
    reply, body = fetch(conn, "POST", "/form", body=b"a=1&b=2")
    assert reply.status == 200
    assert stack.origin.bodies[-1] == b"a=1&b=2"
    reply, body = fetch(conn, "PURGE-THING", "/x")
    assert body.startswith(b"PURGE-THING /x ")


def test_unsafe_method_invalidates_the_cached_url(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/cache/doc")
    hit, _ = fetch(conn, "GET", "/cache/doc")
    assert hit.getheader("x-cache") == "Hit from edgeworks"
    fetch(conn, "PUT", "/cache/doc", body=b"new")
    after, _ = fetch(conn, "GET", "/cache/doc")
    assert after.getheader("x-cache") == "Miss from edgeworks"


def test_revalidation_with_304_is_a_refresh_hit(stack: Stack) -> None:
    conn = stack.client()
    first, body = fetch(conn, "GET", "/etag/x")
    assert first.getheader("x-cache") == "Miss from edgeworks"
    second, again = fetch(conn, "GET", "/etag/x")
    assert second.getheader("x-cache") == "RefreshHit from edgeworks"
    assert again == body
    assert stack.origin.seen[-1].headers.count((b"if-none-match", b'"v1"')) == 1


def test_origin_status_passes_through(stack: Stack) -> None:
    reply, _ = fetch(stack.client(), "GET", "/status/404")
    assert reply.status == 404
    assert reply.getheader("x-cache") == "Miss from edgeworks"


def test_origin_down_is_502() -> None:
    with Stack(origin_port=None) as running:
        running.stop_origin()
        reply, body = fetch(running.client(), "GET", "/anything")
        assert reply.status == 502
        assert reply.getheader("x-cache") == "Error from edgeworks"
        assert body.strip()
        assert running.tracer.metrics.snapshot()["origin_errors"] >= 1


def test_origin_timeout_is_504() -> None:
    with Stack(read_timeout=0.3) as running:
        reply, body = fetch(running.client(), "GET", "/slow?delay=0.8")
        assert reply.status == 504
        assert reply.getheader("x-cache") == "Error from edgeworks"
        assert body.strip()


def test_access_log_and_counters_see_every_request(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/cache/c")
    fetch(conn, "GET", "/cache/c")
    counts = stack.tracer.metrics.snapshot()
    assert counts["requests"] == 2
    assert counts["result_hit"] == 1
    assert counts["result_miss"] == 1


def test_method_outside_allowed_methods_is_403() -> None:
    def narrow(dist: Distribution) -> Distribution:
        behavior = dataclasses.replace(
            dist.default_behavior, allowed_methods=frozenset({"GET", "HEAD"})
        )
        return dataclasses.replace(dist, default_behavior=behavior)

    with Stack(shape=narrow) as running:
        conn = running.client()
        reply, body = fetch(conn, "DELETE", "/x")
        assert reply.status == 403
        assert reply.getheader("x-cache") == "Error from edgeworks"
        assert b"not allowed" in body
        reply, _ = fetch(conn, "GET", "/x")
        assert reply.status == 200
        assert [r.method for r in running.origin.seen] == ["GET"]


def test_origin_group_fails_over_to_the_secondary() -> None:
    backup = OriginApp()
    with Stack(backup) as second:

        def grouped(dist: Distribution) -> Distribution:
            dead = dataclasses.replace(dist.origins["origin"], port=free_port())
            live = dataclasses.replace(dist.origins["origin"], port=second.origin_port)
            group = OriginGroup("group", "dead", "live", frozenset({500, 502, 503}))
            behavior = dataclasses.replace(dist.default_behavior, target_origin_id="group")
            return dataclasses.replace(
                dist,
                origins={"dead": dead, "live": live},
                origin_groups={"group": group},
                default_behavior=behavior,
            )

        with Stack(shape=grouped) as running:
            reply, body = fetch(running.client(), "GET", "/status/200")
            assert reply.status == 200
            assert body.startswith(b"GET /status/200 ")
            assert len(backup.seen) == 1


def test_early_hints_reach_the_viewer(stack: Stack) -> None:
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=5) as sock:
        sock.sendall(b"GET /hints HTTP/1.1\r\nHost: e\r\n\r\n")
        data = b""
        while b"\r\n\r\nGET /hints" not in data:
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
    assert data.startswith(b"HTTP/1.1 103 Early Hints\r\nlink: </s.css>; rel=preload\r\n\r\n")
    assert b"HTTP/1.1 200" in data


def test_head_miss_goes_to_the_origin_as_head(stack: Stack) -> None:
    conn = stack.client()
    reply, body = fetch(conn, "HEAD", "/plain/head")
    assert reply.status == 200
    assert body == b""
    assert stack.origin.seen[-1].method == "HEAD"
    assert reply.getheader("content-length") is not None


def test_hits_are_replayed_and_invalidated_together(stack: Stack) -> None:
    conn = stack.client()
    fetch(conn, "GET", "/cache/hot")
    for _ in range(5):
        reply, _ = fetch(conn, "GET", "/cache/hot")
        assert reply.getheader("x-cache") == "Hit from edgeworks"
    fetch(conn, "DELETE", "/cache/hot")
    reply, _ = fetch(conn, "GET", "/cache/hot")
    assert reply.getheader("x-cache") == "Miss from edgeworks"


def _concurrently(stack: Stack, target: str, count: int) -> list[tuple[int, str, bytes]]:
    results: list[tuple[int, str, bytes]] = []

    def one() -> None:
        reply, body = fetch(stack.client(), "GET", target)
        results.append((reply.status, reply.getheader("x-cache", ""), body))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def test_concurrent_misses_collapse_into_one_origin_fetch(stack: Stack) -> None:
    results = _concurrently(stack, "/slowcache/c?delay=0.4", 5)
    assert len(results) == 5
    assert len(stack.origin.seen) == 1
    assert {body for _, _, body in results} == {results[0][2]}
    assert sorted(x_cache for _, x_cache, _ in results) == [
        *["Hit from edgeworks"] * 4,
        "Miss from edgeworks",
    ]


def test_uncacheable_responses_are_not_shared(stack: Stack) -> None:
    results = _concurrently(stack, "/slow/u?delay=0.3", 3)
    assert [status for status, _, _ in results] == [200, 200, 200]
    assert len(stack.origin.seen) == 3


def test_stale_while_revalidate_serves_stale_and_refreshes(stack: Stack) -> None:
    conn = stack.client()
    _, first = fetch(conn, "GET", "/swr/a")
    # max-age=2 with a whole-second Date: stale after 1 to 2 s, and the refreshed copy stays
    # fresh for at least a second, long enough for the last fetch below.
    time.sleep(2.1)
    stale, body = fetch(conn, "GET", "/swr/a")
    assert stale.getheader("x-cache") == "Hit from edgeworks"
    assert body == first
    deadline = time.monotonic() + 3
    while len(stack.origin.seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.05)
    fresh, refreshed = fetch(conn, "GET", "/swr/a")
    assert fresh.getheader("x-cache") == "Hit from edgeworks"
    assert refreshed != first
    assert len(stack.origin.seen) == 2


def test_stale_if_error_serves_the_entry_when_the_origin_is_down(stack: Stack) -> None:
    conn = stack.client()
    _, first = fetch(conn, "GET", "/sie/a")
    time.sleep(1.2)
    stack.stop_origin()
    reply, body = fetch(conn, "GET", "/sie/a")
    assert reply.status == 200
    assert reply.getheader("x-cache") == "Hit from edgeworks"
    assert body == first
    missing, _ = fetch(conn, "GET", "/never-stored")
    assert missing.status == 502


def _raw_exchange(stack: Stack, *pieces: bytes, pause: float = 0.0) -> bytes:
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=5) as sock:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(pause)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_expect_continue_through_the_proxy(stack: Stack) -> None:
    head = (
        b"PUT /upload HTTP/1.1\r\nHost: e\r\nContent-Length: 5\r\n"
        b"Expect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=5) as sock:
        sock.sendall(head)
        interim = sock.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(b"hello")
        data = interim[len(b"HTTP/1.1 100 Continue\r\n\r\n") :]
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 ")
    assert stack.origin.bodies[-1] == b"hello"
    assert stack.origin.seen[-1].headers.count((b"expect", b"100-continue")) == 0


def test_http10_viewer_gets_a_close_delimited_or_sized_answer(stack: Stack) -> None:
    data = _raw_exchange(stack, b"GET /big?size=70000&framing=chunked HTTP/1.0\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"transfer-encoding" not in head.lower()
    assert len(body) == 70000


def test_requests_the_server_refuses_are_counted(stack: Stack) -> None:
    data = _raw_exchange(stack, b"GET / HTTP/1.1\r\nHost: e\r\nBad Name: x\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 400 ")
    counts = stack.tracer.metrics.snapshot()
    assert counts["requests"] == 1
    assert counts["result_error"] == 1
    assert counts["status_4xx"] == 1


def test_custom_origin_headers_and_origin_path_reach_the_origin() -> None:
    def custom(dist: Distribution) -> Distribution:
        origin = dataclasses.replace(
            dist.origins["origin"], custom_headers=(("X-Origin-Secret", "s3cr3t"),), path="/base"
        )
        return dataclasses.replace(dist, origins={"origin": origin})

    with Stack(shape=custom) as running:
        reply, _ = fetch(running.client(), "GET", "/p?x=1", {"X-Origin-Secret": "viewer"})
        assert reply.status == 200
        seen = running.origin.seen[-1]
        assert seen.target == b"/base/p?x=1"
        assert [v for n, v in seen.headers if n == b"x-origin-secret"] == [b"s3cr3t"]


def test_targeted_cache_fields_are_kept_from_viewers(stack: Stack) -> None:
    conn = stack.client()
    miss, _ = fetch(conn, "GET", "/targeted/a")
    assert miss.getheader("x-cache") == "Miss from edgeworks"
    assert miss.getheader("cdn-cache-control") is None
    hit, _ = fetch(conn, "GET", "/targeted/a")
    assert hit.getheader("x-cache") == "Hit from edgeworks"
    assert hit.getheader("cdn-cache-control") is None


def test_head_with_a_new_etag_retires_the_stored_get(stack: Stack) -> None:
    conn = stack.client()
    _, first = fetch(conn, "GET", "/version/a")
    stack.origin.version = 2
    head, _ = fetch(conn, "HEAD", "/version/a", {"Cache-Control": "no-cache"})
    assert head.getheader("etag") == '"v2"'
    again, body = fetch(conn, "GET", "/version/a")
    assert again.getheader("x-cache") == "Miss from edgeworks"
    assert body != first


def _viewer_policy(policy: str) -> Callable[[Distribution], Distribution]:
    def shape(dist: Distribution) -> Distribution:
        behavior = dataclasses.replace(dist.default_behavior, viewer_protocol_policy=policy)
        return dataclasses.replace(dist, default_behavior=behavior)

    return shape


def test_redirect_to_https_sends_plain_http_viewers_away() -> None:
    with Stack(shape=_viewer_policy("redirect-to-https")) as running:
        conn = running.client()
        reply, body = fetch(conn, "GET", "/cache/r?q=1", {"Host": "site.example"})
        assert reply.status == 301
        assert reply.getheader("location") == "https://site.example/cache/r?q=1"
        assert reply.getheader("x-cache") == "Redirect from edgeworks"
        assert body == b""
        post, _ = fetch(conn, "POST", "/form", {"Host": "site.example"}, body=b"x")
        assert post.status == 307
        assert running.origin.seen == []


def test_https_only_refuses_plain_http() -> None:
    with Stack(shape=_viewer_policy("https-only")) as running:
        reply, body = fetch(running.client(), "GET", "/cache/r")
        assert reply.status == 403
        assert b"HTTPS" in body
        assert running.origin.seen == []


def test_a_new_connection_right_after_a_miss_finds_the_entry(stack: Stack) -> None:
    for number in range(5):
        first, _ = fetch(stack.client(), "GET", f"/cache/fresh-{number}")
        assert first.getheader("x-cache") == "Miss from edgeworks"
        second, _ = fetch(stack.client(), "GET", f"/cache/fresh-{number}")
        assert second.getheader("x-cache") == "Hit from edgeworks"


def test_pipelined_misses_and_hits_come_back_in_order(stack: Stack) -> None:
    fetch(stack.client(), "GET", "/cache/p0", {"Host": "e"})
    data = b"".join(
        b"GET %s HTTP/1.1\r\nHost: e\r\n\r\n" % target
        for target in (b"/slow/p1?delay=0.2", b"/cache/p0", b"/plain/p2", b"/cache/p0")
    )
    raw = _raw_exchange(
        stack, data + b"GET /plain/last HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n"
    )
    order = [line for line in raw.split(b"\r\n") if line.startswith((b"GET ", b"x-cache"))]
    bodies = [line.split(b" #")[0] for line in raw.split(b"\r\n\r\n")[1:] if b" #" in line]
    assert [body.split(b" ")[1] for body in bodies] == [
        b"/slow/p1?delay=0.2",
        b"/cache/p0",
        b"/plain/p2",
        b"/cache/p0",
        b"/plain/last",
    ]
    assert order.count(b"x-cache: Hit from edgeworks") == 2


def test_tls_viewers_are_served_under_redirect_to_https() -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    with Stack(shape=_viewer_policy("redirect-to-https"), tls=server_context) as running:
        conn = http.client.HTTPSConnection(
            "localhost", running.edge_port, context=client_context, timeout=5
        )
        try:
            first, body = fetch(conn, "GET", "/cache/tls")
            second, again = fetch(conn, "GET", "/cache/tls")
        finally:
            conn.close()
        assert first.getheader("x-cache") == "Miss from edgeworks"
        assert second.getheader("x-cache") == "Hit from edgeworks"
        assert again == body
        assert running.origin.seen[0].headers.count((b"x-forwarded-for", b"127.0.0.1")) == 1
