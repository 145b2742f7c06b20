"""Cache file layout: round trip, and garbage or damage never crashes nor passes as valid."""

from __future__ import annotations

import os
import tempfile
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache.storage.diskformat import (
    HEADER_SIZE,
    MAGIC,
    FileHeader,
    FormatError,
    encode_head,
    file_name,
    read_head,
)


def read_bytes_as_file(data: bytes) -> tuple[FileHeader, bytes | None]:
    with tempfile.TemporaryFile() as file:
        file.write(data)
        file.flush()
        return read_head(file.fileno())


@settings(max_examples=150, deadline=None)
@given(key=st.binary(max_size=200), meta=st.binary(max_size=300), body=st.binary(max_size=500))
def test_encoded_file_reads_back(key: bytes, meta: bytes, body: bytes) -> None:
    data = encode_head(key, meta, len(body), zlib.crc32(body)) + body

    header, inline = read_bytes_as_file(data)

    assert (header.key, header.meta, header.body_length) == (key, meta, len(body))
    assert header.body_crc == zlib.crc32(body)
    assert header.file_size == len(data)
    assert inline == body


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=600), st.binary(max_size=600).map(lambda b: MAGIC + b)))
def test_garbage_is_refused_with_a_format_error(data: bytes) -> None:
    try:
        read_bytes_as_file(data)
    except FormatError as exc:
        assert str(exc)
    else:
        raise AssertionError(f"garbage accepted as a cache file: {data!r}")


@settings(max_examples=200, deadline=None)
@given(
    key=st.binary(min_size=1, max_size=50),
    meta=st.binary(max_size=80),
    position=st.integers(min_value=0),
    flip=st.integers(min_value=1, max_value=255),
)
def test_any_damaged_header_byte_is_caught(
    key: bytes, meta: bytes, position: int, flip: int
) -> None:
    good = bytearray(encode_head(key, meta, 3, zlib.crc32(b"abc")) + b"abc")
    index = position % (HEADER_SIZE + len(key) + len(meta))
    good[index] ^= flip

    try:
        read_bytes_as_file(bytes(good))
    except FormatError:
        return
    raise AssertionError(f"damage at byte {index} went unnoticed")


def test_large_metadata_takes_a_second_read() -> None:
    meta = os.urandom(40_000)
    header, inline = read_bytes_as_file(encode_head(b"k", meta, 0, 0))

    assert header.meta == meta
    assert inline == b""


def test_file_names_are_hex_digests_of_the_key() -> None:
    name = file_name(b"\x00any/bytes\xff")

    assert len(name) == 32
    assert set(name) <= set("0123456789abcdef")
    assert name != file_name(b"\x00any/bytes\xfe")
