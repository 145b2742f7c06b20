"""Freshness lifetime, heuristics, age and the CloudFront TTL clamp (RFC 9111 §4.2)."""

from __future__ import annotations

from cache_support import FOLLOW, T0, hdrs

from edgeworks.cache.rules.dates import format_http_date
from edgeworks.cache.rules.freshness import (
    Freshness,
    corrected_initial_age,
    current_age,
    freshness,
)
from edgeworks.cache.rules.response import read_response, targeted_names
from edgeworks.config.model import CachePolicy
from edgeworks.http.headers import Headers

TARGETED = targeted_names("edgeworks-cdn-cache-control")


def fresh(
    response: Headers, *, status: int = 200, policy: CachePolicy = FOLLOW, error_ttl: float = 0
) -> Freshness:
    return freshness(read_response(response, TARGETED), status, policy, error_ttl, T0)


def date(offset: float) -> str:
    return format_http_date(T0 + offset).decode()


def test_s_maxage_over_max_age_over_expires_rfc9111_4_2_1() -> None:
    both = hdrs(("Cache-Control", "max-age=10, s-maxage=20"), ("Expires", date(30)))
    assert fresh(both).lifetime == 20
    no_s = hdrs(("Cache-Control", "max-age=10"), ("Expires", date(30)), ("Date", date(0)))
    assert fresh(no_s).lifetime == 10
    expires = hdrs(("Expires", date(30)), ("Date", date(0)))
    assert fresh(expires).lifetime == 30


def test_expires_relative_to_date_rfc9111_4_2_1() -> None:
    response = hdrs(("Expires", date(100)), ("Date", date(40)))
    assert fresh(response).lifetime == 60


def test_invalid_expires_is_already_expired_rfc9111_5_3() -> None:
    assert fresh(hdrs(("Expires", "0"))).lifetime == 0


def test_heuristic_tenth_of_last_modified_age_rfc9111_4_2_2() -> None:
    response = hdrs(("Date", date(0)), ("Last-Modified", date(-1000)))
    assert fresh(response).lifetime == 100


def test_no_heuristic_for_status_not_cacheable_by_default_rfc9111_4_2_2() -> None:
    response = hdrs(("Date", date(0)), ("Last-Modified", date(-1000)))
    assert fresh(response, status=302).lifetime == 0


def test_no_heuristic_without_last_modified_rfc9111_4_2_2() -> None:
    assert fresh(hdrs(("Date", date(0)))).lifetime == 0


def test_must_revalidate_forbids_stale_rfc9111_5_2_2_2() -> None:
    for value in ("max-age=5, must-revalidate", "max-age=5, proxy-revalidate", "no-cache"):
        assert not fresh(hdrs(("Cache-Control", value))).stale_allowed, value


def test_s_maxage_implies_proxy_revalidate_rfc9111_5_2_2_10() -> None:
    assert not fresh(hdrs(("Cache-Control", "s-maxage=5"))).stale_allowed
    assert fresh(hdrs(("Cache-Control", "max-age=5"))).stale_allowed


def test_no_cache_means_revalidate_always_rfc9111_5_2_2_4() -> None:
    assert fresh(hdrs(("Cache-Control", "no-cache, max-age=60"))).revalidate_always
    assert not fresh(hdrs(("Cache-Control", 'no-cache="set-cookie"'))).revalidate_always


def test_stale_windows_rfc5861() -> None:
    value = "max-age=5, stale-while-revalidate=30, stale-if-error=600"
    result = fresh(hdrs(("Cache-Control", value)))
    assert (result.stale_while_revalidate, result.stale_if_error) == (30, 600)
    blocked = fresh(hdrs(("Cache-Control", value + ", must-revalidate")))
    assert (blocked.stale_while_revalidate, blocked.stale_if_error) == (0, 0)


def test_corrected_initial_age_uses_age_and_date_rfc9111_4_2_3() -> None:
    facts = read_response(hdrs(("Age", "50"), ("Date", date(-10))), TARGETED)
    # apparent_age = 10; corrected_age_value = 50 + response_delay (2)
    assert corrected_initial_age(facts, T0 - 2, T0) == 52
    facts = read_response(hdrs(("Date", date(-80))), TARGETED)
    assert corrected_initial_age(facts, T0 - 2, T0) == 80


def test_current_age_adds_resident_time_rfc9111_4_2_3() -> None:
    assert current_age(52, T0, T0 + 8) == 60


CLAMP = CachePolicy(id="c", name="c", min_ttl=60, default_ttl=300, max_ttl=600)


def test_cloudfront_clamp_into_min_and_max_ttl() -> None:
    assert fresh(hdrs(("Cache-Control", "max-age=5")), policy=CLAMP).lifetime == 60
    assert fresh(hdrs(("Cache-Control", "max-age=5000")), policy=CLAMP).lifetime == 600
    assert fresh(hdrs(("Cache-Control", "max-age=100")), policy=CLAMP).lifetime == 100


def test_cloudfront_default_ttl_when_origin_is_silent() -> None:
    assert fresh([], policy=CLAMP).lifetime == 300


def test_cloudfront_max_ttl_caps_even_with_min_ttl_zero() -> None:
    capped = CachePolicy(id="c", name="c", min_ttl=0, default_ttl=0, max_ttl=100)
    assert fresh(hdrs(("Cache-Control", "s-maxage=5000")), policy=capped).lifetime == 100


def test_cloudfront_min_ttl_caches_no_cache_for_min_ttl() -> None:
    result = fresh(hdrs(("Cache-Control", "no-cache, private")), policy=CLAMP)
    assert result.lifetime == 60
    assert not result.revalidate_always


def test_error_caching_ttl_unless_origin_says_otherwise() -> None:
    assert fresh([], status=503, policy=CLAMP, error_ttl=10).lifetime == 10
    said = hdrs(("Cache-Control", "max-age=70"))
    assert fresh(said, status=503, policy=CLAMP, error_ttl=10).lifetime == 70


def test_follow_origin_policy_has_no_error_ttl_rfc9111_4_2_2() -> None:
    assert fresh([], status=404, error_ttl=10).lifetime == 0


def test_targeted_field_ignores_cache_control_and_expires_rfc9213_2_1() -> None:
    response = hdrs(
        ("Cache-Control", "max-age=10"),
        ("Expires", date(1000)),
        ("Date", date(0)),
        ("Edgeworks-CDN-Cache-Control", "max-age=99"),
    )
    assert fresh(response).lifetime == 99
    silent = hdrs(("Expires", date(1000)), ("Date", date(0)), ("CDN-Cache-Control", "public"))
    assert fresh(silent).lifetime == 0
