"""Byte ranges from a stored object (RFC 9110 §14, §13.1.5)."""

from __future__ import annotations

from cache_support import T0, hdrs
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache.rules.dates import format_http_date
from edgeworks.cache.rules.ranges import MAX_RANGES, if_range_allows, parse_range


def test_single_ranges_rfc9110_14_1_1() -> None:
    assert parse_range(b"bytes=0-4", 10) == [(0, 4)]
    assert parse_range(b"bytes=5-", 10) == [(5, 9)]
    assert parse_range(b"bytes=-3", 10) == [(7, 9)]
    assert parse_range(b"bytes=8-100", 10) == [(8, 9)]


def test_several_ranges_with_spacing_rfc9110_14_1_1() -> None:
    assert parse_range(b"bytes= 0-1 ,  4-5,", 10) == [(0, 1), (4, 5)]
    assert parse_range(b"Bytes=0-1", 10) == [(0, 1)]


def test_unsatisfiable_rfc9110_15_5_17() -> None:
    assert parse_range(b"bytes=10-", 10) == []
    assert parse_range(b"bytes=-0", 10) == []
    assert parse_range(b"bytes=20-30, 0-1", 10) == [(0, 1)]


def test_invalid_range_ignored_rfc9110_14_2() -> None:
    for value in (b"bytes=5-1", b"items=0-1", b"bytes=a-b", b"bytes=-", b"bytes=", b"0-1"):
        assert parse_range(value, 10) is None, value
    many = b"bytes=" + b",".join(b"%d-%d" % (i, i) for i in range(MAX_RANGES + 1))
    assert parse_range(many, 1000) is None


STORED = hdrs(
    ("ETag", '"v1"'),
    ("Last-Modified", format_http_date(T0 - 100).decode()),
    ("Date", format_http_date(T0).decode()),
)


def test_if_range_entity_tag_strong_rfc9110_13_1_5() -> None:
    assert if_range_allows(hdrs(("If-Range", '"v1"')), STORED)
    assert not if_range_allows(hdrs(("If-Range", '"v2"')), STORED)
    assert not if_range_allows(hdrs(("If-Range", 'W/"v1"')), STORED)


def test_if_range_date_exact_and_strong_rfc9110_13_1_5() -> None:
    assert if_range_allows(hdrs(("If-Range", format_http_date(T0 - 100).decode())), STORED)
    assert not if_range_allows(hdrs(("If-Range", format_http_date(T0).decode())), STORED)


@settings(deadline=None)
@given(st.binary(max_size=60), st.integers(0, 10**6))
def test_range_garbage_never_crashes(value: bytes, length: int) -> None:
    result = parse_range(value, length)
    if result:
        assert all(0 <= first <= last < length for first, last in result)


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), min_size=1, max_size=5),
    st.integers(1, 400),
    st.sampled_from(["", " "]),
)
def test_satisfiable_ranges_stay_inside(
    pairs: list[tuple[int, int]], length: int, pad: str
) -> None:
    specs = [f"{pad}{min(a, b)}-{max(a, b)}{pad}" for a, b in pairs]
    result = parse_range(("bytes=" + ",".join(specs)).encode(), length)
    assert result is not None
    assert all(0 <= first <= last < length for first, last in result)
    assert len(result) == sum(1 for a, b in pairs if min(a, b) < length)
