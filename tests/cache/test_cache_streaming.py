"""Bodies on disk streamed to the viewer: whole objects and ranges past 1 MiB (RFC 9110 §14)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cache_support import FOLLOW, T0, hdrs, store

from edgeworks.cache import Cache, CacheError, Lookup
from edgeworks.cache.streaming import CHUNK
from edgeworks.config.model import CacheStorage

HIT = b"Hit from edgeworks"
SIZE = 3 * (1 << 20) + 17
BODY = os.urandom(SIZE)


@pytest.fixture
def found(tmp_path: Path) -> Iterator[Lookup]:
    cache = Cache(CacheStorage(memory_bytes=64 * 1024, disk_path=str(tmp_path)))
    stored = store(cache, hdrs(("Cache-Control", "max-age=60"), ("Content-Type", "a/b")), BODY)
    assert stored is not None and stored.body is None
    lookup = cache.lookup(b"k", "GET", [], FOLLOW, T0)
    assert lookup.entry is not None and lookup.entry.disk is not None
    yield lookup
    lookup.entry.close()


def _stream(found: Lookup, request: list[tuple[bytes, bytes]]) -> tuple[bytes, bytes, int]:
    cache = Cache(CacheStorage())
    assert cache.answer(found, "GET", request, T0, HIT) is None  # left to the edge
    streamed = cache.stream(found, "GET", request, T0, HIT)
    chunks = list(streamed.chunks)
    assert all(len(chunk) <= CHUNK for chunk in chunks)  # never the whole range at once
    body = b"".join(chunks)
    assert len(body) == streamed.length
    return streamed.head, body, streamed.status


def test_large_single_range_streams_from_disk_rfc9110_14_4(found: Lookup) -> None:
    head, body, status = _stream(found, hdrs(("Range", "bytes=100-2000099")))
    assert status == 206 and head.startswith(b"HTTP/1.1 206 Partial Content\r\n")
    assert b"content-range: bytes 100-2000099/%d\r\n" % SIZE in head
    assert b"content-length: 2000000\r\n" in head
    assert head.endswith(b"x-cache: " + HIT + b"\r\n\r\n")
    assert body == BODY[100:2000100]


def test_large_suffix_range_streams_from_disk_rfc9110_14_1_2(found: Lookup) -> None:
    _, body, status = _stream(found, hdrs(("Range", "bytes=-1500000")))
    assert status == 206 and body == BODY[-1500000:]


def test_large_ranges_stream_as_multipart_rfc9110_14_6(found: Lookup) -> None:
    head, body, status = _stream(found, hdrs(("Range", "bytes=0-9,1000000-2199999")))
    assert status == 206
    boundary = re.search(rb"multipart/byteranges; boundary=(\w+)", head)
    assert boundary is not None
    parts = body.split(b"\r\n--" + boundary.group(1))
    assert parts[0] == b"" and parts[-1] == b"--\r\n"
    first, second = (part.split(b"\r\n\r\n", 1) for part in parts[1:3])
    assert b"content-range: bytes 0-9/%d" % SIZE in first[0]
    assert b"content-type: a/b" in first[0]
    assert first[1] == BODY[:10]
    assert second[1] == BODY[1000000:2200000]


def test_whole_disk_object_streams_with_its_head(found: Lookup) -> None:
    head, body, status = _stream(found, [])
    assert status == 200 and b"content-length: %d\r\n" % SIZE in head
    assert body == BODY


def test_small_range_of_disk_object_still_answered_whole(found: Lookup) -> None:
    parts = Cache(CacheStorage()).answer(found, "GET", hdrs(("Range", "bytes=5-9")), T0, HIT)
    assert parts is not None and parts[2] == BODY[5:10]


def test_prepared_answers_stream_as_one_chunk_rfc9110_13_2_2() -> None:
    cache = Cache(CacheStorage())
    store(cache, hdrs(("Cache-Control", "max-age=60"), ("ETag", '"v"')), b"small")
    lookup = cache.lookup(b"k", "GET", [], FOLLOW, T0)
    whole = cache.stream(lookup, "GET", [], T0, HIT)
    assert (whole.status, whole.length, list(whole.chunks)) == (200, 5, [b"small"])
    matched = cache.stream(lookup, "GET", hdrs(("If-None-Match", '"v"')), T0, HIT)
    assert (matched.status, matched.length, list(matched.chunks)) == (304, 0, [])
    head = cache.stream(lookup, "HEAD", [], T0, HIT)
    assert head.status == 200 and list(head.chunks) == []
    assert b"content-length: 5\r\n" in head.head


def test_head_of_disk_entry_sends_no_body(found: Lookup) -> None:
    streamed = Cache(CacheStorage()).stream(found, "HEAD", [], T0, HIT)
    assert streamed.length == 0 and list(streamed.chunks) == []
    assert b"content-length: %d\r\n" % SIZE in streamed.head


def test_stream_without_entry_names_the_kind() -> None:
    with pytest.raises(CacheError, match="'miss'"):
        Cache(CacheStorage()).stream(Lookup("miss"), "GET", [], T0, HIT)
