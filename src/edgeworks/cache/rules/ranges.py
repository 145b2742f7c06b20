"""Byte ranges answered from a stored complete object (RFC 9110 §14, §13.1.5).

:func:`parse_range` returns None when the Range field is to be ignored (absent, not ``bytes``,
or malformed: §14.2 lets a server ignore it and send the whole object), an empty list when no
range is satisfiable (416, §15.5.17), or the satisfiable ranges as inclusive (first, last).
"""

from __future__ import annotations

import re

from edgeworks.cache.rules.dates import parse_http_date
from edgeworks.cache.rules.fields import parse_entity_tags, strong_match
from edgeworks.http.headers import Headers, get

# §14.2: a server may ignore a request for very many ranges; past this count it does.
MAX_RANGES = 32

_SPEC = re.compile(rb"\A(\d*)-(\d*)\Z")

ByteRange = tuple[int, int]
"""An inclusive (first, last) byte position pair."""


def parse_range(value: bytes | None, length: int) -> list[ByteRange] | None:
    """Parse a Range field against an object of ``length`` bytes (RFC 9110 §14.1.1)."""
    if value is None:
        return None
    unit, sep, specs = value.partition(b"=")
    if not sep or unit.strip().lower() != b"bytes":
        return None
    parts = [part.strip(b" \t") for part in specs.split(b",")]
    parts = [part for part in parts if part]
    if not parts or len(parts) > MAX_RANGES:
        return None
    if not all(_valid(part) for part in parts):
        return None
    return [found for part in parts if (found := _one(part, length)) is not None]


def _valid(spec: bytes) -> bool:
    # §14.1.1: a spec needs a first-pos or a suffix, and last-pos is not below first-pos.
    found = _SPEC.match(spec)
    if found is None:
        return False
    first, last = found.groups()
    if not first:
        return bool(last)
    return not last or int(last) >= int(first)


def _one(spec: bytes, length: int) -> ByteRange | None:
    found = _SPEC.match(spec)
    if found is None:
        return None
    first, last = found.groups()
    if not first:
        suffix = int(last)  # §14.1.3: the final ``suffix`` bytes.
        return (max(0, length - suffix), length - 1) if suffix and length else None
    start = int(first)
    end = int(last) if last else length - 1
    if start >= length:
        return None  # unsatisfiable, but the field stays valid
    return start, min(end, length - 1)


def if_range_allows(request_headers: Headers, stored: Headers) -> bool:
    """Return whether If-Range lets the Range apply (RFC 9110 §13.1.5)."""
    value = get(request_headers, b"if-range")
    if value is None:
        return True
    value = value.strip()
    if value.startswith((b'"', b"W/")):
        wanted = parse_entity_tags(value) or []
        current = parse_entity_tags(get(stored, b"etag")) or []
        return bool(wanted and current) and strong_match(wanted[0], current[0])
    # A date matches only a strong Last-Modified equal to it (Date at least a second later).
    when = parse_http_date(value)
    modified = parse_http_date(get(stored, b"last-modified"))
    date = parse_http_date(get(stored, b"date"))
    if when is None or modified is None or date is None:
        return False
    return when == modified and date - modified >= 1


def content_range(byte_range: ByteRange, length: int) -> bytes:
    """Return a Content-Range value for one range (RFC 9110 §14.4)."""
    return b"bytes %d-%d/%d" % (byte_range[0], byte_range[1], length)
