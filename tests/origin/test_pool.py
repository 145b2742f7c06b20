"""Connection reuse, bounds and expiry of the per-origin pool, seen from a real origin."""

from __future__ import annotations

from edgeworks.config.model import Origin
from edgeworks.origin import OriginClient
from origin.servers import ScriptedOrigin, run


def client_for(port: int, **options: object) -> OriginClient:
    origin = Origin("o", "http", "127.0.0.1", port, **options)  # type: ignore[arg-type]
    return OriginClient({"o": origin})


def test_sequential_requests_share_one_connection() -> None:
    async def scenario() -> None:
        async with ScriptedOrigin() as origin:
            client = client_for(origin.port)
            for _ in range(20):
                resp = await client.request("o", "GET", b"/a", [(b"host", b"example")])
                assert await resp.read() == b"hello"
            stats = client.stats("o")
            await client.aclose()
        assert origin.connections == 1
        assert len(origin.requests) == 20
        assert (stats.connections_opened, stats.requests, stats.idle) == (1, 20, 1)

    run(scenario())
