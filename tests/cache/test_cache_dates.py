"""HTTP-date, Expires and Age parsing (RFC 9110 §5.6.7, RFC 9111 §5.1, §5.3)."""

from __future__ import annotations

import calendar

from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache.rules.dates import format_http_date, parse_age, parse_http_date
from edgeworks.cache.rules.directives import DELTA_SECONDS_CAP

WHEN = float(calendar.timegm((1994, 11, 6, 8, 49, 37, 0, 0, 0)))


def test_three_date_formats_rfc9110_5_6_7() -> None:
    assert parse_http_date(b"Sun, 06 Nov 1994 08:49:37 GMT") == WHEN
    assert parse_http_date(b"Sunday, 06-Nov-94 08:49:37 GMT") == WHEN
    assert parse_http_date(b"Sun Nov  6 08:49:37 1994") == WHEN


def test_invalid_dates_are_none_rfc9111_5_3() -> None:
    for value in (
        b"0",
        b"-1",
        b"",
        b"yesterday",
        b"Sun, 06 Nov 1994 25:49:37 GMT",
        b"Sun, 32 Foo 1994 08:49:37 GMT",
    ):
        assert parse_http_date(value) is None, value


def test_names_case_insensitive_rfc9110_5_6_7() -> None:
    assert parse_http_date(b"SUN, 06 NOV 1994 08:49:37 gmt") == WHEN


def test_loose_forms_are_invalid_rfc9110_5_6_7() -> None:
    for value in (
        b"Sun, 06 Nov 1994 08:49:37 UTC",
        b"Sun, 06 Nov 94 08:49:37 GMT",
        b"Sun 06 Nov 1994 08:49:37 GMT",
        b"Sun, 06  Nov  1994 08:49:37 GMT",
        b"Sun, 06-Nov-1994 08:49:37 GMT",
        b"Sun, 06 Nov 1994 08.49.37 GMT",
        b"Sun, 06 Nov 1994 8:49:37 GMT",
    ):
        assert parse_http_date(value) is None, value


def test_format_round_trip_rfc9110_5_6_7() -> None:
    assert parse_http_date(format_http_date(WHEN)) == WHEN


def test_age_first_value_rfc9111_5_1() -> None:
    assert parse_age([b"30"]) == 30
    assert parse_age([b"30", b"60"]) == 30
    assert parse_age([b"30, 60"]) == 30


def test_invalid_age_ignored_rfc9111_5_1() -> None:
    for value in (b"-5", b"1.5", b"abc", b"", b"10s"):
        assert parse_age([value]) is None, value
    assert parse_age([]) is None


def test_large_age_capped_rfc9111_1_2_2() -> None:
    assert parse_age([b"99999999999999999"]) == DELTA_SECONDS_CAP


@settings(deadline=None)
@given(st.binary(max_size=40))
def test_date_garbage_never_crashes(value: bytes) -> None:
    result = parse_http_date(value)
    assert result is None or isinstance(result, float)


@settings(deadline=None)
@given(st.lists(st.binary(max_size=20), max_size=3))
def test_age_garbage_never_crashes(values: list[bytes]) -> None:
    result = parse_age(values)
    assert result is None or 0 <= result <= DELTA_SECONDS_CAP


@settings(deadline=None)
@given(st.integers(0, 4_000_000_000))
def test_any_time_round_trips(when: int) -> None:
    assert parse_http_date(format_http_date(float(when))) == float(when)


@settings(deadline=None)
@given(st.integers(0, 10**20), st.sampled_from(["", " ", "  "]))
def test_age_with_spacing(seconds: int, pad: str) -> None:
    assert parse_age([f"{pad}{seconds}{pad}".encode()]) == min(seconds, DELTA_SECONDS_CAP)
