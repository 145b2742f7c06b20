"""Disk tier: round trip, restart, corruption, eviction bound, large bodies, writers."""

from __future__ import annotations

import gc
import hashlib
import os
import random
import socket
import threading
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgeworks.cache.storage import CorruptObjectError, DiskTier, DiskWriter, StorageError
from edgeworks.cache.storage.diskformat import HEADER_SIZE, file_name


def store(
    tier: DiskTier, key: bytes, body: bytes, meta: bytes = b"meta", chunk: int = 1000
) -> None:
    writer = tier.open_writer(key, meta)
    assert writer is not None
    for start in range(0, len(body), chunk):
        assert writer.write(body[start : start + chunk])
    assert writer.commit()


def body_of(tier: DiskTier, key: bytes) -> bytes | None:
    found = tier.get(key)
    if found is None:
        return None
    return found.read_body()


def cache_files(directory: Path) -> list[Path]:
    return [path for path in (directory / "objects").rglob("*") if path.is_file()]


def test_streamed_object_reads_back_with_its_meta(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"GET /a", b"hello world" * 300, meta=b"status=200")

    found = tier.get(b"GET /a")
    assert found is not None
    assert found.meta == b"status=200"
    assert found.body_length == 3300
    assert found.body_offset == HEADER_SIZE + len(b"GET /a") + len(b"status=200")
    assert found.read_body() == b"hello world" * 300
    assert tier.get(b"GET /other") is None


def test_entries_survive_a_restart(tmp_path: Path) -> None:
    first = DiskTier(tmp_path, 1 << 20)
    variants = {b"GET /p|enc=%s" % enc: b"body for " + enc for enc in (b"gzip", b"br", b"none")}
    for key, body in variants.items():
        store(first, key, body)
    used = first.bytes_used

    second = DiskTier(tmp_path, 1 << 20)

    assert second.stats.loaded == 3
    assert second.bytes_used == used
    assert {key: body_of(second, key) for key in variants} == variants


def test_uncommitted_writer_is_never_visible_and_its_temp_file_goes_at_restart(
    tmp_path: Path,
) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    writer = tier.open_writer(b"k", b"m")
    assert writer is not None
    writer.write(b"partial")

    assert tier.get(b"k") is None
    assert len(list((tmp_path / "tmp").iterdir())) == 1

    restarted = DiskTier(tmp_path, 1 << 20)
    assert restarted.get(b"k") is None
    assert restarted.stats.temp_removed == 1
    assert list((tmp_path / "tmp").iterdir()) == []


def test_aborted_writer_leaves_nothing(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    with tier.open_writer(b"k", b"m") as writer:  # type: ignore[union-attr]
        writer.write(b"data")

    assert tier.get(b"k") is None
    assert list((tmp_path / "tmp").iterdir()) == []
    assert cache_files(tmp_path) == []


@pytest.mark.parametrize("where", ["magic", "meta", "truncated", "extended"])
def test_corrupt_file_is_dropped_not_served(tmp_path: Path, where: str) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"key", b"B" * 5000, meta=b"status=200")
    path = cache_files(tmp_path)[0]
    damage(path, where)

    assert tier.get(b"key") is None
    assert not path.exists()
    assert tier.stats.corrupt_dropped == 1
    assert tier.bytes_used == 0


@pytest.mark.parametrize("where", ["magic", "meta", "truncated", "extended"])
def test_corrupt_file_is_dropped_at_restart(tmp_path: Path, where: str) -> None:
    store(DiskTier(tmp_path, 1 << 20), b"key", b"B" * 5000)
    damage(cache_files(tmp_path)[0], where)

    restarted = DiskTier(tmp_path, 1 << 20)

    assert restarted.get(b"key") is None
    assert restarted.stats.corrupt_dropped == 1
    assert cache_files(tmp_path) == []


def damage(path: Path, where: str) -> None:
    data = bytearray(path.read_bytes())
    if where == "magic":
        data[0] ^= 0xFF
    elif where == "meta":
        data[HEADER_SIZE + 4] ^= 0x01
    elif where == "truncated":
        del data[-10:]
    else:
        data += b"junk"
    path.write_bytes(bytes(data))


