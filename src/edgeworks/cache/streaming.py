"""Answers whose body streams from a disk file: whole objects and large ranges.

:meth:`Cache.answer` returns complete bytes for everything it can hold in memory. When the body
stays on disk (an object larger than the memory tier takes, or ranges of one adding up to more
than ``respond.MAX_RANGE_READ``), the edge asks for a :class:`Streamed` answer instead: the
complete head and an iterator of body chunks read from the open file, so that neither the
object nor a large range of it is ever held whole (RFC 9110 §14: one range as 206 with
Content-Range, several as multipart/byteranges).

Chunks of a whole object are checked against the body checksum the first time the file is read
(``DiskObject.read_chunks``); after that they are slices of a read-only mapping of the file
(``DiskObject.mapped_chunks``), which reach the socket without being copied into the process.
Chunks of a range cover only part of the body, so they cannot be checked against it: a range of
a file damaged after it was written is sent as it is on disk.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from edgeworks.cache.entry import Entry
from edgeworks.cache.errors import CacheError
from edgeworks.cache.respond import Multipart, requested_ranges, respond, single_head
from edgeworks.cache.rules.ranges import ByteRange
from edgeworks.cache.storage import DiskObject
from edgeworks.http.headers import Headers

CHUNK = 256 * 1024


@dataclass(slots=True)
class Streamed:
    """A response whose body is read from a disk file as it is sent.

    Attributes:
        head: status line and fields, Age and X-Cache included, ending in the empty line.
        status: the status code.
        length: the body bytes ``chunks`` yields in all (its Content-Length, but for HEAD
            and 304, whose head announces the length they leave out).
        chunks: the body, a chunk at a time; a checked whole body comes as ``memoryview``
            slices of a mapping of its file (bytes-like: write them, do not keep them as bytes).
    """

    head: bytes
    status: int
    length: int
    chunks: Iterator[bytes]


def stream(
    entry: Entry, method: str, request_headers: Headers, age: int, x_cache: bytes
) -> Streamed:
    """Return the answer for an entry, its body read from disk as it is sent where it is there.

    Answers that :func:`respond` builds whole (304, 416, HEAD, a memory body, small ranges)
    come back as a single chunk, so a caller may use this for every answer.

    Raises:
        CacheError: the body is neither in memory nor on disk.
    """
    prepared = respond(entry, method, request_headers, age, x_cache)
    if prepared is not None:
        head, tail, *body = prepared
        length = sum(map(len, body))
        return Streamed(head + tail, int(head[9:12]), length, iter(body))
    disk = entry.disk
    if disk is None:
        raise CacheError(f"stream() found no body for an entry of status {entry.status}")
    tail = b"age: %d\r\nx-cache: %s\r\n\r\n" % (age, x_cache)
    return _from_disk(entry, disk, method, request_headers, tail)


def _from_disk(
    entry: Entry, disk: DiskObject, method: str, request_headers: Headers, tail: bytes
) -> Streamed:
    stored = entry.stored
    requested = requested_ranges(entry, stored, method, request_headers)
    if not requested:
        # A checked file is sent from a mapping, its bytes never copied into the process.
        chunks = disk.mapped_chunks() if disk.checked else disk.read_chunks(CHUNK)
        return Streamed(entry.head + tail, entry.status, entry.length, chunks)
    if len(requested) == 1:
        first, last = requested[0]
        head = single_head(entry, stored, requested[0])
        return Streamed(head + tail, 206, last - first + 1, read_range(disk, first, last))
    framing = Multipart(entry, stored, requested)
    parts = _multipart_body(disk, framing, requested)
    return Streamed(framing.head() + tail, 206, framing.length, parts)


def read_range(disk: DiskObject, first: int, last: int) -> Iterator[bytes]:
    """Yield the body bytes ``first`` to ``last`` (inclusive) from the file, a chunk at a time.

    Raises:
        OSError: the file could not be read, or ended early (the response must be aborted).
    """
    position = first
    while position <= last:
        want = min(CHUNK, last - position + 1)
        chunk = os.pread(disk.fileno(), want, disk.body_offset + position)
        if len(chunk) != want:
            raise OSError(f"cache file {disk.path!r} ends inside the range {first}-{last}")
        position += want
        yield chunk


def _multipart_body(
    disk: DiskObject, framing: Multipart, requested: list[ByteRange]
) -> Iterator[bytes]:
    for part, (first, last) in zip(framing.parts, requested, strict=True):
        yield part
        yield from read_range(disk, first, last)
    yield framing.closing
