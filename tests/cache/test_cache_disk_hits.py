"""Hits from the disk tier alone: answered whole at once when small, through kept files."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from cache_support import FOLLOW, T0, hdrs, store

from edge.test_proxy_support import Stack, fetch
from edgeworks.cache import Cache
from edgeworks.cache.entry import SMALL_DISK_BODY
from edgeworks.config.model import CacheStorage, Distribution
from edgeworks.http.server import Request, Response

HIT = b"Hit from edgeworks"
CC60 = ("Cache-Control", "max-age=60")
BODY = bytes(range(256)) * 4


def disk_only(tmp_path: Path, **overrides: int) -> Cache:
    """A cache whose memory tier holds nothing: every hit comes from the disk tier."""
    return Cache(CacheStorage(memory_bytes=0, disk_path=str(tmp_path), **overrides))


def stored(tmp_path: Path, body: bytes = BODY) -> Cache:
    cache = disk_only(tmp_path)
    store(cache, hdrs(CC60, ("ETag", '"v1"'), ("Content-Type", "a/b")), body)
    return cache


def answer(cache: Cache, request: list[tuple[bytes, bytes]], method: str = "GET") -> list[bytes]:
    found = cache.lookup(b"k", method, request, FOLLOW, T0 + 1)
    assert found.kind == "hit"
    parts = cache.answer(found, method, request, T0 + 1, HIT)
    assert parts is not None, "a small disk body is answered whole, not streamed"
    return parts


def test_small_disk_hit_is_answered_whole_and_opens_its_file_once(tmp_path: Path) -> None:
    stored(tmp_path)
    cache = disk_only(tmp_path)  # restarted: the index is rebuilt from the files

    answers = [answer(cache, []) for _ in range(3)]

    assert all(parts[0].startswith(b"HTTP/1.1 200 OK\r\n") for parts in answers)
    assert all(parts[-1] == BODY for parts in answers)
    stats = cache.stats()
    assert stats["disk_answered"] == 3 and stats.get("disk_streamed", 0) == 0
    assert stats["disk_files_opened"] == 1 and stats["disk_open_files"] == 1


def test_single_range_of_a_small_disk_body_rfc9110_14_4(tmp_path: Path) -> None:
    cache = stored(tmp_path)
    head, _, body = answer(cache, hdrs(("Range", "bytes=10-19")))
    assert head.startswith(b"HTTP/1.1 206 Partial Content\r\n")
    assert b"content-range: bytes 10-19/1024\r\n" in head
    assert body == BODY[10:20]


def test_multiple_ranges_of_a_small_disk_body_rfc9110_14_6(tmp_path: Path) -> None:
    cache = stored(tmp_path)
    head, _, body = answer(cache, hdrs(("Range", "bytes=0-1,-2")))
    boundary = re.search(rb"boundary=(\w+)", head)
    assert boundary is not None
    assert b"content-range: bytes 0-1/1024\r\n\r\n" + BODY[:2] in body
    assert b"content-range: bytes 1022-1023/1024\r\n\r\n" + BODY[-2:] in body
    assert body.endswith(b"--" + boundary.group(1) + b"--\r\n")


def test_head_and_304_from_a_small_disk_body_rfc9110_9_3_2_15_4_5(tmp_path: Path) -> None:
    cache = stored(tmp_path)
    head_parts = answer(cache, [], method="HEAD")
    not_modified = answer(cache, hdrs(("If-None-Match", '"v1"')))
    assert len(head_parts) == 2 and b"content-length: 1024\r\n" in head_parts[0]
    assert not_modified[0].startswith(b"HTTP/1.1 304 Not Modified\r\n")
    assert len(not_modified) == 2
    assert cache.stats()["disk_answered"] == 2


def test_body_past_the_small_size_streams(tmp_path: Path) -> None:
    body = os.urandom(SMALL_DISK_BODY + 1)
    cache = stored(tmp_path, body)
    found = cache.lookup(b"k", "GET", [], FOLLOW, T0 + 1)
    assert found.entry is not None and found.entry.read_small_body() is None
    assert cache.answer(found, "GET", [], T0 + 1, HIT) is None
    assert b"".join(cache.stream(found, "GET", [], T0 + 1, HIT).chunks) == body
    assert cache.stats()["disk_streamed"] == 1


def test_read_small_body_reads_the_current_file_and_none_once_it_changed(
    tmp_path: Path,
) -> None:
    cache = stored(tmp_path)
    first = cache.lookup(b"k", "GET", [], FOLLOW, T0 + 1).entry
    assert first is not None and first.read_small_body() == BODY

    store(cache, hdrs(CC60, ("ETag", '"v2"')), b"second version")
    second = cache.lookup(b"k", "GET", [], FOLLOW, T0 + 1).entry
    assert first.read_small_body() is None
    assert second is not None and second.read_small_body() == b"second version"

    cache.invalidate("PUT", 200, b"h", b"/p", [])
    assert second.read_small_body() is None
    assert cache.lookup(b"k", "GET", [], FOLLOW, T0 + 1).kind == "miss"


def test_read_small_body_is_none_once_its_file_was_closed_for_the_bound(tmp_path: Path) -> None:
    cache = stored(tmp_path)
    entry = cache.lookup(b"k", "GET", [], FOLLOW, T0 + 1).entry
    assert entry is not None and cache._store.disk is not None
    cache._store.disk.release(b"k")

    assert entry.read_small_body() is None
    again = cache.lookup(b"k", "GET", [], FOLLOW, T0 + 1).entry
    assert again is not None and again is not entry and again.read_small_body() == BODY


def test_a_lookup_in_flight_answers_the_version_it_chose(tmp_path: Path) -> None:
    cache = stored(tmp_path)
    found = cache.lookup(b"k", "GET", [], FOLLOW, T0 + 1)

    store(cache, hdrs(CC60), b"newer")

    parts = cache.answer(found, "GET", [], T0 + 1, HIT)
    assert parts is not None and parts[-1] == BODY
    assert answer(cache, [])[-1] == b"newer"


def test_small_body_damaged_before_its_first_read_is_a_miss(tmp_path: Path) -> None:
    stored(tmp_path)
    files = [path for path in (tmp_path / "objects").rglob("*") if path.is_file()]
    for path in files:
        data = bytearray(path.read_bytes())
        data[-3] ^= 0xFF  # the body ends every file: flip a byte of it
        path.write_bytes(bytes(data))

    cache = disk_only(tmp_path)

    assert cache.lookup(b"k", "GET", [], FOLLOW, T0 + 1).kind == "miss"
    assert [path for path in files if path.exists()] == []


def test_edge_answers_a_small_disk_hit_without_a_task(tmp_path: Path) -> None:
    def on_disk(dist: Distribution) -> Distribution:
        storage = CacheStorage(memory_bytes=0, disk_path=str(tmp_path))
        return dataclasses.replace(dist, cache=storage)

    with Stack(shape=on_disk) as stack:
        assert stack.app is not None
        app = stack.app
        handled: list[bytes] = []
        run_task = app.handle

        async def counted(request: Request, response: Response) -> None:
            handled.append(request.target)
            await run_task(request, response)

        app.handle = counted  # type: ignore[method-assign]
        conn = stack.client()
        first, body = fetch(conn, "GET", "/cache/small")
        second, again = fetch(conn, "GET", "/cache/small")

    assert first.getheader("x-cache") == "Miss from edgeworks"
    assert second.getheader("x-cache") == "Hit from edgeworks" and again == body
    assert handled == [b"/cache/small"]  # the miss only: the hit was answered at once
    assert app.cache.stats()["disk_answered"] == 1


def test_edge_sends_a_large_checked_disk_body_from_a_mapping_whole(tmp_path: Path) -> None:
    def on_disk(dist: Distribution) -> Distribution:
        storage = CacheStorage(memory_bytes=0, disk_path=str(tmp_path), disk_bytes=64 << 20)
        return dataclasses.replace(dist, cache=storage)

    size = 3 * 1024 * 1024 + 5  # past SMALL_DISK_BODY, and not a whole number of slices
    target = f"/big/m?size={size}&cache=1"
    with Stack(shape=on_disk) as stack:
        conn = stack.client()
        answers = [fetch(conn, "GET", target) for _ in range(3)]  # miss, checked hit, mapped hit
        assert stack.app is not None
        stats = stack.app.cache.stats()

    assert [head.getheader("x-cache") for head, _ in answers] == [
        "Miss from edgeworks",
        "Hit from edgeworks",
        "Hit from edgeworks",
    ]
    assert all(body == b"x" * size for _, body in answers)
    assert stats["disk_streamed"] == 2 and stats["disk_files_opened"] == 1
