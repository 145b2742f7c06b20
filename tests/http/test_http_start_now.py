"""The server's ``start_now`` hook: requests taken over and answered from callbacks."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Sequence

import pytest
from http_support import Reader, Reply, Running, exchange

from edgeworks.http.heads import Link
from edgeworks.http.request import Request
from edgeworks.http.response import Response, field_lines, plain_whole


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


class Again:
    """A starter that answers repeats of one head at once, while it is willing.

    It answers with prepared bytes through the link, or, when ``respond``, through a response.
    """

    def __init__(self, app: StartingApp) -> None:
        self.app = app
        self.willing = True
        self.respond = False

    def start(self, request: Request, link: Link) -> bool:
        if not self.willing:
            return False
        self.app.restarted += 1
        body = b"again %d" % self.app.restarted
        lines = field_lines([(b"x-kind", b"again")])
        if self.respond:
            link.respond().write_whole(200, b"OK", lines, body)
        else:
            assert link.answer(plain_whole(200, b"OK", lines, body))
        return True


class StartingApp:
    """Takes over ``/s`` from callbacks, leaving a starter; counts each path a request took."""

    def __init__(self) -> None:
        self.asked = 0
        self.started = 0
        self.restarted = 0
        self.starters: list[Again] = []

    def respond_now(self, request: Request) -> Sequence[bytes] | None:
        self.asked += 1
        return None

    def start_now(self, request: Request, response: Response) -> bool:
        if request.path != b"/s":
            return False
        self.started += 1
        starter = Again(self)
        self.starters.append(starter)
        request.starter = starter
        body = b"first %d" % self.started
        response.write_whole(200, b"OK", field_lines([(b"x-kind", b"first")]), body)
        return True

    async def handle(self, request: Request, response: Response) -> None:
        await asyncio.sleep(0.2)
        response.write_head(200, b"OK", [], 4)
        await response.write(b"slow")


REPEAT = b"GET /s HTTP/1.1\r\nHost: a\r\n\r\n"


def _ask(sock: socket.socket, reader: Reader) -> Reply:
    """Send the repeated head once more and read its answer."""
    sock.sendall(REPEAT)
    return reader.response()


def test_a_repeated_head_goes_to_its_starter_before_respond_now() -> None:
    app = StartingApp()
    with Running(app) as running, running.connect() as sock:
        reader = Reader(sock)
        replies = [_ask(sock, reader) for _ in range(3)]
    assert [reply.body for reply in replies] == [b"first 1", b"again 1", b"again 2"]
    assert replies[1].header("x-kind") == "again"
    assert replies[1].header("content-length") == "7"
    assert (app.asked, app.started, app.restarted) == (1, 1, 2)


def test_a_starter_may_answer_through_a_response() -> None:
    app = StartingApp()
    with Running(app) as running, running.connect() as sock:
        reader = Reader(sock)
        assert _ask(sock, reader).body == b"first 1"
        app.starters[0].respond = True
        replies = [_ask(sock, reader) for _ in range(2)]
    assert [reply.body for reply in replies] == [b"again 1", b"again 2"]
    assert replies[0].header("x-kind") == "again"


def test_a_declining_starter_sends_the_repeat_the_ordinary_way() -> None:
    app = StartingApp()
    with Running(app) as running, running.connect() as sock:
        reader = Reader(sock)
        first = _ask(sock, reader).body
        app.starters[0].willing = False
        bodies = [first, _ask(sock, reader).body, _ask(sock, reader).body]
    # Declined, the repeat was asked again, and the new starter answered the next one.
    assert bodies == [b"first 1", b"first 2", b"again 1"]
    assert (app.asked, app.started) == (2, 2)


def test_a_repeat_behind_an_owed_answer_waits_and_goes_the_ordinary_way() -> None:
    app = StartingApp()
    with Running(app) as running, running.connect() as sock:
        reader = Reader(sock)
        first = _ask(sock, reader).body
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
        sock.sendall(REPEAT)  # a read of its own, while /slow is still owed
        later = [reader.response().body for _ in range(2)]
    assert [first, *later] == [b"first 1", b"slow", b"first 2"]
    assert app.restarted == 0


def test_closing_and_http10_heads_get_no_starter() -> None:
    app = StartingApp()
    with Running(app) as running:
        for head in (
            b"GET /s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            b"GET /s HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        ):
            for _ in range(2):
                [reply] = exchange(running, head)
                assert reply.body.startswith(b"first ")
    assert app.restarted == 0
    assert app.started == 4


def test_a_whole_response_is_framed_for_http10_and_head() -> None:
    app = StartingApp()
    with Running(app) as running:
        [old] = exchange(running, b"GET /s HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        with running.connect() as sock:
            sock.sendall(b"HEAD /s HTTP/1.1\r\nHost: a\r\n\r\nGET /s HTTP/1.1\r\nHost: a\r\n\r\n")
            reader = Reader(sock)
            head = reader.response(head_only=True)
            after = reader.response()
    assert old.body == b"first 1"
    assert old.header("connection") == "keep-alive"
    assert head.header("content-length") == "7" and head.body == b""
    assert after.body == b"first 3"  # the HEAD's body was left out: the next answer is whole
