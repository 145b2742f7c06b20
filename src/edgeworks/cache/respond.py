"""Responses built from a stored entry: 200, HEAD, 304, 206 and 416.

A plain hit is the prepared head plus a fresh Age and X-Cache; the other shapes are built on
demand, since they depend on the viewer's conditionals and ranges (RFC 9110 §13, §14). A body on
disk is read here with ``os.pread`` when it is small (whole up to ``SMALL_DISK_BODY``, ranges up
to ``MAX_RANGE_READ`` together); larger ones stream (``edgeworks.cache.streaming``).
"""

from __future__ import annotations

import os

from edgeworks.cache.entry import SMALL_DISK_BODY, Entry, build_head
from edgeworks.cache.rules import conditional, ranges
from edgeworks.http.headers import Headers, get, without

# RFC 9110 §15.4.5: the fields a 304 carries when the 200 would have carried them.
NOT_MODIFIED_FIELDS = (
    b"cache-control",
    b"content-location",
    b"date",
    b"etag",
    b"expires",
    b"last-modified",
    b"vary",
)
# Ranges of a disk object are read into memory only up to this many bytes together; larger
# ones are streamed from the file (``edgeworks.cache.streaming``).
MAX_RANGE_READ = 1 << 20


def respond(
    entry: Entry, method: str, request_headers: Headers, age: int, x_cache: bytes
) -> list[bytes] | None:
    """Return the response bytes for a stored entry, or None when the edge must stream it.

    Args:
        entry: the selected entry.
        method: GET or HEAD.
        request_headers: the viewer's fields.
        age: the entry's current age in seconds.
        x_cache: the X-Cache value.
    """
    tail = b"age: %d\r\nx-cache: %s\r\n\r\n" % (age, x_cache)
    stored = entry.stored
    # RFC 9110 §13.2.2: preconditions apply where the response would be a 2xx.
    success = 200 <= entry.status < 300
    if success and conditional.not_modified(request_headers, stored, entry.response_time):
        return [_not_modified_head(entry, stored), tail]
    requested = requested_ranges(entry, stored, method, request_headers)
    if requested is not None:
        return _partial(entry, stored, requested, tail)
    if method == "HEAD":
        return [entry.head, tail]
    body = entry.body if entry.body is not None else small_disk_body(entry)
    if body is None:
        return None
    return [entry.head, tail, body]


def small_disk_body(entry: Entry) -> bytes | None:
    """Return a disk body up to ``SMALL_DISK_BODY`` read now, or None to stream it.

    The entry's lookup chose this file: it is read even if the tier has let it go since (the
    descriptor stays open while the entry is held), as a streamed answer would be.
    """
    disk = entry.disk
    if disk is None or entry.length > SMALL_DISK_BODY:
        return None
    return disk.read_now()


def _not_modified_head(entry: Entry, stored: Headers) -> bytes:
    kept = set(NOT_MODIFIED_FIELDS)
    fields = [(name, value) for name, value in entry.fields(stored) if name in kept]
    return build_head(304, b"Not Modified", fields)


def requested_ranges(
    entry: Entry, stored: Headers, method: str, request_headers: Headers
) -> list[ranges.ByteRange] | None:
    """Return the ranges to answer, [] for 416, or None to send the whole object.

    RFC 9110 §14.2: Range applies to GET of a complete 200 response, when If-Range allows.
    """
    if method != "GET" or entry.status != 200:
        return None
    requested = ranges.parse_range(get(request_headers, b"range"), entry.length)
    if requested is None or not ranges.if_range_allows(request_headers, stored):
        return None
    return requested


def _partial(
    entry: Entry, stored: Headers, requested: list[ranges.ByteRange], tail: bytes
) -> list[bytes] | None:
    if not requested:
        # RFC 9110 §15.5.17: 416 with the current length.
        fields = [(b"content-range", b"bytes */%d" % entry.length), (b"content-length", b"0")]
        return [build_head(416, b"Range Not Satisfiable", fields), tail]
    if entry.body is None and sum(last - first + 1 for first, last in requested) > MAX_RANGE_READ:
        return None  # streamed from the file instead
    pieces = [_read(entry, byte_range) for byte_range in requested]
    if any(piece is None for piece in pieces):
        return None
    datas = [piece for piece in pieces if piece is not None]
    if len(requested) == 1:
        return _single(entry, stored, requested[0], datas[0], tail)
    return _multipart(entry, stored, requested, datas, tail)


def _single(
    entry: Entry, stored: Headers, byte_range: ranges.ByteRange, data: bytes, tail: bytes
) -> list[bytes]:
    return [single_head(entry, stored, byte_range), tail, data]


def single_head(entry: Entry, stored: Headers, byte_range: ranges.ByteRange) -> bytes:
    """Return the 206 head for one range (RFC 9110 §14.4: it travels with Content-Range)."""
    first, last = byte_range
    fields = without(entry.fields(stored), {b"content-length"})
    fields.append((b"content-range", ranges.content_range(byte_range, entry.length)))
    fields.append((b"content-length", b"%d" % (last - first + 1)))
    return build_head(206, b"Partial Content", fields)


def _multipart(
    entry: Entry,
    stored: Headers,
    requested: list[ranges.ByteRange],
    datas: list[bytes],
    tail: bytes,
) -> list[bytes]:
    framing = Multipart(entry, stored, requested)
    body = [part + data for part, data in zip(framing.parts, datas, strict=True)]
    payload = b"".join([*body, framing.closing])
    return [framing.head(), tail, payload]


class Multipart:
    """The framing of a multipart/byteranges answer (RFC 9110 §14.6), its data aside."""

    def __init__(self, entry: Entry, stored: Headers, requested: list[ranges.ByteRange]) -> None:
        """Frame ``requested`` ranges of ``entry``; a fresh boundary each time."""
        boundary = os.urandom(12).hex().encode("ascii")
        content_type = get(stored, b"content-type")
        self.parts: list[bytes] = []
        for byte_range in requested:
            part = [b"\r\n--%s\r\n" % boundary]
            if content_type is not None:
                part.append(b"content-type: %s\r\n" % content_type)
            content_range = ranges.content_range(byte_range, entry.length)
            part.append(b"content-range: %s\r\n\r\n" % content_range)
            self.parts.append(b"".join(part))
        self.closing = b"\r\n--%s--\r\n" % boundary
        data = sum(last - first + 1 for first, last in requested)
        self.length = sum(map(len, self.parts)) + data + len(self.closing)
        self._fields = without(entry.fields(stored), {b"content-length", b"content-type"})
        self._fields.append((b"content-type", b"multipart/byteranges; boundary=" + boundary))

    def head(self) -> bytes:
        """Return the 206 head, Content-Length covering the whole multipart body."""
        fields = [*self._fields, (b"content-length", b"%d" % self.length)]
        return build_head(206, b"Partial Content", fields)


def _read(entry: Entry, byte_range: ranges.ByteRange) -> bytes | None:
    first, last = byte_range
    if entry.body is not None:
        return entry.body[first : last + 1]
    size = last - first + 1
    if entry.disk is None:
        return None
    try:
        data = os.pread(entry.disk.fileno(), size, entry.disk.body_offset + first)
    except OSError:
        return None  # the edge then streams the whole object, or fails it, itself
    return data if len(data) == size else None
