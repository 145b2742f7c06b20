"""The layout of one cache file, and the checks a file must pass before it is served.

A file is a fixed header, then the key, the metadata and the body::

    magic "EWCACHE1" | key length u32 | meta length u32 | body length u64
    | body crc32 u32 | head crc32 u32 | key | meta | body

All integers are big-endian. ``head crc32`` covers the header fields before it, the key and the
metadata, so a file can be indexed and its metadata trusted by reading only its first bytes;
``body crc32`` is checked whenever the body is read through the tier. The writer streams the
body behind a placeholder header and writes the real header last, just before the file is
synced and renamed into place, so a file is either complete or never visible.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from dataclasses import dataclass

MAGIC = b"EWCACHE1"
_HEADER = struct.Struct(">8sIIQII")
HEADER_SIZE = _HEADER.size
_CHECKED = struct.Struct(">8sIIQI")  # the fields head crc32 covers
MAX_KEY_BYTES = 64 * 1024
MAX_META_BYTES = 1024 * 1024
# Most metadata blocks fit in one read of this size; a larger one takes a second read.
FIRST_READ = 16 * 1024


class FormatError(ValueError):
    """A cache file does not hold what its header promises; the message says what."""


@dataclass(slots=True, frozen=True)
class FileHeader:
    """The decoded header and metadata block of one cache file."""

    key: bytes
    meta: bytes
    body_length: int
    body_crc: int

    @property
    def body_offset(self) -> int:
        """Where the body starts in the file."""
        return HEADER_SIZE + len(self.key) + len(self.meta)

    @property
    def file_size(self) -> int:
        """The exact size a complete file has."""
        return self.body_offset + self.body_length


def file_name(key: bytes) -> str:
    """Return the file name for ``key``: a hex digest, so any bytes make a safe name."""
    return hashlib.blake2b(key, digest_size=16).hexdigest()


def encode_head(key: bytes, meta: bytes, body_length: int, body_crc: int) -> bytes:
    """Return the header, key and metadata for a file, with their checksum."""
    checked = _CHECKED.pack(MAGIC, len(key), len(meta), body_length, body_crc)
    head_crc = zlib.crc32(meta, zlib.crc32(key, zlib.crc32(checked)))
    return _HEADER.pack(MAGIC, len(key), len(meta), body_length, body_crc, head_crc) + key + meta


def read_head(fd: int, size: int | None = None) -> tuple[FileHeader, bytes | None]:
    """Read and check the header of the open file ``fd``, including its size.

    Args:
        fd: The open file.
        size: The file's size when the caller has already taken it with ``os.fstat``.

    Returns:
        The header, and the body when the first read already held all of it (small files
        then need no second read), else None.

    Raises:
        FormatError: The magic, a length, the checksum or the file size is wrong.
    """
    first = os.pread(fd, FIRST_READ, 0)
    if len(first) < HEADER_SIZE:
        raise FormatError(f"file has {len(first)} bytes, shorter than a header")
    magic, key_len, meta_len, body_len, body_crc, head_crc = _HEADER.unpack_from(first)
    if magic != MAGIC:
        raise FormatError(f"magic is {magic!r}, expected {MAGIC!r}")
    if key_len > MAX_KEY_BYTES or meta_len > MAX_META_BYTES:
        raise FormatError(f"key length {key_len} or meta length {meta_len} out of bounds")
    end = HEADER_SIZE + key_len + meta_len
    block = first if len(first) >= end else os.pread(fd, end, 0)
    if len(block) < end:
        raise FormatError(f"file ends at {len(block)} inside its metadata (needs {end})")
    key = block[HEADER_SIZE : HEADER_SIZE + key_len]
    meta = block[HEADER_SIZE + key_len : end]
    checked = block[: _CHECKED.size]
    if zlib.crc32(meta, zlib.crc32(key, zlib.crc32(checked))) != head_crc:
        raise FormatError("header checksum does not match")
    header = FileHeader(key, meta, body_len, body_crc)
    if size is None:
        size = os.fstat(fd).st_size
    if size != header.file_size:
        raise FormatError(f"file has {size} bytes, header promises {header.file_size}")
    whole = len(block) == size
    return header, block[end:] if whole else None