def test_body_that_fails_its_checksum_raises_and_is_dropped(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"key", b"B" * 5000)
    path = cache_files(tmp_path)[0]
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))

    found = tier.get(b"key")
    assert found is not None
    with pytest.raises(CorruptObjectError, match="checksum"):
        found.read_body()
    assert tier.get(b"key") is None
    assert not path.exists()


def test_eviction_keeps_files_within_the_bound(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 200_000, max_object_bytes=40_000, durable=False)
    rng = random.Random(3)
    for i in range(300):
        store(tier, b"/o/%d" % rng.randrange(120), rng.randbytes(rng.randrange(0, 30_000)))
        if i % 3 == 0:
            body_of(tier, b"/o/%d" % rng.randrange(120))
        on_disk = sum(path.stat().st_size for path in cache_files(tmp_path))
        assert on_disk == tier.bytes_used <= 200_000
    assert len(cache_files(tmp_path)) == len(tier)
    assert tier.stats.evicted > 0


def test_restart_with_a_smaller_bound_evicts_down_to_it(tmp_path: Path) -> None:
    big = DiskTier(tmp_path, 1 << 20)
    for i in range(20):
        store(big, b"/o/%d" % i, b"x" * 10_000)

    small = DiskTier(tmp_path, 50_000)

    assert small.bytes_used <= 50_000
    assert len(cache_files(tmp_path)) == len(small) < 20


def test_large_body_is_read_in_bounded_chunks(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 64 << 20, max_object_bytes=16 << 20)
    body = random.Random(1).randbytes(8 << 20)
    store(tier, b"/big", body, chunk=64 * 1024)
    expected = hashlib.sha256(body).hexdigest()
    del body

    found = tier.get(b"/big")
    assert found is not None
    digest = hashlib.sha256()
    tracemalloc.start()
    sizes = []
    for chunk in found.read_chunks(256 * 1024):
        sizes.append(len(chunk))
        digest.update(chunk)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert digest.hexdigest() == expected
    assert max(sizes) == 256 * 1024 and len(sizes) == 32
    assert peak < 2 << 20


def test_body_goes_out_through_sendfile_on_a_socket(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 16 << 20, max_object_bytes=8 << 20)
    body = random.Random(2).randbytes(3 << 20)
    store(tier, b"/big", body, chunk=100_000)
    found = tier.get(b"/big")
    assert found is not None
    left, right = socket.socketpair()
    received = bytearray()
    reader = threading.Thread(target=drain, args=(right, received, len(body)))
    reader.start()

    with left:
        sent = 0
        while sent < found.body_length:
            offset = found.body_offset + sent
            sent += os.sendfile(left.fileno(), found.fileno(), offset, found.body_length - sent)
    reader.join(timeout=10)
    right.close()

    assert bytes(received) == body


def drain(sock: socket.socket, into: bytearray, length: int) -> None:
    while len(into) < length:
        data = sock.recv(1 << 16)
        if not data:
            return
        into += data


def test_reader_keeps_its_version_when_the_entry_is_replaced(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"k", b"old" * 1000)
    found = tier.get(b"k")
    assert found is not None

    store(tier, b"k", b"new" * 2000)

    assert found.read_body() == b"old" * 1000
    assert body_of(tier, b"k") == b"new" * 2000
    assert len(cache_files(tmp_path)) == 1


def test_object_over_the_size_limit_is_given_up_with_its_older_version(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20, max_object_bytes=10_000)
    store(tier, b"k", b"older")
    assert tier.open_writer(b"k", b"m", expected_length=20_000) is None
    assert tier.get(b"k") is None
    store(tier, b"k", b"older")

    writer = tier.open_writer(b"k", b"m")
    assert writer is not None
    assert writer.write(b"x" * 5_000)
    assert not writer.write(b"x" * 6_000)
    assert not writer.commit()
    assert tier.get(b"k") is None
    assert list((tmp_path / "tmp").iterdir()) == []


def test_delete_removes_the_file_and_voids_open_writers(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"k", b"v1")
    writer = tier.open_writer(b"k", b"m")
    assert writer is not None
    writer.write(b"v2")

    assert tier.delete(b"k") is True
    assert not writer.commit()
    assert tier.get(b"k") is None
    assert tier.delete(b"k") is False
    assert cache_files(tmp_path) == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_file_named_for_another_key_is_dropped_at_restart(tmp_path: Path) -> None:
    store(DiskTier(tmp_path, 1 << 20), b"real", b"body")
    path = cache_files(tmp_path)[0]
    stray = path.parent / file_name(b"other")
    path.rename(stray)

    restarted = DiskTier(tmp_path, 1 << 20)

    assert len(restarted) == 0
    assert not stray.exists()


