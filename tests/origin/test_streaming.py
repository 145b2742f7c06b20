"""Bodies stream in bounded memory in both directions, and a slow consumer slows the origin."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator

from edgeworks.config.model import Origin
from edgeworks.origin import OriginClient
from origin.servers import ScriptedOrigin, Seen, run

HOST = [(b"host", b"example")]
MiB = 1 << 20
BLOCK = b"\xa5" * MiB


def sending(total: int):  # type: ignore[no-untyped-def]
    """A handler that answers with ``total`` bytes of body, written under back-pressure."""

    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % total)
        left = total
        while left:
            piece = BLOCK if left >= MiB else BLOCK[:left]
            writer.write(piece)
            left -= len(piece)
            await writer.drain()
        return True

    return handler


def client_for(port: int) -> OriginClient:
    return OriginClient({"o": Origin("o", "http", "127.0.0.1", port)})


def test_a_200_mib_body_streams_with_flat_memory() -> None:
    total = 200 * MiB

    async def scenario() -> tuple[int, int]:
        async with ScriptedOrigin(sending(total)) as origin:
            client = client_for(origin.port)
            tracemalloc.start()
            try:
                resp = await client.request("o", "GET", b"/big", HOST)
                received = 0
                async for chunk in resp.body:
                    received += len(chunk)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            await client.aclose()
        return received, peak

    received, peak = run(scenario())
    assert received == total
    assert peak < 16 * MiB


def test_a_consumer_that_lags_pauses_the_origin_instead_of_buffering() -> None:
    total = 64 * MiB

    async def scenario() -> tuple[int, int]:
        async with ScriptedOrigin(sending(total)) as origin:
            client = client_for(origin.port)
            resp = await client.request("o", "GET", b"/big", HOST)
            tracemalloc.start()
            try:
                received = len(await anext(resp.body))
                # Without flow control the whole body would arrive during this pause.
                await asyncio.sleep(0.5)
                held = tracemalloc.get_traced_memory()[0]
            finally:
                tracemalloc.stop()
            async for chunk in resp.body:
                received += len(chunk)
            await client.aclose()
        return received, held

    received, held = run(scenario())
    assert received == total
    assert held < 8 * MiB


def test_an_upload_streams_chunked_without_being_gathered() -> None:
    total = 64 * MiB

    async def upload() -> AsyncIterator[bytes]:
        for _ in range(total // MiB):
            yield BLOCK

    async def counting(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        size = b"%d" % seen.length
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(size), size))
        return True

    async def scenario() -> tuple[bytes, str | None, int]:
        async with ScriptedOrigin(counting, gather=False) as origin:
            client = client_for(origin.port)
            tracemalloc.start()
            try:
                resp = await client.request("o", "PUT", b"/up", HOST, body=upload())
                answer = await resp.read()
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            await client.aclose()
        return answer, origin.requests[0].header("transfer-encoding"), peak

    answer, framing, peak = run(scenario())
    assert (answer, framing) == (b"%d" % total, "chunked")
    assert peak < 16 * MiB


def test_abandoning_an_unread_body_closes_the_connection() -> None:
    async def scenario() -> tuple[int, int]:
        async with ScriptedOrigin(sending(32 * MiB)) as origin:
            client = client_for(origin.port)
            resp = await client.request("o", "GET", b"/big", HOST)
            await anext(resp.body)
            await resp.aclose()
            idle = client.stats("o").idle
            resp = await client.request("o", "GET", b"/big", HOST)
            await resp.aclose()
            await client.aclose()
        return idle, origin.connections

    assert run(scenario()) == (0, 2)


def test_a_response_dropped_unread_frees_its_connection() -> None:
    async def peek(client: OriginClient) -> None:
        resp = await client.request("o", "GET", b"/big", HOST)
        await anext(resp.body)
        # Long enough for the buffer to fill and reading to pause.
        await asyncio.sleep(0.3)

    async def scenario() -> tuple[bytes, int]:
        async with ScriptedOrigin(sending(32 * MiB)) as origin:
            origin_config = Origin(
                "o", "http", "127.0.0.1", origin.port, max_connections=1, connect_timeout=1.0
            )
            client = OriginClient({"o": origin_config})
            await peek(client)
            origin.handler = sending(3)
            resp = await client.request("o", "GET", b"/small", HOST)
            answer = await resp.read()
            await client.aclose()
        return answer, origin.connections

    assert run(scenario()) == (b"\xa5" * 3, 2)
