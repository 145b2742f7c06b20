"""Connection reuse, bounds and expiry of the per-origin pool, seen from a real origin."""

from __future__ import annotations

import asyncio
import random

import pytest

from edgeworks.config.model import Origin
from edgeworks.origin import OriginClient, OriginError, OriginTimeout
from origin.servers import ScriptedOrigin, Seen, ok_hello, run

HOST = [(b"host", b"example")]


def client_for(port: int, **options: object) -> OriginClient:
    origin = Origin("o", "http", "127.0.0.1", port, **options)  # type: ignore[arg-type]
    return OriginClient({"o": origin})


async def get(client: OriginClient, target: bytes = b"/") -> bytes:
    resp = await client.request("o", "GET", target, HOST)
    return await resp.read()


def test_sequential_requests_share_one_connection() -> None:
    async def scenario() -> None:
        async with ScriptedOrigin() as origin:
            client = client_for(origin.port)
            for _ in range(20):
                assert await get(client) == b"hello"
            stats = client.stats("o")
            await client.aclose()
        assert origin.connections == 1
        assert len(origin.requests) == 20
        assert (stats.connections_opened, stats.requests, stats.idle) == (1, 20, 1)

    run(scenario())


class Gate:
    """A handler that holds each request until released, counting how many wait at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.release = asyncio.Event()

    async def __call__(self, seen: Seen, writer: asyncio.StreamWriter) -> bool:
        self.inside += 1
        self.most = max(self.most, self.inside)
        await self.release.wait()
        self.inside -= 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True


def test_concurrency_is_bounded_by_max_connections_and_waiters_are_served() -> None:
    async def scenario() -> None:
        gate = Gate()
        async with ScriptedOrigin(gate) as origin:
            client = client_for(origin.port, max_connections=2)
            tasks = [asyncio.create_task(get(client, b"/%d" % i)) for i in range(8)]
            while gate.inside < 2:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            assert gate.inside == 2
            gate.release.set()
            bodies = await asyncio.gather(*tasks)
            await client.aclose()
        assert bodies == [b"ok"] * 8
        assert origin.connections == 2
        assert gate.most == 2
        assert sorted(seen.target for seen in origin.requests) == sorted(f"/{i}" for i in range(8))

    run(scenario())


def test_a_waiter_gives_up_after_the_connect_timeout_with_504() -> None:
    async def scenario() -> None:
        gate = Gate()
        async with ScriptedOrigin(gate) as origin:
            client = client_for(origin.port, max_connections=1, connect_timeout=0.2)
            first = asyncio.create_task(get(client))
            while gate.inside < 1:
                await asyncio.sleep(0.01)
            with pytest.raises(OriginTimeout) as raised:
                await get(client)
            gate.release.set()
            assert await first == b"ok"
            # The slot is intact: the pool still serves on its one connection.
            assert await get(client) == b"ok"
            await client.aclose()
        assert (raised.value.status, raised.value.reason) == (504, "origin busy")
        assert raised.value.kind == "OriginError"
        assert origin.connections == 1

    run(scenario())


def test_idle_connections_close_after_the_keepalive_timeout() -> None:
    async def scenario() -> None:
        async with ScriptedOrigin() as origin:
            client = client_for(origin.port, keepalive_timeout=0.1)
            await get(client)
            assert client.stats("o").idle == 1
            for _ in range(100):
                if origin.closed == 1:
                    break
                await asyncio.sleep(0.02)
            assert client.stats("o").idle == 0
            assert await get(client) == b"hello"
            stats = client.stats("o")
            await client.aclose()
        assert origin.closed >= 1
        assert origin.connections == 2
        assert stats.connections_opened == 2

    run(scenario())


def test_the_most_recently_used_idle_connection_is_reused_first() -> None:
    async def scenario() -> None:
        gate = Gate()
        async with ScriptedOrigin(gate) as origin:
            client = client_for(origin.port)
            tasks = [asyncio.create_task(get(client)) for _ in range(3)]
            while gate.inside < 3:
                await asyncio.sleep(0.01)
            gate.release.set()
            await asyncio.gather(*tasks)
            assert client.stats("o").idle == 3
            origin.requests.clear()
            for _ in range(5):
                await get(client)
            await client.aclose()
        used = {seen.connection for seen in origin.requests}
        assert len(used) == 1

    run(scenario())


def test_a_closed_client_refuses_new_requests() -> None:
    async def scenario() -> None:
        async with ScriptedOrigin() as origin:
            client = client_for(origin.port)
            await get(client)
            await client.aclose()
            with pytest.raises(OriginError) as raised:
                await get(client)
        assert raised.value.status == 502

    run(scenario())


class Unruly:
    """An origin that, by a fixed pseudo-random plan, answers, hangs up, or answers badly."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    async def __call__(self, seen: Seen, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(self.rng.random() / 100)
        roll = self.rng.random()
        if roll < 0.2:
            return False
        if roll < 0.3:
            writer.write(b"HTTP/1.1 2x0 Bad\r\n\r\n")
            return False
        if roll < 0.4:
            writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
            return False
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_slot_leaks_through_a_storm_of_failures(seed: int) -> None:
    async def attempt(client: OriginClient, method: str) -> bytes | int:
        try:
            resp = await client.request("o", method, b"/", HOST)
            return await resp.read()
        except OriginError as exc:
            return exc.status

    async def scenario() -> tuple[list[bytes | int], list[bytes | int], int]:
        async with ScriptedOrigin(Unruly(seed)) as origin:
            client = client_for(origin.port, max_connections=3, connect_timeout=2.0)
            methods = ["GET", "POST", "HEAD", "PUT"] * 15
            storm = await asyncio.gather(*(attempt(client, m) for m in methods))
            origin.handler = ok_hello
            after = await asyncio.gather(*(attempt(client, "GET") for _ in range(9)))
            idle = client.stats("o").idle
            await client.aclose()
        return storm, after, idle

    storm, after, idle = run(scenario())
    assert set(storm) <= {b"ok", b"", 502}
    assert 502 in storm
    assert after == [b"hello"] * 9
    assert idle <= 3
