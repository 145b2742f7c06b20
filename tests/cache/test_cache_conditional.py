"""Validation and viewer conditionals (RFC 9111 §4.3, §3.2; RFC 9110 §13)."""

from __future__ import annotations

from cache_support import T0, hdrs
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache.rules.conditional import (
    head_updates,
    merge,
    not_modified,
    origin_only,
    updates,
    validators,
)
from edgeworks.cache.rules.dates import format_http_date
from edgeworks.http.headers import Headers

LM = format_http_date(T0 - 100).decode()
STORED = hdrs(("ETag", '"v1"'), ("Last-Modified", LM), ("Content-Length", "5"), ("X-A", "1"))


def test_conditional_request_from_validators_rfc9111_4_3_1() -> None:
    assert validators(STORED) == hdrs(("If-None-Match", '"v1"'), ("If-Modified-Since", LM))
    assert validators(hdrs(("ETag", '"a" "b"'))) == []
    assert validators(hdrs(("ETag", "bare"))) == hdrs(("If-None-Match", '"bare"'))


def test_if_none_match_weak_comparison_rfc9110_13_1_2() -> None:
    assert not_modified(hdrs(("If-None-Match", 'W/"v1"')), STORED, T0)
    assert not_modified(hdrs(("If-None-Match", '"x", "v1"')), STORED, T0)
    assert not_modified(hdrs(("If-None-Match", "*")), STORED, T0)
    assert not not_modified(hdrs(("If-None-Match", '"v2"')), STORED, T0)


def test_if_none_match_takes_precedence_rfc9110_13_2_2() -> None:
    request = hdrs(("If-None-Match", '"v2"'), ("If-Modified-Since", format_http_date(T0).decode()))
    assert not not_modified(request, STORED, T0)


def test_if_modified_since_rfc9111_4_3_2() -> None:
    assert not_modified(hdrs(("If-Modified-Since", LM)), STORED, T0)
    earlier = format_http_date(T0 - 200).decode()
    assert not not_modified(hdrs(("If-Modified-Since", earlier)), STORED, T0)
    assert not not_modified(hdrs(("If-Modified-Since", "garbage")), STORED, T0)


def test_if_modified_since_falls_back_to_date_rfc9111_4_3_2() -> None:
    stored = hdrs(("Date", format_http_date(T0 - 50).decode()))
    assert not_modified(hdrs(("If-Modified-Since", format_http_date(T0).decode())), stored, T0)


def test_if_match_goes_to_origin_rfc9111_4_3_2() -> None:
    assert origin_only(hdrs(("If-Match", '"v1"')))
    assert origin_only(hdrs(("If-Unmodified-Since", LM)))
    assert not origin_only(hdrs(("If-None-Match", '"v1"')))


def test_304_selects_by_strong_validator_rfc9111_4_3_4() -> None:
    assert updates(STORED, hdrs(("ETag", '"v1"')))
    assert not updates(STORED, hdrs(("ETag", '"v2"')))
    assert not updates(hdrs(("ETag", 'W/"v1"')), hdrs(("ETag", '"v1"')))


def test_304_selects_by_weak_validator_or_last_modified_rfc9111_4_3_4() -> None:
    assert updates(hdrs(("ETag", 'W/"v1"')), hdrs(("ETag", 'W/"v1"')))
    assert updates(STORED, hdrs(("Last-Modified", LM)))
    assert not updates(STORED, hdrs(("Last-Modified", format_http_date(T0).decode())))


def test_304_without_validators_updates_validatorless_entry_rfc9111_4_3_4() -> None:
    assert updates(hdrs(("X-A", "1")), hdrs(("Date", LM)))
    assert not updates(STORED, hdrs(("Date", LM)))


def test_304_merge_replaces_fields_keeps_length_rfc9111_3_2() -> None:
    merged = merge(
        STORED,
        hdrs(("X-A", "2"), ("X-B", "new"), ("Content-Length", "0"), ("Connection", "close")),
    )
    assert merged == hdrs(
        ("ETag", '"v1"'),
        ("Last-Modified", LM),
        ("Content-Length", "5"),
        ("X-A", "2"),
        ("X-B", "new"),
    )


def test_head_response_updates_when_validators_agree_rfc9111_4_3_5() -> None:
    assert head_updates(STORED, 5, hdrs(("ETag", '"v1"'), ("Content-Length", "5")))
    assert head_updates(STORED, 5, hdrs(("X-New", "1")))
    assert not head_updates(STORED, 5, hdrs(("ETag", '"v2"')))
    assert not head_updates(STORED, 5, hdrs(("Content-Length", "6")))
    assert not head_updates(STORED, 5, hdrs(("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT")))


_NAMES = st.sampled_from(
    [b"x-a", b"content-length", b"connection", b"etag", b"cache-control", b"te", b"date"]
)
_FIELDS = st.lists(st.tuples(_NAMES, st.binary(min_size=1, max_size=8)), max_size=6)


@settings(deadline=None)
@given(_FIELDS)
def test_merge_never_changes_length_nor_adds_hop_by_hop_rfc9111_3_2(incoming: Headers) -> None:
    merged = merge(STORED, incoming)
    assert [v for n, v in merged if n == b"content-length"] == [b"5"]
    assert not any(name in (b"connection", b"te") for name, _ in merged)
    for name, value in incoming:
        if name in (b"x-a", b"etag", b"cache-control", b"date") and not any(
            n == b"connection" for n, _ in incoming
        ):
            assert (name, value) in merged