def test_empty_body_and_binary_keys_round_trip(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    key = bytes(range(256))
    store(tier, key, b"", meta=b"\x00\xff")

    found = DiskTier(tmp_path, 1 << 20).get(key)
    assert found is not None
    assert (found.meta, found.read_body(), found.body_length) == (b"\x00\xff", b"", 0)


def test_threads_sharing_a_tier_keep_files_and_index_in_step(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 300_000, max_object_bytes=50_000, durable=False)
    mixed: list[bytes] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(150):
            key = b"/o/%02d" % rng.randrange(60)
            roll = rng.random()
            if roll < 0.5:
                writer = tier.open_writer(key, b"m")
                if writer is not None:
                    for _ in range(rng.randrange(1, 40)):
                        writer.write(key * 100)
                    writer.commit()
            elif roll < 0.85:
                body = body_of(tier, key)
                if body is not None and body != key * (len(body) // len(key)):
                    mixed.append(key)
            else:
                tier.delete(key)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert mixed == []
    on_disk = sum(path.stat().st_size for path in cache_files(tmp_path))
    assert on_disk == tier.bytes_used <= 300_000
    assert len(cache_files(tmp_path)) == len(tier)
    assert list((tmp_path / "tmp").iterdir()) == []
    assert tier.stats.corrupt_dropped == 0


def test_corrupt_old_version_does_not_take_the_newer_one_down(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"k", b"old" * 10_000)
    path = cache_files(tmp_path)[0]
    with path.open("r+b") as file:
        file.seek(-1, os.SEEK_END)
        file.write(b"!")
    stale = tier.get(b"k")
    assert stale is not None

    store(tier, b"k", b"new" * 10_000)
    with pytest.raises(CorruptObjectError):
        stale.read_body()

    assert body_of(tier, b"k") == b"new" * 10_000
    assert tier.stats.corrupt_dropped == 0


def test_file_removed_behind_the_tiers_back_is_a_miss(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"k", b"body")
    cache_files(tmp_path)[0].unlink()

    assert tier.get(b"k") is None
    assert len(tier) == 0
    assert tier.bytes_used == 0


def test_unusable_directory_is_reported_by_name(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache should go")

    with pytest.raises(StorageError, match=r"cache directory '.*not-a-directory' cannot be used"):
        DiskTier(blocker, 1 << 20)


@pytest.mark.parametrize(
    ("max_bytes", "max_object_bytes", "named"),
    [(0, None, "max_bytes"), (-5, None, "max_bytes"), (1 << 20, 0, "max_object_bytes")],
)
def test_bad_sizes_are_refused_naming_the_value(
    tmp_path: Path, max_bytes: int, max_object_bytes: int | None, named: str
) -> None:
    with pytest.raises(StorageError, match=rf"disk cache {named} must be .*got -?\d+"):
        DiskTier(tmp_path, max_bytes, max_object_bytes)


def test_frequently_read_entries_survive_a_scan_of_new_ones(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 100 * 1_100, max_object_bytes=2_000, durable=False)
    hot = [b"/hot/%d" % i for i in range(30)]
    for key in hot:
        store(tier, key, b"h" * 1_000)
        body_of(tier, key)

    for i in range(1_000):
        store(tier, b"/scan/%d" % i, b"s" * 1_000)

    assert [key for key in hot if body_of(tier, key) is None] == []
    assert tier.bytes_used <= 100 * 1_100


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["put", "put", "get", "delete", "restart", "abandon"]),
            st.integers(0, 3),
            st.sampled_from([0, 1, 100, 1_500, 3_000, 5_000]),  # 5,000: over the object limit
        ),
        max_size=40,
    )
)
def test_never_serves_a_deleted_or_outdated_version(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int, int]]
) -> None:
    directory = tmp_path_factory.mktemp("disk")
    tier = DiskTier(directory, 12_000, max_object_bytes=4_000, durable=False)
    latest: dict[bytes, bytes] = {}
    abandoned: list[DiskWriter] = []
    for serial, (op, n, size) in enumerate(ops):
        key = b"/k/%d" % n
        if op == "put":
            body = ((b"%d:" % serial) * size)[:size]
            writer = tier.open_writer(key, b"m")
            assert writer is not None
            if writer.write(body) and writer.commit():
                latest[key] = body
            else:
                latest.pop(key, None)  # too large: the older version must be gone too
        elif op == "get":
            assert body_of(tier, key) in (None, latest.get(key))
        elif op == "delete":
            tier.delete(key)
            latest.pop(key, None)
        elif op == "restart":
            tier = DiskTier(directory, 12_000, max_object_bytes=4_000, durable=False)
        else:
            writer = tier.open_writer(key, b"m")
            assert writer is not None
            writer.write(b"never committed")
            abandoned.append(writer)
        assert tier.bytes_used <= 12_000
    for n in range(4):
        assert body_of(tier, b"/k/%d" % n) in (None, latest.get(b"/k/%d" % n))
    for writer in abandoned:
        writer.abort()


