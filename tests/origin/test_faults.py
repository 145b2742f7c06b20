"""Origins that refuse, stall, reset or answer badly: 502 and 504 with a short reason."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from conftest import free_port
from edgeworks.config.model import Origin
from edgeworks.origin import OriginClient, OriginError, OriginTimeout
from origin.servers import Handler, ScriptedOrigin, Seen, run

HOST = [(b"host", b"example")]


def client_for(port: int, **options: object) -> OriginClient:
    origin = Origin("o", "http", "127.0.0.1", port, **options)  # type: ignore[arg-type]
    return OriginClient({"o": origin})


async def fetch(port: int, **options: object) -> bytes:
    client = client_for(port, **options)
    try:
        resp = await client.request("o", "GET", b"/", HOST)
        return await resp.read()
    finally:
        await client.aclose()


def writing(*parts: bytes, pause: float = 0.0, keep: bool = True) -> Handler:
    """A handler that writes ``parts`` with a pause between them, then stays or closes."""

    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        for part in parts:
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(pause)
        return keep

    return handler


async def against(handler: Handler, **options: object) -> bytes:
    async with ScriptedOrigin(handler) as origin:
        return await fetch(origin.port, **options)


def test_refused_connection_is_502_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="edgeworks.origin")
    with pytest.raises(OriginError) as raised:
        run(fetch(free_port(), connection_attempts=2))
    error = raised.value
    assert (error.status, error.reason, error.kind) == (
        502,
        "origin refused the connection",
        "OriginConnectError",
    )
    assert "origin refused the connection" in caplog.text


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A port whose listen queue is full, so that a new connect hangs in SYN-SENT."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.settimeout(0.2)
        try:
            filler.connect(("127.0.0.1", port))
        except OSError:
            filler.close()
            break
        fillers.append(filler)
    else:
        pytest.skip("the kernel accepted every connection; cannot provoke a connect timeout")
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


def test_connect_timeout_after_every_attempt_is_504(full_backlog: int) -> None:
    with pytest.raises(OriginTimeout) as raised:
        run(fetch(full_backlog, connect_timeout=0.1, connection_attempts=2))
    error = raised.value
    assert (error.status, error.reason, error.kind) == (
        504,
        "origin connect timed out",
        "OriginConnectError",
    )


def test_silent_origin_is_a_read_timeout_504_after_every_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="edgeworks.origin")

    async def scenario() -> tuple[OriginTimeout, int]:
        async with ScriptedOrigin(writing(pause=5.0)) as origin:
            with pytest.raises(OriginTimeout) as raised:
                await fetch(origin.port, read_timeout=0.1, connection_attempts=3)
        return raised.value, len(origin.requests)

    error, tries = run(scenario())
    assert (error.status, error.reason, error.kind, tries) == (
        504,
        "origin read timed out",
        "OriginReadError",
        3,
    )
    warnings = [r for r in caplog.records if "origin read timed out" in r.getMessage()]
    assert [r.levelno for r in warnings] == [logging.WARNING] * 3


class SilentOnce:
    """An origin that leaves its first request unanswered and answers the rest."""

    def __init__(self) -> None:
        self.seen = 0

    async def __call__(self, seen: Seen, writer: asyncio.StreamWriter) -> bool:
        self.seen += 1
        if self.seen == 1:
            await asyncio.sleep(5.0)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True


def test_get_is_tried_again_after_a_response_timeout() -> None:
    async def scenario() -> tuple[bytes, int]:
        async with ScriptedOrigin(SilentOnce()) as origin:
            answer = await fetch(origin.port, read_timeout=0.5)
        return answer, origin.connections

    assert run(scenario()) == (b"ok", 2)


def test_post_is_not_tried_again_after_a_response_timeout() -> None:
    async def scenario() -> tuple[int, int]:
        async with ScriptedOrigin(SilentOnce()) as origin:
            client = client_for(origin.port, read_timeout=0.1)
            with pytest.raises(OriginTimeout) as raised:
                await client.request("o", "POST", b"/", HOST, body=b"x")
            await client.aclose()
        return raised.value.status, len(origin.requests)

    assert run(scenario()) == (504, 1)


def test_origin_stalling_mid_body_ends_the_body_with_a_timeout() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"
    with pytest.raises(OriginTimeout, match="read timed out"):
        run(against(writing(head, pause=5.0), read_timeout=0.1))


def test_slow_but_steady_origin_is_not_timed_out() -> None:
    parts = [b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n"] + [b"x"] * 6
    # Six pauses add up to more than the read timeout; no single one comes near it.
    assert run(against(writing(*parts, pause=0.1), read_timeout=0.5)) == b"xxxxxx"


@pytest.mark.parametrize(
    "raw",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 2OO OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
        b"HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
def test_malformed_responses_are_502(raw: bytes) -> None:
    with pytest.raises(OriginError) as raised:
        run(against(writing(raw, keep=False)))
    error = raised.value
    assert (error.status, error.reason, error.kind) == (
        502,
        "origin sent a malformed response",
        "OriginInvalidResponseError",
    )


def test_truncated_body_raises_from_the_body() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"
    with pytest.raises(OriginError) as raised:
        run(against(writing(head, keep=False)))
    error = raised.value
    assert (error.status, error.reason, error.kind) == (
        502,
        "origin closed the connection",
        "OriginReadError",
    )


def test_close_without_answer_on_a_fresh_connection_is_not_retried() -> None:
    async def scenario() -> tuple[int, int]:
        async with ScriptedOrigin(writing(keep=False)) as origin:
            with pytest.raises(OriginError) as raised:
                await fetch(origin.port)
        return raised.value.status, origin.connections

    assert run(scenario()) == (502, 1)


def test_reset_is_502() -> None:
    async def reset(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        await writer.drain()
        sock = writer.get_extra_info("socket")
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        writer.transport.abort()
        return False

    with pytest.raises(OriginError) as raised:
        run(against(reset))
    assert (raised.value.status, raised.value.reason) == (502, "origin reset the connection")


def test_a_connection_with_a_bad_response_is_not_reused() -> None:
    async def scenario() -> int:
        answers = iter([b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"] * 1 + [b""] * 9)

        async def handler(seen: Seen, writer: asyncio.StreamWriter) -> bool:
            raw = next(answers) or b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
            writer.write(raw)
            return True

        async with ScriptedOrigin(handler) as origin:
            client = client_for(origin.port)
            with pytest.raises(OriginError):
                await client.request("o", "GET", b"/", HOST)
            resp = await client.request("o", "GET", b"/", HOST)
            assert await resp.read() == b"ok"
            await client.aclose()
        return origin.connections

    assert run(scenario()) == 2


def test_a_runaway_response_head_is_cut_off_with_502() -> None:
    endless = b"HTTP/1.1 200 OK\r\n" + b"X-Pad: %s\r\n" % (b"p" * 1000) * 100
    with pytest.raises(OriginError) as raised:
        run(against(writing(endless, pause=1.0)))
    error = raised.value
    assert (error.status, error.reason, error.kind) == (
        502,
        "origin response head too large",
        "OriginHeaderTooBigError",
    )


def test_a_large_head_just_under_the_bound_with_a_body_in_the_same_reads_passes() -> None:
    fields = b"X-Pad: %s\r\n" % (b"p" * 1000) * 60
    raw = b"HTTP/1.1 200 OK\r\n" + fields + b"Content-Length: 200000\r\n\r\n" + b"b" * 200_000
    assert run(against(writing(raw))) == b"b" * 200_000


def test_a_stall_of_our_own_loop_is_not_blamed_on_the_origin() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def steady_origin() -> None:
        # Runs beside the loop, so it keeps sending while the loop is blocked.
        sock, _ = listener.accept()
        with sock:
            sock.recv(65536)
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n")
            for _ in range(20):
                time.sleep(0.03)
                sock.sendall(b"x")
            with contextlib.suppress(OSError):
                sock.recv(1)

    thread = threading.Thread(target=steady_origin, daemon=True)
    thread.start()

    async def scenario() -> bytes:
        client = client_for(port, read_timeout=0.2, connection_attempts=1)
        try:
            resp = await client.request("o", "GET", b"/", HOST)
            first = await anext(resp.body)
            # Block the loop well past the read timeout while the origin keeps sending.
            time.sleep(0.4)
            return first + b"".join([chunk async for chunk in resp.body])
        finally:
            await client.aclose(grace=0)

    try:
        assert run(scenario()) == b"x" * 20
    finally:
        thread.join(timeout=5)
        listener.close()


def test_an_origin_name_that_does_not_resolve_is_a_502() -> None:
    # RFC 6761 §6.4: names under .invalid never resolve.
    async def scenario() -> OriginError:
        origin = Origin("o", "http", "origin.invalid", 80, connection_attempts=1)
        client = OriginClient({"o": origin})
        try:
            await client.request("o", "GET", b"/", HOST)
        except OriginError as exc:
            return exc
        finally:
            await client.aclose()
        raise AssertionError("a name under .invalid resolved")

    error = run(scenario())
    if isinstance(error, OriginTimeout):
        pytest.skip("the resolver did not answer within the connect timeout")
    assert (error.status, error.reason, error.kind) == (
        502,
        "origin host name did not resolve",
        "OriginDnsError",
    )
