"""CustomErrorResponses through real sockets: replacement pages, their codes and their time."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from edge.test_proxy_support import Stack, fetch
from edgeworks.config import single_origin_distribution
from edgeworks.config.managed import MANAGED_CACHE_POLICIES
from edgeworks.config.model import Distribution, ErrorResponse
from edgeworks.edge.error_pages import error_lifetime


def _errors(*responses: ErrorResponse) -> Callable[[Distribution], Distribution]:
    def shape(dist: Distribution) -> Distribution:
        table = {response.error_code: response for response in responses}
        return dataclasses.replace(dist, error_responses=table)

    return shape


def _paths(stack: Stack) -> list[bytes]:
    return [request.path for request in stack.origin.seen]


def test_a_listed_error_is_answered_with_the_page_and_its_code_then_kept() -> None:
    spa = ErrorResponse(
        404, caching_min_ttl=30, response_page_path="/index.html", response_code=200
    )
    with Stack(shape=_errors(spa)) as stack:
        conn = stack.client()
        first, body = fetch(conn, "GET", "/status/404")
        assert first.status == 200
        assert body.startswith(b"GET /index.html ")
        assert first.getheader("x-cache") == "Error from edgeworks"
        assert first.getheader("cdn-cache-control") is None  # RFC 9213: for this cache only
        second, again = fetch(conn, "GET", "/status/404")
        assert (second.status, again) == (200, body)
        assert second.getheader("x-cache") == "Hit from edgeworks"
        assert second.getheader("cdn-cache-control") is None
        assert _paths(stack) == [b"/status/404", b"/index.html"]


def test_without_a_response_code_the_original_status_stays() -> None:
    page = ErrorResponse(403, response_page_path="/denied.html")
    with Stack(shape=_errors(page)) as stack:
        reply, body = fetch(stack.client(), "GET", "/status/403")
        assert reply.status == 403
        assert body.startswith(b"GET /denied.html ")


def test_a_page_that_cannot_be_had_leaves_the_original_error() -> None:
    broken = ErrorResponse(404, response_page_path="/status/500", response_code=200)
    with Stack(shape=_errors(broken)) as stack:
        reply, body = fetch(stack.client(), "GET", "/status/404")
        assert reply.status == 404
        assert body.startswith(b"GET /status/404 ")
        assert reply.getheader("x-cache") == "Miss from edgeworks"


def test_zero_caching_time_keeps_nothing() -> None:
    fleeting = ErrorResponse(404, caching_min_ttl=0, response_page_path="/oops.html")
    with Stack(shape=_errors(fleeting)) as stack:
        conn = stack.client()
        for _ in range(2):
            reply, body = fetch(conn, "GET", "/status/404")
            assert reply.status == 404 and body.startswith(b"GET /oops.html ")
        assert _paths(stack).count(b"/status/404") == 2


def test_an_unreachable_origin_with_no_page_to_fetch_answers_its_own_error() -> None:
    gateway = ErrorResponse(502, response_page_path="/sorry.html", response_code=503)
    with Stack(shape=_errors(gateway)) as stack:
        stack.stop_origin()
        reply, _ = fetch(stack.client(), "GET", "/anything")
        assert reply.status == 502  # the page's origin is the same, and down too
        assert reply.getheader("x-cache") == "Error from edgeworks"


def _with_policy(name: str, *responses: ErrorResponse) -> Callable[[Distribution], Distribution]:
    def shape(dist: Distribution) -> Distribution:
        behavior = dataclasses.replace(
            dist.default_behavior, cache_policy=MANAGED_CACHE_POLICIES[name]
        )
        table = {response.error_code: response for response in responses}
        return dataclasses.replace(dist, default_behavior=behavior, error_responses=table)

    return shape


def test_error_caching_min_ttl_keeps_an_error_the_origin_said_nothing_about() -> None:
    # The one-liner's policy follows the origin: a bare 404 is not kept, unless configured.
    with Stack(shape=_errors(ErrorResponse(404, caching_min_ttl=30))) as stack:
        conn = stack.client()
        first, body = fetch(conn, "GET", "/status/404")
        second, again = fetch(conn, "GET", "/status/404")
        assert (first.status, second.status) == (404, 404)
        assert second.getheader("x-cache") == "Hit from edgeworks" and again == body
        assert second.getheader("cdn-cache-control") is None
        assert _paths(stack) == [b"/status/404"]


def test_zero_error_caching_min_ttl_keeps_no_error() -> None:
    # CachingOptimized keeps errors for the node's ErrorCachingTTL (10 s) unless told 0.
    for errors, origin_requests in (((), 1), ((ErrorResponse(404, caching_min_ttl=0),), 2)):
        with Stack(shape=_with_policy("CachingOptimized", *errors)) as stack:
            conn = stack.client()
            for _ in range(2):
                assert fetch(conn, "GET", "/status/404")[0].status == 404
            assert _paths(stack).count(b"/status/404") == origin_requests, errors


def test_the_origins_own_freshness_wins_over_error_caching_min_ttl() -> None:
    dist = single_origin_distribution("http://127.0.0.1:9")
    dist = dataclasses.replace(dist, error_responses={404: ErrorResponse(404, caching_min_ttl=5)})
    hidden = frozenset({b"cdn-cache-control"})
    assert error_lifetime(dist, 404, [(b"content-type", b"text/plain")], hidden) == 5
    assert error_lifetime(dist, 500, [], hidden) is None  # not listed
    for stated in (
        (b"cache-control", b"public, Max-Age=60"),
        (b"cache-control", b"s-maxage=1"),
        (b"expires", b"Thu, 01 Jan 2099 00:00:00 GMT"),
        (b"cdn-cache-control", b"max-age=9"),
    ):
        assert error_lifetime(dist, 404, [stated], hidden) is None, stated
    assert error_lifetime(dist, 404, [(b"cache-control", b"no-cache")], hidden) == 5
