"""Malformed requests, limits and timeouts: a clear status, a short reason, then close."""

from __future__ import annotations

import time

import pytest
from http_support import EchoApp, Reader, Running

from edgeworks.config.model import Limits

LIMITS = Limits(
    max_request_line=256,
    max_header_bytes=1024,
    max_headers=10,
    max_body_bytes=64,
    header_timeout=0.4,
    idle_timeout=0.4,
    body_timeout=0.4,
    max_connections=4,
)


@pytest.fixture(scope="module")
def running() -> Running:
    with Running(EchoApp(), LIMITS) as server:
        yield server


MALFORMED = [
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        400,
        "Content-Length and Transfer-Encoding",
        id="content-length-and-transfer-encoding",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        400,
        "Content-Length",
        id="differing-content-lengths",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd",
        400,
        "Content-Length",
        id="content-length-list",
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400, "header value", id="nul-in-value"
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400, "malformed", id="bare-cr-in-value"
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n",
        400,
        "header field name",
        id="space-in-name",
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A\x00: b\r\n\r\n",
        400,
        "header field name",
        id="nul-in-name",
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "header field name", id="space-before-colon"
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n", 400, "folding", id="obs-fold"
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400, "folding", id="fold-after-request-line"
    ),
    pytest.param(b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "target", id="414"),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 1100 + b"\r\n\r\n",
        431,
        "too large",
        id="431-bytes",
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-%d: v\r\n" % n for n in range(12))
        + b"\r\n",
        431,
        "header fields",
        id="431-count",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        501,
        "gzip",
        id="unknown-coding",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        501,
        "gzip",
        id="coding-before-chunked",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        501,
        "Transfer-Encoding",
        id="coding-after-chunked",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
        b"\r\n\r\n0\r\n\r\n",
        501,
        "Transfer-Encoding",
        id="chunked-twice",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n", 413, "limit", id="413-length"
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n"
        + b"z" * 65
        + b"\r\n0\r\n\r\n",
        413,
        "larger",
        id="413-chunked",
    ),
    pytest.param(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "version", id="505-http2"),
    pytest.param(b"GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505, "version", id="505-http12"),
    pytest.param(b"GET / HTTP/0.9\r\n\r\n", 505, "version", id="505-http09"),
    pytest.param(b"GET / HTTP/1.1\r\n\r\n", 400, "Host", id="missing-host"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host", id="two-hosts"),
    pytest.param(b"GET / HTTP/1.1\nHost: x\n\n", 400, "malformed", id="bare-lf"),
    pytest.param(b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method", id="method-not-a-token"),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        400,
        "chunk",
        id="bad-chunk-size",
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", 417, "teapot", id="417-expect"
    ),
]


@pytest.mark.parametrize(("data", "status", "reason"), MALFORMED)
def test_malformed_request_is_refused_and_closed(
    running: Running, data: bytes, status: int, reason: str
) -> None:
    with running.connect() as sock:
        sock.sendall(data)
        reader = Reader(sock)
        reply = reader.response()
        assert reply.status == status
        assert reason in reply.body.decode()
        assert reply.header("connection") == "close"
        assert reader.closed()


def test_error_after_pipelined_request_waits_for_its_answer(running: Running) -> None:
    with running.connect() as sock:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost : x\r\n\r\n")
        reader = Reader(sock)
        assert reader.response().body == b"GET /slow "
        assert reader.response().status == 400
        assert reader.closed()


def test_a_bad_request_does_not_disturb_another_viewer(running: Running) -> None:
    with running.connect() as good, running.connect() as bad:
        good.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        bad.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00\r\n\r\n")
        assert Reader(bad).response().status == 400
        assert Reader(good).response().body == b"GET /slow "


def test_slow_header_gets_408_then_close(running: Running) -> None:
    with running.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.3)
        sock.sendall(b"X-Drip: 1\r\n")
        reader = Reader(sock)
        reply = reader.response()
        assert reply.status == 408
        assert reader.closed()


def test_slow_body_gets_408(running: Running) -> None:
    with running.connect() as sock:
        sock.sendall(b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
        reader = Reader(sock)
        assert reader.response().status == 408
        assert reader.closed()


def test_idle_keep_alive_connection_closes_quietly(running: Running) -> None:
    with running.connect() as sock:
        sock.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        reader = Reader(sock)
        assert reader.response().body == b"fast"
        started = time.monotonic()
        assert reader.closed()
        assert reader.buf == b""
        assert time.monotonic() - started < 3.0


def test_silent_new_connection_closes_without_a_response(running: Running) -> None:
    with running.connect() as sock:
        assert Reader(sock).closed()


def test_connections_beyond_the_limit_are_refused(running: Running) -> None:
    held = [running.connect() for _ in range(LIMITS.max_connections)]
    try:
        for sock in held:
            sock.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            assert Reader(sock).response().status == 200
        with running.connect() as extra:
            reader = Reader(extra)
            assert reader.response().status == 503
            assert reader.closed()
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 2
    while running.server.connections and time.monotonic() < deadline:
        time.sleep(0.02)
    with running.connect() as again:
        again.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        assert Reader(again).response().status == 200
