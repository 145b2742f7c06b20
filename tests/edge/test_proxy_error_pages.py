"""CustomErrorResponses through real sockets: replacement pages, their codes and their time."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from edge.test_proxy_support import Stack, fetch
from edgeworks.config.model import Distribution, ErrorResponse


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
