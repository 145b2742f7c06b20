"""Disk tier's open files: kept between reads, bounded, let go (and closed) on every change."""

from __future__ import annotations

import asyncio
import errno
import gc
import os
import socket
from pathlib import Path

import pytest

from edgeworks.cache.storage import DiskTier
from edgeworks.cache.storage.diskformat import file_name
from edgeworks.cache.storage.objects import DiskObject


def store(tier: DiskTier, key: bytes, body: bytes) -> None:
    writer = tier.open_writer(key, b"meta", len(body))
    assert writer is not None and writer.write(body) and writer.commit()


def open_cache_files(directory: Path) -> list[str]:
    """The files under ``directory/objects`` this process holds a descriptor on."""
    prefix = str(directory / "objects")
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # the descriptor listdir itself used, closed meanwhile
        if target.startswith(prefix):
            held.append(target)
    return held


def test_a_restarted_tier_opens_a_file_once_and_reads_it_after_through_the_kept_one(
    tmp_path: Path,
) -> None:
    store(DiskTier(tmp_path, 1 << 20), b"k", b"body" * 100)
    tier = DiskTier(tmp_path, 1 << 20)

    first = tier.get(b"k")
    again = tier.get(b"k")

    assert first is not None and again is first
    assert again.read_now() == b"body" * 100
    assert tier.stats.opened == 1
    assert tier.open_files == 1
    assert len(open_cache_files(tmp_path)) == 1


def test_open_files_stay_within_their_bound_least_recently_used_going_first(
    tmp_path: Path,
) -> None:
    tier = DiskTier(tmp_path, 1 << 20, max_open=3)
    for n in range(10):
        store(tier, b"/k/%d" % n, b"x" * 100)
    objects = [tier.get(b"/k/%d" % n) for n in range(10)]
    assert all(obj is not None for obj in objects)
    assert tier.get(b"/k/7") is objects[7]  # /k/7 becomes the most recently used

    assert [obj.retired for obj in objects if obj is not None] == [True] * 7 + [False] * 3
    del objects
    gc.collect()
    held = open_cache_files(tmp_path)
    assert tier.open_files == 3 and len(held) == 3
    assert sorted(Path(path).name for path in held) == sorted(
        file_name(b"/k/%d" % n) for n in (7, 8, 9)
    )


def test_evicted_and_deleted_files_have_their_descriptors_closed(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 10_000, max_object_bytes=3_000)
    store(tier, b"/gone", b"g" * 2_000)
    store(tier, b"/deleted", b"d" * 2_000)
    assert tier.get(b"/gone") is not None and tier.get(b"/deleted") is not None
    assert len(open_cache_files(tmp_path)) == 2

    tier.delete(b"/deleted")
    # New keys stored twice come back from the ghost queue into main, pushing /gone out.
    for n in [*range(8), *range(8)]:
        store(tier, b"/new/%d" % n, b"n" * 2_000)

    assert b"/gone" not in tier
    assert open_cache_files(tmp_path) == []
    assert tier.open_files == 0


def test_replaced_file_is_never_read_through_the_old_descriptor(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"k", b"old" * 100)
    old = tier.get(b"k")
    assert old is not None and old.read_current() == b"old" * 100

    store(tier, b"k", b"new" * 200)

    assert old.retired and old.read_current() is None
    current = tier.get(b"k")
    assert current is not None and current is not old
    assert current.read_current() == b"new" * 200
    # A reader that looked the key up before the change still reads the version it chose.
    assert old.read_now() == b"old" * 100


def test_a_held_descriptor_is_never_handed_out_again_for_another_file(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20)
    store(tier, b"k", b"first" * 100)
    held = tier.get(b"k")
    assert held is not None
    number = held.fileno()

    tier.delete(b"k")
    opened = [os.open(tmp_path / "other", os.O_RDWR | os.O_CREAT) for _ in range(20)]

    assert number not in opened
    assert held.read_current() is None
    assert held.read_now() == b"first" * 100  # still the deleted file, never another one
    for fd in opened:
        os.close(fd)
    del held
    gc.collect()
    assert open_cache_files(tmp_path) == []


def test_file_another_process_replaced_is_seen_once_the_recheck_is_due(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20, recheck_after=0.0)
    other = DiskTier(tmp_path, 1 << 20)  # another worker sharing the directory
    store(tier, b"k", b"mine" * 100)
    kept = tier.get(b"k")
    assert kept is not None

    store(other, b"k", b"theirs" * 100)

    found = tier.get(b"k")
    assert kept.retired
    assert found is not None and found.read_current() == b"theirs" * 100
    other.delete(b"k")
    assert tier.get(b"k") is None
    assert b"k" not in tier


