"""Several workers, one cache each, share the node's memory and disk bounds."""

from __future__ import annotations

from pathlib import Path

import pytest
from cache_support import FOLLOW, T0, hdrs, store

from edgeworks.cache import Cache, CacheError
from edgeworks.cache.storage import DiskTier
from edgeworks.config.model import CacheStorage

CC60 = ("Cache-Control", "max-age=60")


def storage(tmp_path: Path, disk_bytes: int = 1 << 24) -> CacheStorage:
    return CacheStorage(memory_bytes=1 << 22, disk_path=str(tmp_path), disk_bytes=disk_bytes)


def test_bounds_divided_between_workers(tmp_path: Path) -> None:
    cache = Cache(storage(tmp_path), workers=4)
    assert cache._store.memory.max_bytes == (1 << 22) // 4
    assert cache._store.disk is not None
    assert cache._store.disk.max_bytes == (1 << 24) // 4


def test_one_worker_keeps_the_whole_bounds(tmp_path: Path) -> None:
    cache = Cache(storage(tmp_path))
    assert cache._store.memory.max_bytes == 1 << 22
    assert cache._store.disk is not None and cache._store.disk.max_bytes == 1 << 24


def test_large_object_still_fits_a_workers_disk_share(tmp_path: Path) -> None:
    cache = Cache(storage(tmp_path, disk_bytes=1 << 20), workers=4)
    body = b"x" * 100_000  # past an eighth of the share, within an eighth of the node
    assert store(cache, hdrs(CC60), body) is not None
    assert cache.lookup(b"k", "GET", [], FOLLOW, T0).kind == "hit"


@pytest.mark.parametrize("workers", [0, -2, True, 1.5])
def test_bad_worker_count_named(tmp_path: Path, workers: object) -> None:
    with pytest.raises(CacheError, match="workers"):
        Cache(storage(tmp_path), workers=workers)  # type: ignore[arg-type]


def test_restarted_workers_divide_the_files_found(tmp_path: Path) -> None:
    single = Cache(storage(tmp_path, disk_bytes=1 << 22))
    for number in range(40):
        store(single, hdrs(CC60), b"b" * 20_000, key=b"/%d" % number)
    assert single._store.disk is not None
    total = single._store.disk.bytes_used
    del single

    # Two workers restart on the directory: each indexes its own part of the files, so
    # together they count every file once and stay within the node's bound without evicting.
    first = DiskTier(tmp_path, (1 << 22) // 2, workers=2)
    second = DiskTier(tmp_path, (1 << 22) // 2, workers=2)
    assert {first.share, second.share} == {(0, 2), (1, 2)}
    assert first.stats.evicted == second.stats.evicted == 0
    assert first.bytes_used + second.bytes_used == total
    assert len(first) + len(second) == 40
    assert len(first) > 0 and len(second) > 0


def test_every_worker_reads_objects_another_stored(tmp_path: Path) -> None:
    first = Cache(storage(tmp_path), workers=2)
    second = Cache(storage(tmp_path), workers=2)
    store(first, hdrs(CC60), b"from the first worker")
    found = second.lookup(b"k", "GET", [], FOLLOW, T0)
    assert found.entry is not None and found.entry.body == b"from the first worker"


def test_worker_invalidates_what_another_slot_holds_after_restart_rfc9111_4_4(
    tmp_path: Path,
) -> None:
    single = Cache(storage(tmp_path))
    for number in range(16):
        writer = single.open_writer(
            b"k%d" % number, "GET", [], 200, hdrs(CC60), FOLLOW, T0, T0,
            host=b"h", path=b"/%d" % number,
        )  # fmt: skip
        assert writer is not None
        writer.write(b"body")
        assert writer.commit() is not None
    del single

    first = Cache(storage(tmp_path), workers=2)
    second = Cache(storage(tmp_path), workers=2)
    assert first._store.disk is not None
    # Every URL goes through the first worker, whose own slot holds only some of them.
    assert 0 < len(first._store.disk) < 16
    for number in range(16):
        assert first.invalidate("PUT", 200, b"h", b"/%d" % number, []) >= 1, number
        found = second.lookup(b"k%d" % number, "GET", [], FOLLOW, T0)
        assert found.kind == "miss", number
