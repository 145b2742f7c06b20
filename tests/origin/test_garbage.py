"""Property: whatever bytes an origin sends, the client answers or raises OriginError."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.config.model import Origin
from edgeworks.origin import OriginClient, OriginError
from origin.servers import ScriptedOrigin, Seen, run

HOST = [(b"host", b"example")]

# Pieces that make near-valid responses, so that examples reach deep into the parser.
PIECES = st.sampled_from(
    [
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.0 204 No Content\r\n",
        b"HTTP/1.1 103 Early Hints\r\n",
        b"HTTP/1.1 100 Continue\r\n",
        b"HTTP/1.1 101 Switching\r\n",
        b"Content-Length: 3\r\n",
        b"Content-Length: -1\r\n",
        b"Content-Length: 99999999999999999999999\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: gzip\r\n",
        b"Connection: close, x\r\n",
        b"X: \x00\r\n",
        b" folded\r\n",
        b"\r\n",
        b"3\r\nabc\r\n",
        b"0\r\n\r\n",
        b"ffffffffffffffffff\r\n",
        b"abc",
    ]
)
RESPONSES = st.one_of(
    st.binary(max_size=200),
    st.lists(st.one_of(PIECES, st.binary(max_size=8)), max_size=12).map(b"".join),
)


async def answer_with(raw: bytes, method: str) -> None:
    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(raw)
        return False

    async with ScriptedOrigin(handler) as origin:
        origin_config = Origin("o", "http", "127.0.0.1", origin.port, read_timeout=2.0)
        client = OriginClient({"o": origin_config})
        try:
            resp = await client.request("o", method, b"/", HOST, on_interim=lambda s, h: None)
            body = await resp.read()
            assert 200 <= resp.status <= 599
            assert resp.content_length is None or resp.content_length >= 0
            assert isinstance(body, bytes)
        except OriginError as exc:
            assert exc.status == 502
            assert exc.reason
        finally:
            await client.aclose()


@settings(max_examples=150, deadline=None)
@given(raw=RESPONSES, method=st.sampled_from(["GET", "HEAD"]))
def test_garbage_responses_never_crash_the_client(raw: bytes, method: str) -> None:
    run(answer_with(raw, method))


async def answer_in_turn(raws: list[bytes], method: str) -> None:
    """Answer successive requests on kept connections with ``raws``, then with good replies."""
    answers = iter(raws)
    good = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"
    healed = False

    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(good if healed else next(answers, good))
        return True

    async with ScriptedOrigin(handler) as origin:
        config = Origin(
            "o",
            "http",
            "127.0.0.1",
            origin.port,
            read_timeout=0.05,
            connection_attempts=1,
            max_connections=2,
            connect_timeout=1.0,
        )
        client = OriginClient({"o": config})
        try:
            for _ in range(len(raws)):
                await read_or_status(client, method)
            # Whatever came before, the pool still has slots and serves a good answer; a
            # connection that the garbage left out of step may cost one failed try.
            healed = True
            outcomes = [await read_or_status(client, "GET") for _ in range(3)]
            assert b"z" in outcomes
        finally:
            await client.aclose(grace=0)


async def read_or_status(client: OriginClient, method: str) -> bytes | int:
    try:
        resp = await client.request("o", method, b"/", HOST)
        return await resp.read()
    except OriginError as exc:
        assert exc.status in {502, 504}
        assert exc.reason != "origin busy"
        return exc.status


@settings(max_examples=60, deadline=None)
@given(
    raws=st.lists(RESPONSES, min_size=1, max_size=3),
    method=st.sampled_from(["GET", "HEAD", "POST"]),
)
def test_garbage_on_kept_connections_never_poisons_the_pool(
    raws: list[bytes], method: str
) -> None:
    run(answer_in_turn(raws, method))
