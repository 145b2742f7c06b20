"""Filling entries from streamed bodies (RFC 9111 §3.3: incomplete responses)."""

from __future__ import annotations

from cache_support import FOLLOW, T0, hdrs, memory_cache

from edgeworks.cache import Cache

CC60 = hdrs(("Cache-Control", "max-age=60"))


def writer(cache: Cache, response=CC60):
    opened = cache.open_writer(b"k", "GET", [], 200, response, FOLLOW, T0, T0)
    assert opened is not None
    return opened


def test_chunks_are_joined_into_one_body() -> None:
    cache = memory_cache()
    filling = writer(cache)
    for chunk in (b"ab", b"", b"cd"):
        filling.write(chunk)
    entry = filling.commit()
    assert entry is not None and entry.body == b"abcd" and entry.length == 4


def test_aborted_writer_stores_nothing() -> None:
    cache = memory_cache()
    filling = writer(cache)
    filling.write(b"abc")
    filling.abort()
    assert filling.commit() is None
    assert cache.lookup(b"k", "GET", [], FOLLOW, T0).kind == "miss"


def test_body_longer_than_declared_is_incomplete_rfc9111_3_3() -> None:
    cache = memory_cache()
    filling = writer(cache, hdrs(("Cache-Control", "max-age=60"), ("Content-Length", "2")))
    filling.write(b"abc")
    assert filling.commit() is None


def test_body_too_large_for_memory_without_disk_is_dropped() -> None:
    cache = memory_cache(memory_bytes=8 * 1024)  # largest object: 1 KiB
    filling = writer(cache)
    filling.write(b"x" * 4096)
    assert filling.commit() is None
    assert cache.stats().get("stores", 0) == 0


def test_commit_twice_stores_once() -> None:
    cache = memory_cache()
    filling = writer(cache)
    filling.write(b"abc")
    assert filling.commit() is not None
    assert filling.commit() is None
    assert cache.stats()["stores"] == 1