def test_writer_dropped_without_commit_or_abort_cleans_up(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    writer = tier.open_writer(b"k", b"m")
    assert writer is not None
    writer.write(b"abandoned")
    assert len(list((tmp_path / "tmp").iterdir())) == 1

    del writer
    gc.collect()

    assert list((tmp_path / "tmp").iterdir()) == []
    assert tier.get(b"k") is None


def test_each_new_file_is_checked_even_after_an_older_one_passed(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"k", b"1" * 40_000)
    assert body_of(tier, b"k") == b"1" * 40_000  # passes, and is remembered as checked

    store(tier, b"k", b"2" * 40_000)
    path = cache_files(tmp_path)[0]
    with path.open("r+b") as file:
        file.seek(-100, os.SEEK_END)
        file.write(b"X")

    found = tier.get(b"k")
    assert found is not None
    with pytest.raises(CorruptObjectError, match="checksum"):
        b"".join(found.read_chunks(8192))
    assert tier.get(b"k") is None


def test_a_checked_file_is_checked_again_by_a_new_process(tmp_path: Path) -> None:
    store(DiskTier(tmp_path, 1 << 20), b"k", b"1" * 40_000)
    first = DiskTier(tmp_path, 1 << 20)
    assert body_of(first, b"k") == b"1" * 40_000
    path = cache_files(tmp_path)[0]
    with path.open("r+b") as file:
        file.seek(-100, os.SEEK_END)
        file.write(b"X")

    second = DiskTier(tmp_path, 1 << 20)

    assert body_of_or_error(second, b"k") == "corrupt"


def body_of_or_error(tier: DiskTier, key: bytes) -> bytes | str | None:
    try:
        return body_of(tier, key)
    except CorruptObjectError:
        return "corrupt"


def test_file_that_cannot_be_opened_is_a_miss_not_an_error(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"k", b"body")
    path = cache_files(tmp_path)[0]
    path.unlink()
    path.mkdir()  # opening it now fails with an error other than "not found"

    assert tier.get(b"k") is None
    assert b"k" in tier


def test_stray_directories_do_not_stop_a_restart(tmp_path: Path) -> None:
    store(DiskTier(tmp_path, 1 << 20), b"kept", b"body")
    (tmp_path / "objects" / "ab" / ("ab" + "0" * 30)).mkdir(parents=True)
    (tmp_path / "tmp" / "999999999.junk.tmp").mkdir()

    restarted = DiskTier(tmp_path, 1 << 20)

    assert body_of(restarted, b"kept") == b"body"
    assert restarted.stats.corrupt_dropped == 1
    assert restarted.stats.temp_removed == 1
    assert not (tmp_path / "objects" / "ab" / ("ab" + "0" * 30)).exists()


def test_a_file_counts_as_checked_once_its_body_was_read_whole(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"k", b"x" * 50_000)

    first = tier.get(b"k")
    assert first is not None
    assert not first.checked
    assert sum(len(chunk) for chunk in first.read_chunks(4096)) == 50_000
    assert first.checked
    again = tier.get(b"k")
    assert again is not None
    assert again.checked


def test_a_small_body_read_whole_counts_as_checked_too(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"k", b"small")

    assert body_of(tier, b"k") == b"small"
    again = tier.get(b"k")
    assert again is not None
    assert again.checked
    assert again.read_body() == b"small"