def test_a_file_kept_open_is_served_until_the_recheck_is_due(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 20, recheck_after=3600.0)
    store(tier, b"k", b"kept" * 100)
    kept = tier.get(b"k")
    (tmp_path / "objects" / file_name(b"k")[:2] / file_name(b"k")).unlink()

    assert tier.get(b"k") is kept  # the documented window: removed behind the tier's back
    assert kept is not None and kept.read_current() == b"kept" * 100


def test_a_checked_body_is_sent_from_a_mapping_of_its_file(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 64 << 20, max_object_bytes=32 << 20)
    body = os.urandom(3 << 20)
    store(tier, b"/big", body)
    found = tier.get(b"/big")
    assert found is not None

    unchecked = list(found.mapped_chunks())  # first read: through the checksum, as bytes
    mapped = list(found.mapped_chunks())

    assert all(isinstance(chunk, bytes) for chunk in unchecked)
    assert found.checked and all(isinstance(chunk, memoryview) for chunk in mapped)
    assert b"".join(unchecked) == b"".join(mapped) == body


def test_a_mapped_file_cut_behind_the_tiers_back_fails_the_write_not_the_process(
    tmp_path: Path,
) -> None:
    tier = DiskTier(tmp_path, 64 << 20, max_object_bytes=32 << 20)
    store(tier, b"/big", os.urandom(3 << 20))
    found = tier.get(b"/big")
    assert found is not None and len(found.read_body()) == 3 << 20
    chunks = found.mapped_chunks()
    next(chunks)
    left, right = socket.socketpair()
    left.setblocking(False)  # a regression sends or fails at once, never waits

    os.truncate(found.path, 0)

    with left, right, pytest.raises(OSError) as failed:
        left.send(next(chunks))  # the kernel copies from the mapping: nothing here reads it
    assert failed.value.errno == errno.EFAULT


def rewrite_in_place(path: str, offset: int, data: bytes) -> None:
    """Change a cache file's bytes behind the tier's back (the tier itself never does)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, offset)
    finally:
        os.close(fd)


def checked_object(directory: Path, body: bytes) -> DiskObject:
    """A stored object, held open by its tier, whose body passed its checksum once."""
    tier = DiskTier(directory, 1 << 20)
    store(tier, b"k", body)
    obj = tier.get(b"k")
    assert obj is not None and obj.read_body() == body  # the first read checks it
    return obj


def test_reads_in_one_loop_turn_share_one_read_and_the_next_turn_reads_the_file_again(
    tmp_path: Path,
) -> None:
    obj = checked_object(tmp_path, b"a" * 1000)

    async def turns() -> tuple[bytes | None, bytes | None, bytes | None]:
        first = obj.read_now()
        rewrite_in_place(obj.path, obj.body_offset, b"b" * 1000)
        same_turn = obj.read_now()
        assert same_turn is first  # one pread served both answers of this turn
        await asyncio.sleep(0)  # the loop runs its queued callbacks: the shared read goes
        return first, same_turn, obj.read_now()

    first, same_turn, next_turn = asyncio.run(turns())

    assert first == same_turn == b"a" * 1000
    assert next_turn == b"b" * 1000


def test_reads_outside_a_running_loop_are_never_shared(tmp_path: Path) -> None:
    obj = checked_object(tmp_path, b"a" * 1000)

    assert obj.read_now() == b"a" * 1000
    rewrite_in_place(obj.path, obj.body_offset, b"b" * 1000)
    assert obj.read_now() == b"b" * 1000


def test_a_loop_stopped_in_the_middle_of_a_turn_leaves_no_shared_read_behind(
    tmp_path: Path,
) -> None:
    obj = checked_object(tmp_path, b"a" * 1000)
    loop = asyncio.new_event_loop()
    seen: list[bytes | None] = []

    def read_and_stop() -> None:
        seen.append(obj.read_now())
        loop.stop()  # the turn's release is queued after this batch and never runs

    loop.call_soon(read_and_stop)
    loop.run_forever()
    loop.close()
    rewrite_in_place(obj.path, obj.body_offset, b"b" * 1000)

    async def read() -> bytes | None:
        return obj.read_now()

    assert seen == [b"a" * 1000]
    assert asyncio.run(read()) == b"b" * 1000
    assert obj.read_now() == b"b" * 1000  # and outside any loop
