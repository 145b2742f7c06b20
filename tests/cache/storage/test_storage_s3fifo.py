"""S3-FIFO index: the byte bound, scan resistance (against plain LRU), ghosts and removal."""

from __future__ import annotations

import tracemalloc
from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache.storage.s3fifo import S3FifoIndex


class PlainLRU:
    """The baseline the scan test compares against: evict the least recently read key."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self.items: OrderedDict[bytes, int] = OrderedDict()

    def get(self, key: bytes) -> int | None:
        if key not in self.items:
            return None
        self.items.move_to_end(key)
        return self.items[key]

    def put(self, key: bytes, size: int) -> None:
        while self.used + size > self.max_bytes:
            _, old = self.items.popitem(last=False)
            self.used -= old
        self.items[key] = size
        self.used += size


def hot_survivors(cache: S3FifoIndex[int] | PlainLRU, hot: list[bytes]) -> int:
    return sum(1 for key in hot if key in (cache.items if isinstance(cache, PlainLRU) else cache))


def run_scan_workload(cache: S3FifoIndex[int] | PlainLRU) -> int:
    # A hot set of 40 keys (of 100 slots) read several times, then one pass over 5,000 cold
    # keys interleaved with an occasional read of the hot set.
    hot = [b"hot-%d" % i for i in range(40)]
    for _ in range(4):
        for key in hot:
            if cache.get(key) is None:
                put(cache, key)
    for i in range(5_000):
        put(cache, b"cold-%d" % i)
        if i % 500 == 0:
            for key in hot:
                cache.get(key)
    return hot_survivors(cache, hot)


def put(cache: S3FifoIndex[int] | PlainLRU, key: bytes) -> None:
    if isinstance(cache, PlainLRU):
        cache.put(key, 100)
    else:
        cache.put(key, 1, 100)


def test_hot_set_survives_a_scan_that_flushes_plain_lru() -> None:
    s3fifo_kept = run_scan_workload(S3FifoIndex(100 * 100))
    lru_kept = run_scan_workload(PlainLRU(100 * 100))

    assert s3fifo_kept == 40
    assert lru_kept < 40


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["put", "restore", "get", "remove"]),
            st.integers(0, 60),
            st.integers(1, 400),
        ),
        max_size=300,
    )
)
def test_byte_bound_is_never_exceeded(ops: list[tuple[str, int, int]]) -> None:
    index: S3FifoIndex[int] = S3FifoIndex(1_000)
    model: dict[bytes, tuple[int, int]] = {}  # key -> (value, size)
    for serial, (op, n, size) in enumerate(ops):
        key = b"k%d" % n
        if op in ("put", "restore"):
            evicted = set(index.put(key, serial, size, main=op == "restore"))
            live = {value for value, _ in model.values()} - evicted
            model = {k: v for k, v in model.items() if v[0] in live and k != key}
            model[key] = (serial, size)
        elif op == "get":
            expected = model.get(key)
            assert index.get(key) == (None if expected is None else expected[0])
        else:
            index.remove(key)
            model.pop(key, None)

        assert index.bytes_used <= 1_000
        assert sorted(index.keys()) == sorted(model)
        assert index.bytes_used == sum(size for _, size in model.values())


def test_evicted_values_are_returned_and_no_longer_held() -> None:
    index: S3FifoIndex[str] = S3FifoIndex(300)
    for i in range(3):
        assert index.put(b"k%d" % i, f"v{i}", 100) == []

    evicted = index.put(b"k3", "v3", 100)

    assert evicted == ["v0"]
    assert b"k0" not in index
    assert index.bytes_used == 300


def test_replacing_a_key_does_not_report_the_old_value_as_evicted() -> None:
    index: S3FifoIndex[str] = S3FifoIndex(300)
    index.put(b"k", "old", 100)

    assert index.put(b"k", "new", 150) == []
    assert index.get(b"k") == "new"
    assert index.bytes_used == 150


def test_key_returning_from_ghost_goes_to_main_and_outlives_new_keys() -> None:
    index: S3FifoIndex[int] = S3FifoIndex(1_000)
    index.put(b"again", 0, 100)
    for i in range(12):
        index.put(b"filler-%d" % i, i, 100)
    assert b"again" not in index

    index.put(b"again", 1, 100)
    for i in range(12, 20):
        index.put(b"filler-%d" % i, i, 100)

    assert b"again" in index


def test_oversized_value_is_refused_and_removes_the_older_one() -> None:
    index: S3FifoIndex[str] = S3FifoIndex(100)
    index.put(b"k", "small", 50)

    assert not index.admits(101)
    assert index.put(b"k", "huge", 101) == []
    assert b"k" not in index
    assert index.bytes_used == 0


def test_peek_does_not_count_as_a_read() -> None:
    index: S3FifoIndex[int] = S3FifoIndex(1_000)
    index.put(b"peeked", 0, 100)
    index.peek(b"peeked")
    for i in range(10):
        index.put(b"k%d" % i, i, 100)

    assert b"peeked" not in index


def test_many_removals_keep_the_index_consistent() -> None:
    index: S3FifoIndex[int] = S3FifoIndex(10_000)
    for round_ in range(20):
        for i in range(50):
            index.put(b"k%d" % i, round_, 10)
        for i in range(0, 50, 2):
            index.remove(b"k%d" % i)

    assert len(index) == 25
    assert index.bytes_used == 250
    assert sorted(index.keys()) == sorted(b"k%d" % i for i in range(1, 50, 2))


@pytest.mark.parametrize(("max_bytes", "ratio"), [(0, 0.1), (100, 0.0), (100, 1.0)])
def test_bad_arguments_name_the_value(max_bytes: int, ratio: float) -> None:
    with pytest.raises(ValueError, match=r"got"):
        S3FifoIndex(max_bytes, ratio)


def test_memory_stays_bounded_under_endless_one_off_keys() -> None:
    keys = [b"once-%d" % i for i in range(50_000)]
    tracemalloc.start()
    index: S3FifoIndex[int] = S3FifoIndex(100 * 10)
    for key in keys:
        index.put(key, 0, 10)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    assert len(index) == 100
    assert held < 100_000, f"index holds {held} bytes for 100 entries"
