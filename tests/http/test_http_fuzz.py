"""Property: whatever bytes arrive, the server answers with a status or closes, and lives on."""

from __future__ import annotations

import itertools
import socket
import time

import pytest
from http_support import EchoApp, Reader, Running
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgeworks.config.model import Limits

LIMITS = Limits(header_timeout=0.3, idle_timeout=0.3, body_timeout=0.3, max_body_bytes=4096)

_PIECES = st.sampled_from(
    [
        b"GET / HTTP/1.1\r\n",
        b"POST /p HTTP/1.1\r\n",
        b"FROB /x HTTP/1.0\r\n",
        b"Host: x\r\n",
        b"Content-Length: 3\r\n",
        b"Content-Length: 99999999999999999999\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Expect: 100-continue\r\n",
        b"Connection: close\r\n",
        b"\r\n",
        b"3\r\nabc\r\n0\r\n\r\n",
        b" folded\r\n",
        b"\x00",
        b"\n",
    ]
)
_REQUESTS = st.one_of(st.binary(max_size=300), st.lists(_PIECES, max_size=12).map(b"".join))


@pytest.fixture(scope="module")
def running() -> Running:
    with Running(EchoApp(), LIMITS) as server:
        yield server


def _answers(running: Running, data: bytes) -> list[int]:
    statuses = []
    with running.connect(timeout=3.0) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        reader = Reader(sock)
        while True:
            try:
                statuses.append(reader.response().status)
            except (ConnectionError, ValueError, IndexError):
                return statuses


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=_REQUESTS)
def test_random_bytes_never_crash_the_server(running: Running, data: bytes) -> None:
    statuses = _answers(running, data)
    assert all(100 <= status < 600 for status in statuses)
    # The server is still there for the next viewer.
    with running.connect() as sock:
        sock.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        assert Reader(sock).response().body == b"fast"


_PIPELINE = (
    b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
    b"PURGE-ALL /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    b"POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"2\r\nde\r\n1;x=y\r\nf\r\n0\r\n\r\n"
    b"FROB /b HTTP/1.1\r\nHost: x\r\n\r\n"
    b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
    b"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"
    b"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
)
_EXPECTED = [
    b"fast",
    b"PURGE-ALL /a abc",
    b"POST /chunked def",
    b"FROB /b ",
    b"fast",
    b"",
    b"GET /last ",
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cuts=st.lists(st.integers(min_value=1, max_value=len(_PIPELINE) - 1), max_size=6))
def test_pipelined_requests_in_any_fragments_get_the_same_answers(
    running: Running, cuts: list[int]
) -> None:
    edges = [0, *sorted(set(cuts)), len(_PIPELINE)]
    with running.connect(timeout=3.0) as sock:
        # Separate writes with a pause, so that the server reads the fragments one by one.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for start, end in itertools.pairwise(edges):
            sock.sendall(_PIPELINE[start:end])
            time.sleep(0.002)
        reader = Reader(sock)
        bodies = [reader.response(head_only=index == 5).body for index in range(len(_EXPECTED))]
        assert reader.closed()
    assert bodies == _EXPECTED
