"""Serving stale responses (RFC 9111 §4.2.4) and request directives (§5.2.1, §5.4).

Stale entries are made by the origin's ``Age`` (§4.2.3): ``max-age=1`` with ``Age: 5`` arrives
four seconds stale. They carry an ``ETag`` so that they are kept for validation.
"""

from __future__ import annotations

import pytest

from .conftest import Edge
from .origin import reply

STALE_FIELDS = ('ETag: "v1"', "Age: 5")


def stored_then_fresh(edge: Edge, path: str, cache_control: str) -> None:
    """Script a stale first response with ``cache_control``, then a fresh second one."""
    first = reply(200, f"Cache-Control: {cache_control}", *STALE_FIELDS, body=b"old")
    second = reply(200, "Cache-Control: max-age=60", 'ETag: "v2"', body=b"new")
    edge.origin.script(path, first, second)
    edge.get(path)


def test_max_stale_allows_stale_use(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.2: max-stale lets a stale response answer within the limit."""
    stored_then_fresh(edge, path, "max-age=1")
    served = edge.get(path, "Cache-Control: max-stale=100")
    assert (served.body, edge.origin.count(path)) == (b"old", 1)


def test_max_stale_beyond_limit_goes_to_origin(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.2: a response stale by more than max-stale is not used."""
    first = reply(200, "Cache-Control: max-age=1", 'ETag: "v1"', "Age: 60", body=b"old")
    edge.origin.script(path, first, reply(200, "Cache-Control: max-age=60", body=b"new"))
    edge.get(path)
    assert edge.get(path, "Cache-Control: max-stale=5").body == b"new"


@pytest.mark.parametrize(
    "cache_control",
    ["max-age=1, must-revalidate", "max-age=1, proxy-revalidate", "s-maxage=1", "no-cache"],
)
def test_stale_use_forbidden_by_response(edge: Edge, path: str, cache_control: str) -> None:
    """RFC 9111 §4.2.4, §5.2.2.2, §5.2.2.8, §5.2.2.10, §5.2.2.4: no stale use, even max-stale."""
    stored_then_fresh(edge, path, cache_control)
    served = edge.get(path, "Cache-Control: max-stale=100")
    assert served.body == b"new"
    assert edge.origin.seen(path)[1].headers.get("if-none-match") == '"v1"'


def test_no_cache_response_revalidates_even_when_fresh(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.4: no-cache: every reuse is validated with the origin first."""
    first = reply(200, "Cache-Control: no-cache, max-age=60", 'ETag: "v1"', body=b"body")
    edge.origin.script(path, first, reply(304, 'ETag: "v1"'))
    edge.get(path)
    second = edge.get(path)
    assert (second.status, second.body, second.x_cache) == (200, b"body", "RefreshHit")
    assert edge.origin.count(path) == 2


def test_request_no_cache_goes_to_origin(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.4: request no-cache: a stored response is not used unvalidated."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    edge.get(path)
    edge.get(path, "Cache-Control: no-cache")
    assert edge.origin.count(path) == 2


def test_request_no_cache_validates_with_stored_etag(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.4, §4.3.1: no-cache may be met by a conditional request; 304 serves."""
    edge.origin.script(
        path, reply(200, "Cache-Control: max-age=60", 'ETag: "v1"'), reply(304, 'ETag: "v1"')
    )
    edge.get(path)
    answer = edge.get(path, "Cache-Control: no-cache")
    assert edge.origin.seen(path)[1].headers.get("if-none-match") == '"v1"'
    assert (answer.status, answer.body) == (200, b"body")


def test_request_directive_case_insensitive(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2: request directives are case-insensitive too (NO-CACHE)."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    edge.get(path)
    edge.get(path, "Cache-Control: NO-CACHE")
    assert edge.origin.count(path) == 2


def test_request_pragma_no_cache_goes_to_origin(edge: Edge, path: str) -> None:
    """RFC 9111 §5.4: Pragma: no-cache without Cache-Control acts as no-cache."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    edge.get(path)
    edge.get(path, "Pragma: no-cache")
    assert edge.origin.count(path) == 2


def test_request_pragma_ignored_with_cache_control(edge: Edge, path: str) -> None:
    """RFC 9111 §5.4: with Cache-Control present in the request, Pragma is ignored."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    edge.get(path)
    answer = edge.get(path, "Pragma: no-cache", "Cache-Control: max-age=600")
    assert (answer.x_cache, edge.origin.count(path)) == ("Hit", 1)


def test_request_no_store_keeps_response_out(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.5: a request with no-store: its response is not stored."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    edge.get(path, "Cache-Control: no-store")
    assert edge.get(path).x_cache == "Miss"
    assert edge.origin.count(path) == 2


def test_request_max_age_zero_goes_to_origin(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.1: max-age=0 refuses any stored response older than zero seconds."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "Age: 3"))
    edge.get(path)
    edge.get(path, "Cache-Control: max-age=0")
    assert edge.origin.count(path) == 2


def test_request_max_age_below_current_age_goes_to_origin(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.1: a response older than the request's max-age is not used."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=600", "Age: 30"))
    edge.get(path)
    edge.get(path, "Cache-Control: max-age=10")
    assert edge.origin.count(path) == 2


def test_request_max_age_above_current_age_is_hit(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.1: a response younger than the request's max-age is used."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=600", "Age: 30"))
    edge.get(path)
    assert edge.get(path, "Cache-Control: max-age=300").x_cache == "Hit"


def test_request_min_fresh_too_long_goes_to_origin(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.3: min-fresh asks for at least that much freshness left."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    edge.get(path)
    edge.get(path, "Cache-Control: min-fresh=120")
    assert edge.origin.count(path) == 2


def test_request_min_fresh_satisfied_is_hit(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.3: enough freshness left: the stored response answers."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=600"))
    edge.get(path)
    assert edge.get(path, "Cache-Control: min-fresh=10").x_cache == "Hit"


def test_only_if_cached_without_entry_is_504(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.7: only-if-cached with nothing stored: 504, the origin is not asked."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    answer = edge.get(path, "Cache-Control: only-if-cached")
    assert (answer.status, edge.origin.count(path)) == (504, 0)


def test_only_if_cached_with_fresh_entry_is_served(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.7: only-if-cached with a fresh stored response: that response."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", body=b"kept"))
    edge.get(path)
    answer = edge.get(path, "Cache-Control: only-if-cached")
    assert (answer.status, answer.body, edge.origin.count(path)) == (200, b"kept", 1)


def test_only_if_cached_with_stale_entry_is_504(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.7, §4.2.4: a stale entry that may not be served stale gives 504."""
    stored_then_fresh(edge, path, "max-age=1, must-revalidate")
    answer = edge.get(path, "Cache-Control: only-if-cached")
    assert (answer.status, edge.origin.count(path)) == (504, 1)


def test_max_stale_without_value_accepts_any_staleness(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.1.2: max-stale with no value accepts a stale response of any age."""
    first = reply(200, "Cache-Control: max-age=1", 'ETag: "v1"', "Age: 5000", body=b"old")
    edge.origin.script(path, first)
    edge.get(path)
    assert edge.get(path, "Cache-Control: max-stale").body == b"old"
    assert edge.origin.count(path) == 1


def test_must_revalidate_with_origin_down_is_an_error(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.2: unable to reach the origin, the cache MUST NOT reuse the stale response;
    it answers with an error (504 recommended).
    """
    stored_then_fresh(edge, path, "max-age=1, must-revalidate")
    edge.origin.script(path, reply(drop=True))
    answer = edge.get(path)
    assert answer.status in (502, 504)
    assert answer.body != b"old"
