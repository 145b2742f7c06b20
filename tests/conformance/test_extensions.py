"""Extensions a CDN cache honours: RFC 5861 stale windows, RFC 9213 targeted fields, interim
responses (RFC 9110 §15.2, RFC 8297) and request collapsing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import Edge
from .origin import Reply, reply
from .support import wait_until

NEW = reply(200, "Cache-Control: max-age=60", body=b"new", delay=0.5)


def stale_first(edge: Edge, path: str, cache_control: str, age: int, *then: Reply) -> None:
    """Store a response made ``age`` seconds old by the origin; script ``then`` after it."""
    first = reply(200, f"Cache-Control: {cache_control}", f"Age: {age}", body=b"old")
    edge.origin.script(path, first, *then)
    edge.get(path)


def test_stale_while_revalidate_serves_stale_and_refreshes_once(edge: Edge, path: str) -> None:
    """RFC 5861 §3: within the window the stale response answers; one refresh in background."""
    stale_first(edge, path, "max-age=1, stale-while-revalidate=60", 5, NEW)
    served = [edge.get(path).body, edge.get(path).body]
    assert served == [b"old", b"old"]
    wait_until(lambda: edge.get(path).body == b"new", "refreshed response served")
    assert edge.origin.count(path) == 2


def test_stale_while_revalidate_concurrent_viewers_one_refresh(edge: Edge, path: str) -> None:
    """RFC 5861 §3: many viewers in the window at once still cause a single refresh."""
    stale_first(edge, path, "max-age=1, stale-while-revalidate=60", 5, NEW)
    with ThreadPoolExecutor(5) as pool:
        bodies = list(pool.map(lambda _: edge.get(path).body, range(5)))
    assert bodies == [b"old"] * 5
    wait_until(lambda: edge.get(path).body == b"new", "refreshed response served")
    assert edge.origin.count(path) == 2


def test_stale_while_revalidate_refresh_after_range_request(edge: Edge, path: str) -> None:
    """RFC 5861 §3 (a SHOULD): the cache refreshes the stored response in the background, also
    when the stale answer was a range of it; the refresh asks for the whole representation.
    """
    whole = reply(200, "Cache-Control: max-age=60", body=b"new", ranges=True)
    stale_first(edge, path, "max-age=1, stale-while-revalidate=60", 5, whole)
    assert edge.get(path, "Range: bytes=0-1").body == b"ol"
    wait_until(lambda: edge.get(path).body == b"new", "refreshed response served", timeout=3)


def test_stale_while_revalidate_beyond_window_waits_for_origin(edge: Edge, path: str) -> None:
    """RFC 5861 §3: past the window the cache must fetch before answering."""
    stale_first(edge, path, "max-age=1, stale-while-revalidate=2", 10, NEW)
    assert edge.get(path).body == b"new"


def test_stale_if_error_serves_stale_on_5xx(edge: Edge, path: str) -> None:
    """RFC 5861 §4: an origin 500 within the window: the stale response answers."""
    stale_first(edge, path, "max-age=1, stale-if-error=60", 5, reply(500, body=b"broken"))
    answer = edge.get(path)
    assert (answer.status, answer.body) == (200, b"old")
    assert edge.origin.count(path) == 2


@pytest.mark.parametrize("status", [502, 503, 504])
def test_stale_if_error_covers_gateway_errors(edge: Edge, path: str, status: int) -> None:
    """RFC 5861 §4: an error is any 500, 502, 503 or 504 from the origin."""
    stale_first(edge, path, "max-age=1, stale-if-error=60", 5, reply(status, body=b"broken"))
    assert edge.get(path).body == b"old"


def test_stale_if_error_not_for_client_errors(edge: Edge, path: str) -> None:
    """RFC 5861 §4: a 404 is the origin's answer, not an error: it goes to the viewer."""
    stale_first(edge, path, "max-age=1, stale-if-error=60", 5, reply(404, body=b"gone"))
    answer = edge.get(path)
    assert (answer.status, answer.body) == (404, b"gone")


def test_stale_if_error_serves_stale_when_origin_unreachable(edge: Edge, path: str) -> None:
    """RFC 5861 §4: an origin that fails to answer counts as an error too."""
    stale_first(edge, path, "max-age=1, stale-if-error=60", 5, reply(drop=True))
    answer = edge.get(path)
    assert (answer.status, answer.body) == (200, b"old")


def test_stale_if_error_beyond_window_relays_error(edge: Edge, path: str) -> None:
    """RFC 5861 §4: past the window the error goes to the viewer."""
    stale_first(edge, path, "max-age=1, stale-if-error=2", 10, reply(500, body=b"broken"))
    answer = edge.get(path)
    assert (answer.status, answer.body) == (500, b"broken")


def test_stale_if_error_request_directive(edge: Edge, path: str) -> None:
    """RFC 5861 §4: the viewer's own stale-if-error window allows stale on error."""
    first = reply(200, "Cache-Control: max-age=1", 'ETag: "v1"', "Age: 5", body=b"old")
    edge.origin.script(path, first, reply(503, body=b"down"))
    edge.get(path)
    answer = edge.get(path, "Cache-Control: stale-if-error=60")
    assert (answer.status, answer.body) == (200, b"old")


