"""A body copied whole from another object's file by the kernel, checksum kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edgeworks.cache.storage import CorruptObjectError, DiskTier

BODY = os.urandom(300_000)


def _stored(tier: DiskTier, key: bytes, body: bytes) -> None:
    writer = tier.open_writer(key, b"old meta", len(body))
    assert writer is not None and writer.write(body) and writer.commit()


def test_copied_body_stored_under_new_metadata(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 24)
    _stored(tier, b"/a", BODY)
    source = tier.get(b"/a")
    assert source is not None
    writer = tier.open_writer(b"/a", b"new meta", len(BODY))
    assert writer is not None and writer.copy_body(source) and writer.commit()
    copied = tier.get(b"/a")
    assert copied is not None
    assert copied.meta == b"new meta"
    assert b"".join(copied.read_chunks()) == BODY  # checksum checked at the end


def test_damaged_source_body_still_caught_in_the_copy(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 24)
    _stored(tier, b"/a", BODY)
    source = tier.get(b"/a")
    assert source is not None
    with open(source.path, "r+b") as file:
        file.seek(source.body_offset + 10)
        file.write(bytes([BODY[10] ^ 0xFF]))
    writer = tier.open_writer(b"/b", b"copy", len(BODY))
    assert writer is not None and writer.copy_body(source) and writer.commit()
    copied = tier.get(b"/b")
    assert copied is not None
    with pytest.raises(CorruptObjectError):
        b"".join(copied.read_chunks())


def test_copy_too_large_for_the_tier_gives_up(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, 1 << 24)
    small = DiskTier(tmp_path / "small", 200_000)
    _stored(tier, b"/a", BODY)
    source = tier.get(b"/a")
    assert source is not None
    writer = small.open_writer(b"/a", b"m")
    assert writer is not None and not writer.copy_body(source)
    assert not writer.commit()
    assert small.get(b"/a") is None
