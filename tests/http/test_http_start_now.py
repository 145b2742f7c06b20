"""The server's ``start_now`` hook: requests taken over and answered from callbacks."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest
from http_support import Running, exchange

from edgeworks.http.request import Request
from edgeworks.http.response import Response, field_lines


class LaterApp:
    """Takes over paths under ``/later/`` and answers each from a timer callback.

    ``/later/big`` streams until the viewer is gone, pausing while its socket is backed up.
    """

    def __init__(self) -> None:
        self.lost = threading.Event()
        self.paused = 0

    def respond_now(self, request: Request) -> Sequence[bytes] | None:
        return None

    def start_now(self, request: Request, response: Response) -> bool:
        if not request.path.startswith(b"/later/"):
            return False
        loop = asyncio.get_running_loop()
        if request.path == b"/later/big":
            response.watcher = _Flood(self, response, loop)
            loop.call_soon(response.watcher.pump)
        else:
            loop.call_later(0.05, self._answer, request, response)
        return True

    def _answer(self, request: Request, response: Response) -> None:
        body = b"later " + request.path
        lines = field_lines([(b"content-type", b"text/plain"), (b"content-length", b"99")])
        response.write_head_lines(200, b"OK", lines, len(body))
        response.write_nowait(body)
        response.end()

    async def handle(self, request: Request, response: Response) -> None:
        body = b"task " + request.path
        response.write_head(200, b"OK", [], len(body))
        await response.write(body)


class _Flood:
    def __init__(self, app: LaterApp, response: Response, loop: asyncio.AbstractEventLoop):
        self.app, self.response, self.loop = app, response, loop
        self.started = False

    def pump(self) -> None:
        if not self.started:
            self.response.write_head(200, b"OK", [])
            self.started = True
        while not self.response.done:
            if self.response.write_nowait(b"x" * 65536):
                self.app.paused += 1
                return  # wait for viewer_resumed

    def viewer_resumed(self) -> None:
        self.loop.call_soon(self.pump)

    def viewer_lost(self) -> None:
        self.app.lost.set()


@pytest.fixture
def app() -> LaterApp:
    return LaterApp()


def test_taken_requests_answer_in_order_with_the_rest(app: LaterApp) -> None:
    with Running(app) as running:
        replies = exchange(
            running,
            b"GET /later/a HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /now HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /later/b HTTP/1.1\r\nHost: x\r\n\r\n",
            count=3,
        )
    assert [reply.body for reply in replies] == [
        b"later /later/a",
        b"task /now",
        b"later /later/b",
    ]
    assert replies[0].header("content-length") == "14"  # the framing is the server's own
    assert replies[0].header("content-type") == "text/plain"


def test_http10_keep_alive_is_framed_by_the_server(app: LaterApp) -> None:
    with Running(app) as running:
        [reply] = exchange(running, b"GET /later/c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert reply.body == b"later /later/c"
    assert reply.header("connection") == "keep-alive"


def test_a_backed_up_viewer_pauses_the_producer_and_a_lost_one_is_told(app: LaterApp) -> None:
    with Running(app) as running:
        with running.connect() as sock:
            sock.sendall(b"GET /later/big HTTP/1.1\r\nHost: x\r\n\r\n")
            deadline = time.monotonic() + 10
            while not app.paused and time.monotonic() < deadline:
                time.sleep(0.05)
            assert app.paused  # nobody reads: the socket backs up and the producer waits
            for _ in range(200):
                assert sock.recv(1 << 20)  # draining it lets the producer go on
        assert app.lost.wait(10)
    assert app.paused >= 2
