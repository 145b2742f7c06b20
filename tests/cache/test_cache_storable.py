"""May a response be stored (RFC 9111 §3, §3.5, §5.2.2; CloudFront's MinTTL override)."""

from __future__ import annotations

from cache_support import FOLLOW, hdrs

from edgeworks.cache.rules.request import read_request
from edgeworks.cache.rules.response import read_response, targeted_names
from edgeworks.cache.rules.storable import Exchange, Storing, decide
from edgeworks.config.model import CachePolicy
from edgeworks.http.headers import Headers

TARGETED = targeted_names("edgeworks-cdn-cache-control")
MIN_TTL = CachePolicy(id="m", name="m", min_ttl=30, default_ttl=60, max_ttl=600)
DEFAULT_ONLY = CachePolicy(id="d", name="d", min_ttl=0, default_ttl=60, max_ttl=600)


def verdict(
    response: Headers,
    *,
    status: int = 200,
    method: str = "GET",
    request: Headers | None = None,
    policy: CachePolicy = FOLLOW,
    error_ttl: float = 0.0,
) -> Storing:
    exchange = Exchange(
        method=method,
        status=status,
        request=read_request(request or []),
        response=read_response(response, TARGETED),
        response_headers=response,
        policy=policy,
        error_ttl=error_ttl,
    )
    return decide(exchange)[0]


MAX_AGE = hdrs(("Cache-Control", "max-age=60"))


def test_get_with_max_age_stored_rfc9111_3() -> None:
    assert verdict(MAX_AGE) is Storing.STORE


def test_head_and_post_create_no_entry_rfc9111_3() -> None:
    assert verdict(MAX_AGE, method="HEAD") is Storing.NO_STORE
    assert verdict(MAX_AGE, method="POST") is Storing.NO_STORE


def test_interim_partial_and_304_not_stored_rfc9111_3() -> None:
    for status in (100, 103, 206, 304):
        assert verdict(MAX_AGE, status=status) is Storing.NO_STORE, status


def test_no_store_response_rfc9111_5_2_2_5() -> None:
    assert verdict(hdrs(("Cache-Control", "no-store, max-age=60"))) is Storing.NO_STORE


def test_no_store_request_rfc9111_5_2_1_5() -> None:
    request = hdrs(("Cache-Control", "no-store"))
    assert verdict(MAX_AGE, request=request) is Storing.NO_STORE


def test_private_not_in_shared_cache_rfc9111_5_2_2_7() -> None:
    assert verdict(hdrs(("Cache-Control", "private, max-age=60"))) is Storing.NO_STORE


def test_qualified_private_still_stored_rfc9111_5_2_2_7() -> None:
    response = hdrs(("Cache-Control", 'private="x-user", max-age=60'))
    assert verdict(response) is Storing.STORE


def test_must_understand_overrides_no_store_rfc9111_5_2_2_3() -> None:
    response = hdrs(("Cache-Control", "must-understand, no-store, max-age=60"))
    assert verdict(response) is Storing.STORE
    assert verdict(response, status=299) is Storing.NO_STORE


def test_authorization_needs_permission_rfc9111_3_5() -> None:
    request = hdrs(("Authorization", "Bearer x"))
    assert verdict(MAX_AGE, request=request) is Storing.NO_STORE
    for allowed in ("public, max-age=60", "s-maxage=60", "must-revalidate, max-age=60"):
        response = hdrs(("Cache-Control", allowed))
        assert verdict(response, request=request) is Storing.STORE, allowed


def test_heuristically_cacheable_status_without_freshness_rfc9111_3() -> None:
    assert verdict([], status=200) is Storing.STORE
    assert verdict([], status=404) is Storing.STORE
    assert verdict([], status=302) is Storing.NO_STORE
    assert verdict([], status=500) is Storing.NO_STORE


def test_explicit_freshness_makes_any_status_storable_rfc9111_3() -> None:
    assert verdict(MAX_AGE, status=302) is Storing.STORE
    assert verdict(hdrs(("Expires", "Sun, 06 Nov 2050 08:49:37 GMT")), status=500) is (
        Storing.STORE
    )


def test_vary_star_not_stored_rfc9111_4_1() -> None:
    assert verdict(hdrs(("Cache-Control", "max-age=60"), ("Vary", "*"))) is Storing.NO_STORE


def test_response_setting_a_cookie_is_storable_rfc9111_3() -> None:
    cookie = hdrs(("Cache-Control", "max-age=60"), ("Set-Cookie", "a=1"))
    assert verdict(cookie) is Storing.STORE
    assert verdict(cookie, policy=DEFAULT_ONLY) is Storing.STORE


def test_error_caching_stores_cloudfront_errors() -> None:
    assert verdict([], status=503, error_ttl=10, policy=MIN_TTL) is Storing.STORE
    assert verdict([], status=503, error_ttl=10) is Storing.NO_STORE
    assert verdict([], status=418, error_ttl=10, policy=DEFAULT_ONLY) is Storing.NO_STORE


def test_min_ttl_overrides_no_store_private_no_cache_cloudfront() -> None:
    for value in ("no-store", "private", "no-cache"):
        response = hdrs(("Cache-Control", value))
        assert verdict(response, policy=MIN_TTL) is Storing.STORE, value
        assert verdict(response, policy=FOLLOW) is not Storing.STORE or value == "no-cache"


def test_targeted_field_takes_precedence_rfc9213_2_1() -> None:
    response = hdrs(("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=60"))
    assert verdict(response) is Storing.STORE
    response = hdrs(("Cache-Control", "max-age=60"), ("CDN-Cache-Control", "no-store"))
    assert verdict(response) is Storing.NO_STORE
    response = hdrs(
        ("CDN-Cache-Control", "max-age=60"), ("Edgeworks-CDN-Cache-Control", "no-store")
    )
    assert verdict(response) is Storing.NO_STORE
