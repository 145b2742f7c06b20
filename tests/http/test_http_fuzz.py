"""Property: whatever bytes arrive, the server answers with a status or closes, and lives on."""

from __future__ import annotations

import socket

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
