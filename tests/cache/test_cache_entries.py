"""Building entries from responses and refreshing them from a 304 (RFC 9111 §3, §4.3.4)."""

from __future__ import annotations

from cache_support import FOLLOW, T0, hdrs

from edgeworks.cache.entries import new_entry, refreshed
from edgeworks.cache.rules.dates import format_http_date
from edgeworks.cache.rules.request import read_request
from edgeworks.cache.rules.response import read_response, targeted_names
from edgeworks.cache.rules.storable import Exchange
from edgeworks.http.headers import Headers

TARGETED = targeted_names("edgeworks-cdn-cache-control")


def build(response: Headers, request: Headers | None = None, status: int = 200):
    exchange = Exchange(
        method="GET",
        status=status,
        request=read_request(request or []),
        response=read_response(response, TARGETED),
        response_headers=response,
        policy=FOLLOW,
        error_ttl=0.0,
    )
    return new_entry(exchange, request or [], (T0 - 1, T0), TARGETED)


def test_new_entry_keeps_policy_and_vary_selection_rfc9111_4_1() -> None:
    entry = build(
        hdrs(("Cache-Control", "max-age=60"), ("Vary", "Accept-Language")),
        hdrs(("Accept-Language", "EN")),
    )
    assert entry.vary == (b"accept-language",)
    assert entry.vary_values == (b"en",)
    assert entry.ttls == (FOLLOW.min_ttl, FOLLOW.default_ttl, FOLLOW.max_ttl)
    assert entry.initial_age == 1  # the response_delay (RFC 9111 §4.2.3)


def test_new_entry_drops_qualified_no_cache_fields_rfc9111_5_2_2_4() -> None:
    entry = build(hdrs(("Cache-Control", 'no-cache="x-a", max-age=60'), ("X-A", "1")))
    assert [name for name, _ in entry.stored] == [b"cache-control", b"date"]


def test_refreshed_restarts_age_from_the_304_rfc9111_4_3_4() -> None:
    entry = build(hdrs(("Cache-Control", "max-age=60"), ("ETag", '"v"'), ("Age", "50")))
    later = T0 + 100
    response_304 = hdrs(
        ("Cache-Control", "max-age=600"), ("Date", format_http_date(later).decode())
    )
    fresh = refreshed(entry, response_304, (later, later), TARGETED, 0.0)
    assert fresh.freshness.lifetime == 600
    assert fresh.age(later) == 0
    assert fresh.response_time == later and fresh.body == entry.body


def test_missing_date_added_from_response_time_rfc9110_6_6_1() -> None:
    entry = build(hdrs(("Cache-Control", "max-age=60")))
    assert (b"date", format_http_date(T0)) in entry.stored
    dated = build(hdrs(("Cache-Control", "max-age=60"), ("Date", "Sun, 06 Nov 1994 08:49:37 GMT")))
    assert [v for n, v in dated.stored if n == b"date"] == [b"Sun, 06 Nov 1994 08:49:37 GMT"]
