"""Memory an entry costs beside its body, and the head as the entry's only copy of its fields."""

from __future__ import annotations

import gc
import sys
import tracemalloc

from cache_support import FOLLOW, T0, hdrs, memory_cache, store
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache import Entry
from edgeworks.cache.rules.freshness import Freshness

COUNT = 3000


def _response(i: int) -> list[tuple[bytes, bytes]]:
    return hdrs(
        ("Content-Type", "image/png"),
        ("Cache-Control", "public, max-age=86400"),
        ("ETag", f'"{i:08x}"'),
        ("Last-Modified", "Tue, 03 Dec 2024 10:00:00 GMT"),
        ("Date", "Tue, 03 Dec 2024 16:00:00 GMT"),
        ("Server", "origin"),
    )


def test_small_entry_costs_under_one_kib_through_the_facade() -> None:
    keys = [b"GET\x00www.example.com\x00/img/%08d.png" % i for i in range(COUNT)]
    responses = [_response(i) for i in range(COUNT)]
    body = b"x" * 512
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    cache = memory_cache(memory_bytes=1 << 32)
    for key, response in zip(keys, responses, strict=True):
        assert store(cache, response, body, key=key) is not None
    for key in keys:
        assert cache.lookup(key, "GET", [], FOLLOW, T0 + 1).kind == "hit"
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    per_object = used / COUNT + sys.getsizeof(keys[0])
    assert per_object < 1024, f"{per_object:.0f} bytes per object"


def test_memory_tier_holds_ready_entries_not_their_records() -> None:
    cache = memory_cache()
    store(cache, _response(1), key=b"k")
    held = cache._store.memory.peek(b"k")
    assert isinstance(held, Entry)
    assert not hasattr(held, "__dict__")  # slots: no per-entry dictionary


def test_stored_fields_come_back_from_the_head_with_hidden_ones() -> None:
    cache = memory_cache()
    response = [*_response(7), (b"cdn-cache-control", b"max-age=60"), (b"x-odd", b"a: b")]
    entry = store(cache, response, key=b"k")
    assert entry is not None
    assert b"cdn-cache-control" not in entry.head
    assert entry.stored == [(n, v) for n, v in response if n != b"cdn-cache-control"] + [
        (b"cdn-cache-control", b"max-age=60")
    ]


def test_entries_share_repeated_values() -> None:
    cache = memory_cache()
    first = store(cache, _response(1), key=b"a")
    second = store(cache, _response(2), key=b"b")
    assert first is not None and second is not None
    assert first.freshness is second.freshness
    assert first.viewer_fields is second.viewer_fields
    assert first.ttls is second.ttls


_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_VALUE = st.binary(max_size=40).map(
    lambda raw: bytes(b for b in raw if b >= 0x20 and b != 0x7F) or b""
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_NAME.map(str.encode), _VALUE), max_size=8))
def test_fields_round_trip_through_the_prepared_head(fields: list[tuple[bytes, bytes]]) -> None:
    entry = Entry(
        status=200,
        source=fields,
        viewer_fields=frozenset({b"cdn-cache-control"}),
        body=b"abc",
        length=3,
        request_time=T0,
        response_time=T0,
        initial_age=0.0,
        freshness=Freshness(60.0),
    )
    visible = [(n, v) for n, v in fields if n not in (b"content-length", b"cdn-cache-control")]
    hidden = [(n, v) for n, v in fields if n == b"cdn-cache-control"]
    assert entry.stored == visible + hidden
    assert entry.head.endswith(b"content-length: 3\r\n")
