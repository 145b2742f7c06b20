"""The objects of the embedded demo origin, chosen to show what the cache does with each.

Every object carries the ``Cache-Control`` a real origin would send for its kind, so that a
newcomer sees a Miss then a Hit on what is cacheable and a Miss every time on what is not.
"""

from __future__ import annotations

import json
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

LARGE_SIZE = 16 << 20


@dataclass(frozen=True, slots=True)
class DemoObject:
    """One demo object: what it is, how it may be cached, and how to make its body."""

    content_type: str
    cache_control: str
    describe: str
    body: Callable[[], bytes]


def _page() -> bytes:
    rows = "".join(
        f"<li><a href='{path}'>{path}</a>: {item.describe} "
        f"(<code>Cache-Control: {item.cache_control}</code>)</li>"
        for path, item in OBJECTS.items()
    )
    return (
        "<!doctype html><html><head><title>Edgeworks demo origin</title></head><body>"
        "<h1>Edgeworks demo origin</h1><p>Ask twice through the edge and compare "
        f"<code>X-Cache</code> and <code>Age</code>.</p><ul>{rows}</ul></body></html>\n"
    ).encode()


def _catalog() -> bytes:
    items = [{"sku": f"EW-{n:03}", "name": f"Widget {n}", "price": 5 + n} for n in range(1, 6)]
    return json.dumps({"items": items, "generated": time.time()}).encode() + b"\n"


def _clock() -> bytes:
    return json.dumps({"now": time.time()}).encode() + b"\n"


def _png(width: int = 64, height: int = 64) -> bytes:
    """Return a small valid PNG (a colour gradient), so the object is a real image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(
        b"\x00" + bytes(value for x in range(width) for value in (x * 4, y * 4, 160))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _large() -> bytes:
    # A repeating 251-byte pattern: deterministic, so a client can check what it received.
    pattern = bytes(range(251))
    return (pattern * (LARGE_SIZE // len(pattern) + 1))[:LARGE_SIZE]


OBJECTS: dict[str, DemoObject] = {
    "/": DemoObject("text/html; charset=utf-8", "public, max-age=60", "this page", _page),
    "/api/catalog.json": DemoObject(
        "application/json",
        "public, max-age=30, s-maxage=300",
        "a JSON document the edge keeps longer (s-maxage) than browsers (max-age)",
        _catalog,
    ),
    "/images/logo.png": DemoObject(
        "image/png",
        "public, max-age=86400, immutable",
        "a small image, cacheable for a day",
        _png,
    ),
    "/api/time": DemoObject(
        "application/json", "no-store", "the origin's clock, never cached", _clock
    ),
    "/files/large.bin": DemoObject(
        "application/octet-stream",
        "public, max-age=3600",
        f"a {LARGE_SIZE >> 20} MiB object that streams through",
        _large,
    ),
}
"""The demo objects by path; bodies are made once when the origin starts (except the clock)."""

DYNAMIC = frozenset({"/api/time"})
"""Paths whose body is made on every request."""
