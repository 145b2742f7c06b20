"""Memory tier: byte bound with per-entry overhead, variants side by side, size limits."""

from __future__ import annotations

import random

import pytest

from edgeworks.cache.storage import ENTRY_OVERHEAD, MemoryTier, StorageError, StoredObject


def obj(key: bytes, body_size: int, meta: bytes = b"status=200") -> StoredObject:
    return StoredObject(key, meta, b"b" * body_size)


def test_bytes_used_never_exceeds_the_bound_under_random_sizes() -> None:
    tier = MemoryTier(64 * 1024)
    rng = random.Random(7)
    for i in range(3_000):
        tier.put(obj(b"/o/%d" % rng.randrange(600), rng.randrange(0, 7_000)))
        tier.get(b"/o/%d" % rng.randrange(600))
        assert tier.bytes_used <= 64 * 1024, f"over the bound after put {i}"


def test_charge_includes_payload_and_entry_overhead() -> None:
    tier = MemoryTier(1 << 20)
    stored = obj(b"/a", 1_000)
    tier.put(stored)

    assert tier.bytes_used == stored.size + ENTRY_OVERHEAD
    assert stored.size == len(b"/a") + len(b"status=200") + 1_000


def test_many_variants_of_one_url_live_side_by_side() -> None:
    tier = MemoryTier(1 << 20)
    encodings = [b"gzip", b"br", b"identity"]
    keys = [b"GET example.com /page|accept-encoding=" + enc for enc in encodings]
    for key, enc in zip(keys, encodings, strict=True):
        tier.put(StoredObject(key, b"m", b"body in " + enc))

    found = [tier.get(key) for key in keys]
    assert [item.body if item else None for item in found] == [
        b"body in gzip",
        b"body in br",
        b"body in identity",
    ]
    assert len(tier) == 3


def test_object_too_large_is_refused_and_the_older_version_removed() -> None:
    tier = MemoryTier(80_000, max_object_bytes=10_000)
    tier.put(obj(b"/big", 100))

    assert tier.put(obj(b"/big", 20_000)) is False
    assert tier.get(b"/big") is None
    assert not tier.accepts(10_000)
    assert tier.accepts(10_000 - ENTRY_OVERHEAD - 1)


def test_default_largest_object_is_an_eighth_of_the_tier() -> None:
    tier = MemoryTier(80_000)

    assert tier.max_object_bytes == 10_000


def test_get_returns_the_object_put_and_delete_removes_it() -> None:
    tier = MemoryTier(1 << 20)
    stored = obj(b"/x", 10)
    tier.put(stored)

    assert tier.get(b"/x") is stored
    assert tier.peek(b"/x") is stored
    assert tier.delete(b"/x") is True
    assert tier.delete(b"/x") is False
    assert b"/x" not in tier
    assert tier.bytes_used == 0


def test_read_objects_outlive_unread_ones() -> None:
    tier = MemoryTier(20 * (1_000 + ENTRY_OVERHEAD + 20))
    tier.put(obj(b"/kept", 1_000))
    tier.get(b"/kept")
    for i in range(200):
        tier.put(obj(b"/once/%d" % i, 1_000))

    assert tier.get(b"/kept") is not None


def test_hot_objects_survive_a_one_pass_scan_of_cold_ones() -> None:
    per_object = 2_000 + ENTRY_OVERHEAD + 20
    tier = MemoryTier(100 * per_object, max_object_bytes=per_object)
    hot = [b"/hot/%d" % i for i in range(30)]
    for _ in range(3):
        for key in hot:
            if tier.get(key) is None:
                tier.put(obj(key, 2_000))

    for i in range(10_000):
        tier.put(obj(b"/scan/%d" % i, 2_000))

    assert [key for key in hot if key not in tier] == []
    assert tier.bytes_used <= 100 * per_object
    assert tier.evicted == 10_000 + 30 - len(tier)


@pytest.mark.parametrize(("max_bytes", "max_object_bytes"), [(0, None), (1 << 20, -1)])
def test_bad_sizes_are_refused_naming_the_value(
    max_bytes: int, max_object_bytes: int | None
) -> None:
    with pytest.raises(StorageError, match=r"memory cache max_\w+ must be a positive integer"):
        MemoryTier(max_bytes, max_object_bytes)
