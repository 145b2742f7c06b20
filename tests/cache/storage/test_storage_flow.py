"""The storage parts together, as a cache miss uses them: collapse, stream to disk, then hit.

A small miss path over a real origin on loopback: look in memory, then on disk; on a miss join
the fill, and the filler streams the origin's body to the disk writer and to its followers at
once, then keeps it in memory too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from storage_support import BODY, SlowOrigin, origin_get, run

from edgeworks.cache.storage import Collapser, DiskTier, Filler, MemoryTier, StoredObject


@dataclass
class Node:
    """The storage of one node, and where each answer came from."""

    memory: MemoryTier
    disk: DiskTier
    collapser: Collapser[bytes] = field(default_factory=lambda: Collapser(wait_timeout=10))
    sources: list[str] = field(default_factory=list)

    async def serve(self, key: bytes, port: int) -> bytes:
        stored = self.memory.get(key)
        if stored is not None:
            self.sources.append("memory")
            return stored.body
        found = self.disk.get(key)
        if found is not None:
            self.sources.append("disk")
            return b"".join(found.read_chunks(1024))
        role = self.collapser.join(key)
        if isinstance(role, Filler):
            with role:
                return await self.fill(role, key, port)
        if await role.head() is None:
            raise AssertionError("the fill should never release its followers here")
        self.sources.append("follower")
        return b"".join([piece async for piece in role.body()])

    async def fill(self, role: Filler[bytes], key: bytes, port: int) -> bytes:
        self.sources.append("origin")
        pieces = origin_get(port)
        status = await anext(pieces)
        role.publish_head(status)
        writer = self.disk.open_writer(key, status)
        assert writer is not None
        body = bytearray()
        async for piece in pieces:
            body += piece
            writer.write(piece)
            role.publish(piece)
        assert writer.commit()
        self.memory.put(StoredObject(key, status, bytes(body)))
        role.finish()
        return bytes(body)


@run
async def test_concurrent_misses_fill_once_then_hit_memory_and_disk(tmp_path: Path) -> None:
    node = Node(MemoryTier(1 << 20), DiskTier(tmp_path, 1 << 20))
    async with SlowOrigin() as origin:
        first = await asyncio.gather(*(node.serve(b"/obj", origin.port) for _ in range(100)))
        second = await asyncio.gather(*(node.serve(b"/obj", origin.port) for _ in range(20)))
        node.memory.delete(b"/obj")
        third = await node.serve(b"/obj", origin.port)

        restarted = Node(MemoryTier(1 << 20), DiskTier(tmp_path, 1 << 20))
        after_restart = await restarted.serve(b"/obj", origin.port)

    assert origin.requests == 1
    assert set(first) == set(second) == {third} == {after_restart} == {BODY}
    assert node.sources.count("origin") == 1
    assert node.sources.count("follower") == 99
    assert node.sources[-21:] == ["memory"] * 20 + ["disk"]
    assert restarted.sources == ["disk"]
