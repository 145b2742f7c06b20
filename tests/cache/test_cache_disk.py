"""The facade on the disk tier: restarts, large bodies streamed from disk, refreshes."""

from __future__ import annotations

import os
from pathlib import Path

from cache_support import FOLLOW, T0, hdrs, store

from edgeworks.cache import Cache
from edgeworks.config.model import CacheStorage

HIT = b"Hit from edgeworks"
CC60 = ("Cache-Control", "max-age=60")


def disk_cache(tmp_path: Path, memory_bytes: int = 1 << 20) -> Cache:
    return Cache(CacheStorage(memory_bytes=memory_bytes, disk_path=str(tmp_path)))


def test_entry_survives_restart(tmp_path: Path) -> None:
    store(disk_cache(tmp_path), hdrs(CC60, ("ETag", '"v1"')), b"persisted")
    again = disk_cache(tmp_path)
    found = again.lookup(b"k", "GET", [], FOLLOW, T0 + 10)
    assert found.kind == "hit"
    answer = again.answer(found, "GET", [], T0 + 10, HIT)
    assert answer is not None and answer[-1] == b"persisted"
    assert answer[1].startswith(b"age: 10\r\n")


def test_variants_survive_restart_rfc9111_4_1(tmp_path: Path) -> None:
    vary = hdrs(CC60, ("Vary", "Accept-Language"))
    cache = disk_cache(tmp_path)
    store(cache, vary, b"english", request=hdrs(("Accept-Language", "en")))
    store(cache, vary, b"french", request=hdrs(("Accept-Language", "fr")))
    again = disk_cache(tmp_path)
    found = again.lookup(b"k", "GET", hdrs(("Accept-Language", "FR")), FOLLOW, T0)
    assert found.entry is not None and found.entry.body == b"french"


def test_large_body_streams_from_disk(tmp_path: Path) -> None:
    body = os.urandom(320 * 1024)  # past SMALL_DISK_BODY
    cache = disk_cache(tmp_path, memory_bytes=64 * 1024)  # max object in memory: 8 KiB
    entry = store(cache, hdrs(CC60), body)
    assert entry is not None and entry.body is None
    found = cache.lookup(b"k", "GET", [], FOLLOW, T0)
    assert found.entry is not None and found.entry.disk is not None
    assert cache.answer(found, "GET", [], T0, HIT) is None
    disk = found.entry.disk
    assert os.pread(disk.fileno(), len(body), disk.body_offset) == body
    assert b"content-length: 327680\r\n" in found.entry.head
    part = cache.answer(found, "GET", hdrs(("Range", "bytes=100-199")), T0, HIT)
    assert part is not None and part[2] == body[100:200]
    found.entry.close()


def test_freshen_rewrites_disk_entry_rfc9111_4_3_4(tmp_path: Path) -> None:
    cache = disk_cache(tmp_path)
    store(cache, hdrs(CC60, ("ETag", '"v1"')))
    found = cache.lookup(b"k", "GET", [], FOLLOW, T0 + 100)
    assert found.kind == "revalidate" and found.entry is not None
    cache.freshen(found.entry, b"k", hdrs(CC60, ("ETag", '"v1"')), T0 + 100, T0 + 100)
    again = disk_cache(tmp_path)
    assert again.lookup(b"k", "GET", [], FOLLOW, T0 + 110).kind == "hit"


def test_invalidation_reaches_disk_rfc9111_4_4(tmp_path: Path) -> None:
    cache = disk_cache(tmp_path)
    store(cache, hdrs(CC60))
    cache.invalidate("PUT", 200, b"h", b"/p", [])
    assert disk_cache(tmp_path).lookup(b"k", "GET", [], FOLLOW, T0).kind == "miss"


def test_corrupt_body_on_disk_is_a_miss(tmp_path: Path) -> None:
    store(disk_cache(tmp_path), hdrs(CC60), b"0123456789" * 10)
    files = [p for p in (tmp_path / "objects").rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = bytearray(path.read_bytes())
        data[-3] ^= 0xFF  # the body ends every file: flip a byte of it
        path.write_bytes(bytes(data))
    assert disk_cache(tmp_path).lookup(b"k", "GET", [], FOLLOW, T0).kind == "miss"


def test_record_that_does_not_decode_is_a_miss(tmp_path: Path) -> None:
    cache = disk_cache(tmp_path)
    store(cache, hdrs(CC60))
    assert cache._store.disk is not None
    writer = cache._store.disk.open_writer(b"k", b"E{not json", 4)
    assert writer is not None and writer.write(b"body") and writer.commit()
    cache._store.memory.delete(b"k")
    assert cache.lookup(b"k", "GET", [], FOLLOW, T0).kind == "miss"


def test_freshen_keeps_large_disk_body_under_new_fields_rfc9111_4_3_4(tmp_path: Path) -> None:
    body = os.urandom(64 * 1024)
    cache = disk_cache(tmp_path, memory_bytes=64 * 1024)  # max object in memory: 8 KiB
    store(cache, hdrs(CC60, ("ETag", '"v1"')), body)
    found = cache.lookup(b"k", "GET", [], FOLLOW, T0 + 100)
    assert found.kind == "revalidate" and found.entry is not None
    cache.freshen(
        found.entry, b"k", hdrs(CC60, ("ETag", '"v1"'), ("X-New", "1")), T0 + 100, T0 + 100
    )
    found.entry.close()
    again = disk_cache(tmp_path, memory_bytes=64 * 1024).lookup(b"k", "GET", [], FOLLOW, T0 + 110)
    assert again.kind == "hit" and again.entry is not None and again.entry.disk is not None
    assert b"x-new: 1\r\n" in again.entry.head
    assert b"".join(again.entry.disk.read_chunks()) == body
    again.entry.close()


def test_first_variants_filled_at_once_large_one_kept_on_disk_rfc9111_4_1(
    tmp_path: Path,
) -> None:
    cache = disk_cache(tmp_path, memory_bytes=64 * 1024)  # max object in memory: 8 KiB
    vary = hdrs(CC60, ("Vary", "Accept-Encoding"))
    large = os.urandom(40_000)
    writers = [
        cache.open_writer(
            b"k", "GET", hdrs(("Accept-Encoding", coding)), 200, vary, FOLLOW, T0, T0
        )
        for coding in ("gzip", "br")
    ]
    assert writers[0] is not None and writers[1] is not None
    writers[0].write(b"gzip-body")
    writers[1].write(large)
    assert writers[0].commit() is not None
    assert writers[1].commit() is not None  # finished second, under the first one's record
    found = cache.lookup(b"k", "GET", hdrs(("Accept-Encoding", "br")), FOLLOW, T0)
    assert found.kind == "hit" and found.entry is not None and found.entry.disk is not None
    assert b"".join(found.entry.disk.read_chunks()) == large
    found.entry.close()
    found = cache.lookup(b"k", "GET", hdrs(("Accept-Encoding", "gzip")), FOLLOW, T0)
    assert found.entry is not None and found.entry.body == b"gzip-body"
