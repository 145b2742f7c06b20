"""Replayed answers: a repeated request head answered by what the application handed over.

Every test speaks bytes through a real socket to a real server. The application counts how
often it was asked the ordinary way and how often its replayable answered, so each test sees
which path a request took.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from http_support import Reader, Running

from edgeworks.http.server import Request, Response

GET = b"GET /r HTTP/1.1\r\nHost: a\r\n\r\n"


class Answer:
    """A replayable that answers until told to stop, and counts its replays."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.valid = True
        self.replays: list[tuple[str, float]] = []

    def replay(self, client: str, arrived: float) -> Sequence[bytes] | None:
        """Answer again while valid."""
        if not self.valid:
            return None
        self.replays.append((client, arrived))
        return [b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(self.body), self.body)]


class ReplayApp:
    """Answers ``/r`` synchronously and hands over a replayable for it."""

    def __init__(self) -> None:
        self.asked = 0
        self.answers: list[Answer] = []

    def respond_now(self, request: Request) -> Sequence[bytes] | None:
        """Answer ``/r`` with a fresh replayable each time it is asked the ordinary way."""
        if request.path != b"/r":
            return None
        self.asked += 1
        answer = Answer(b"v%d" % self.asked)
        self.answers.append(answer)
        request.replay = answer
        replayed = answer.replay("", 0.0)
        answer.replays.clear()
        return replayed

    async def handle(self, request: Request, response: Response) -> None:
        """Answer anything else after a short wait, so that it is still owed for a while."""
        await asyncio.sleep(0.2)
        response.write_head(200, b"OK", [], 4)
        await response.write(b"slow")


def _bodies(running: Running, requests: Sequence[bytes]) -> list[bytes]:
    with running.connect() as sock:
        reader = Reader(sock)
        bodies = []
        for data in requests:
            sock.sendall(data)
            bodies.append(reader.response().body)
        return bodies


def test_a_repeated_head_is_answered_by_the_replayable() -> None:
    app = ReplayApp()
    with Running(app) as running:
        bodies = _bodies(running, [GET] * 5)
    assert bodies == [b"v1"] * 5
    assert app.asked == 1
    [answer] = app.answers
    assert len(answer.replays) == 4
    assert all(client == "127.0.0.1" and arrived > 0 for client, arrived in answer.replays)


def test_a_void_replayable_sends_the_request_the_ordinary_way() -> None:
    app = ReplayApp()
    with Running(app) as running, running.connect() as sock:
        reader = Reader(sock)
        sock.sendall(GET)
        assert reader.response().body == b"v1"
        app.answers[0].valid = False
        sock.sendall(GET)
        assert reader.response().body == b"v2"  # asked again, and a new replayable kept
        sock.sendall(GET)
        assert reader.response().body == b"v2"
    assert app.asked == 2
    assert len(app.answers[1].replays) == 1


def test_no_replay_while_an_earlier_answer_is_owed() -> None:
    app = ReplayApp()
    with Running(app) as running, running.connect() as sock:
        reader = Reader(sock)
        sock.sendall(GET)
        assert reader.response().body == b"v1"
        # A slow request is in progress when the repeat arrives: answers leave in order.
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
        sock.sendall(GET)
        assert reader.response().body == b"slow"
        assert reader.response().body == b"v2"  # asked the ordinary way once its turn came
    assert app.answers[0].replays == []
    assert app.asked == 2


def test_closing_and_http10_heads_are_never_replayed() -> None:
    app = ReplayApp()
    close = b"GET /r HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    old = b"GET /r HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n"
    with Running(app) as running:
        for data in (close, close, old, old):
            with running.connect() as sock:
                sock.sendall(data)
                reader = Reader(sock)
                assert reader.response().status == 200
                assert reader.closed()
    assert app.asked == 4
    assert all(answer.replays == [] for answer in app.answers)


def test_a_new_application_voids_what_the_old_one_handed_over() -> None:
    app = ReplayApp()
    with Running(app) as running, running.connect() as sock:
        reader = Reader(sock)
        sock.sendall(GET)
        assert reader.response().body == b"v1"
        fresh = ReplayApp()

        async def swap() -> None:
            running.server.set_app(fresh)

        running.call(swap())
        sock.sendall(GET)
        assert reader.response().body == b"v1"  # the fresh app's first answer
    assert fresh.asked == 1
    assert app.answers[0].replays == []