@pytest.mark.parametrize(
    "forbidding", ["must-revalidate, max-age=1", "proxy-revalidate, max-age=1", "no-cache"]
)
@pytest.mark.parametrize("window", ["stale-while-revalidate=60", "stale-if-error=60"])
def test_stale_windows_yield_to_revalidation_directives(
    edge: Edge, path: str, forbidding: str, window: str
) -> None:
    """RFC 9111 §4.2.4, §5.2.2.2, §5.2.2.4, §5.2.2.8: where stale use is forbidden, neither
    RFC 5861 window allows it.
    """
    fetched = NEW if "while" in window else reply(500, body=b"broken")
    first = reply(
        200, f"Cache-Control: {forbidding}, {window}", 'ETag: "v1"', "Age: 5", body=b"old"
    )
    edge.origin.script(path, first, fetched)
    edge.get(path)
    assert edge.get(path).body != b"old"


def test_cdn_cache_control_overrides_cache_control(edge: Edge, path: str) -> None:
    """RFC 9213 §2.1: CDN-Cache-Control is used instead of Cache-Control by a CDN cache."""
    edge.origin.script(
        path, reply(200, "Cache-Control: no-store", "CDN-Cache-Control: max-age=60")
    )
    edge.get(path)
    second = edge.get(path)
    assert (second.x_cache, edge.origin.count(path)) == ("Hit", 1)
    assert second.header("cache-control") == "no-store"  # still meant for caches downstream
    assert second.header("cdn-cache-control") is None


def test_cdn_cache_control_no_store_wins(edge: Edge, path: str) -> None:
    """RFC 9213 §2.1: CDN-Cache-Control no-store forbids storing despite max-age elsewhere."""
    edge.origin.script(
        path, reply(200, "Cache-Control: max-age=60", "CDN-Cache-Control: no-store")
    )
    edge.get(path)
    edge.get(path)
    assert edge.origin.count(path) == 2


def test_cdn_cache_control_max_age_zero_wins(edge: Edge, path: str) -> None:
    """RFC 9213 §2.1: CDN-Cache-Control max-age=0 makes the response stale for this cache."""
    edge.origin.script(
        path, reply(200, "Cache-Control: max-age=60", "CDN-Cache-Control: max-age=0")
    )
    edge.get(path)
    edge.get(path)
    assert edge.origin.count(path) == 2


def test_cdn_cache_control_private_is_not_stored(edge: Edge, path: str) -> None:
    """RFC 9213 §2.1: private in the targeted field keeps the response out of this cache."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "CDN-Cache-Control: private"))
    edge.get(path)
    edge.get(path)
    assert edge.origin.count(path) == 2


def test_own_targeted_field_over_cdn_cache_control(edge: Edge, path: str) -> None:
    """RFC 9213 §2.1: the most specific targeted field (this node's) takes precedence."""
    edge.origin.script(
        path,
        reply(
            200,
            "CDN-Cache-Control: no-store",
            "Edgeworks-CDN-Cache-Control: max-age=60",
        ),
    )
    edge.get(path)
    second = edge.get(path)
    assert (second.x_cache, edge.origin.count(path)) == ("Hit", 1)
    assert second.header("edgeworks-cdn-cache-control") is None
    assert second.header("cdn-cache-control") is None


def test_targeted_fields_not_forwarded_on_miss(edge: Edge, path: str) -> None:
    """RFC 9213 §2.1 and the node's contract (``Cache.hidden_fields``): targeted fields the
    node consumes are left out of what viewers receive, on a miss as on a hit.
    """
    edge.origin.script(
        path,
        reply(
            200,
            "CDN-Cache-Control: max-age=60",
            "Edgeworks-CDN-Cache-Control: max-age=60",
        ),
    )
    first = edge.get(path)
    assert first.x_cache == "Miss"
    assert first.header("cdn-cache-control") is None
    assert first.header("edgeworks-cdn-cache-control") is None


def test_invalid_targeted_field_is_ignored(edge: Edge, path: str) -> None:
    """RFC 9213 §2.1: a targeted field that fails to parse is ignored; Cache-Control applies."""
    edge.origin.script(
        path, reply(200, "Cache-Control: max-age=60", "CDN-Cache-Control: max-age=x")
    )
    edge.get(path)
    assert edge.get(path).x_cache == "Hit"


def test_early_hints_relayed_not_stored(edge: Edge, path: str) -> None:
    """RFC 9110 §15.2, RFC 8297: a 103 goes to the viewer; it is neither stored nor merged."""
    hints = ((103, (("Link", "</style.css>; rel=preload"),)),)
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", interim=hints))
    first = edge.get(path)
    assert [status for status, _ in first.interim] == [103]
    assert ("link", "</style.css>; rel=preload") in first.interim[0][1]
    second = edge.get(path)
    assert (second.x_cache, second.interim, second.header("link")) == ("Hit", [], None)


def test_early_hints_not_sent_to_http_1_0(edge: Edge, path: str) -> None:
    """RFC 9110 §15.2: a server MUST NOT send a 1xx response to an HTTP/1.0 client."""
    hints = ((103, (("Link", "</style.css>; rel=preload"),)),)
    edge.origin.script(path, reply(200, "Cache-Control: no-store", interim=hints))
    answer = edge.get(path, version="1.0")
    assert (answer.status, answer.interim) == (200, [])


def test_concurrent_misses_collapse_into_one_origin_request(edge: Edge, path: str) -> None:
    """Request collapsing: concurrent misses for a cacheable response reach the origin once."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", body=b"shared", delay=0.5))
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: edge.get(path), range(6)))
    assert [answer.body for answer in answers] == [b"shared"] * 6
    assert edge.origin.count(path) == 1


def test_concurrent_misses_for_private_response_are_not_shared(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.7: a private response is never handed to the other waiting viewers."""
    edge.origin.script(path, reply(200, "Cache-Control: private", body=b"mine", delay=0.3))
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: edge.get(path), range(4)))
    assert [answer.status for answer in answers] == [200] * 4
    assert edge.origin.count(path) == 4
