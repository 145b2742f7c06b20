"""What a shared cache may store, on the wire: RFC 9111 §3 and the directives of §5.2.2."""

from __future__ import annotations

import pytest

from .conftest import Edge
from .origin import reply
from .support import http_date

# RFC 9110 §15.1: statuses heuristically cacheable ("cacheable by default").
BY_DEFAULT = [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]
NOT_BY_DEFAULT = [201, 202, 302, 303, 307, 400, 403, 500, 502, 503]


def twice(edge: Edge, path: str, *headers: str) -> int:
    """Ask for ``path`` twice with ``headers``; return how many requests reached the origin."""
    edge.get(path, *headers)
    edge.get(path, *headers)
    return edge.origin.count(path)


def test_no_store_response_is_not_stored(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.5: no-store forbids storing, even with max-age."""
    edge.origin.script(path, reply(200, "Cache-Control: no-store, max-age=60"))
    assert twice(edge, path) == 2


def test_private_response_is_not_stored_by_shared_cache(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.7, §3: a shared cache does not store an unqualified private response."""
    edge.origin.script(path, reply(200, "Cache-Control: private, max-age=60"))
    assert twice(edge, path) == 2


def test_authorization_request_not_shared_by_default(edge: Edge, path: str) -> None:
    """RFC 9111 §3.5: a response to a request with Authorization is not shared by max-age."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    assert twice(edge, path, "Authorization: Basic dXNlcjpwYXNz") == 2


@pytest.mark.parametrize("directive", ["public", "s-maxage=60", "must-revalidate"])
def test_authorization_request_shared_when_allowed(edge: Edge, path: str, directive: str) -> None:
    """RFC 9111 §3.5: public, s-maxage or must-revalidate let an authorized response be shared."""
    edge.origin.script(path, reply(200, f"Cache-Control: max-age=60, {directive}"))
    assert twice(edge, path, "Authorization: Basic dXNlcjpwYXNz") == 1


@pytest.mark.parametrize("status", BY_DEFAULT)
def test_status_cacheable_by_default_is_stored_heuristically(
    edge: Edge, path: str, status: int
) -> None:
    """RFC 9111 §3, §4.2.2; RFC 9110 §15.1: a heuristically cacheable status is reused."""
    edge.origin.script(path, reply(status, f"Last-Modified: {http_date(-86400)}"))
    assert twice(edge, path) == 1


@pytest.mark.parametrize("status", NOT_BY_DEFAULT)
def test_status_not_cacheable_by_default_is_not_reused(edge: Edge, path: str, status: int) -> None:
    """RFC 9111 §4.2.2: without explicit freshness these statuses are never heuristically fresh."""
    edge.origin.script(path, reply(status, f"Last-Modified: {http_date(-86400)}"))
    assert twice(edge, path) == 2


@pytest.mark.parametrize("status", [302, 307, 403])
def test_status_with_explicit_freshness_is_stored(edge: Edge, path: str, status: int) -> None:
    """RFC 9111 §3: a final status the cache understands is stored with explicit max-age."""
    edge.origin.script(path, reply(status, "Cache-Control: max-age=60", "Location: /elsewhere"))
    assert twice(edge, path) == 1


def test_partial_content_is_not_stored_as_whole(edge: Edge, path: str) -> None:
    """RFC 9111 §3.3, §3: a 206 is never served as the complete response."""
    partial = reply(206, "Cache-Control: max-age=60", "Content-Range: bytes 0-3/10", body=b"0123")
    edge.origin.script(path, partial, reply(200, "Cache-Control: max-age=60", body=b"0123456789"))
    edge.get(path, "Range: bytes=0-3")
    whole = edge.get(path)
    assert (whole.status, whole.body) == (200, b"0123456789")


def test_must_understand_overrides_no_store_for_understood_status(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.3: must-understand with a known status lets no-store be ignored."""
    edge.origin.script(path, reply(200, "Cache-Control: must-understand, no-store, max-age=60"))
    assert twice(edge, path) == 1


def test_must_understand_unknown_status_is_not_stored(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.3: must-understand with a status whose rules are unknown: not stored."""
    edge.origin.script(path, reply(299, "Cache-Control: must-understand, no-store, max-age=60"))
    assert twice(edge, path) == 2


def test_all_end_to_end_fields_are_stored(edge: Edge, path: str) -> None:
    """RFC 9111 §3.1: a cache MUST store every received field, unrecognised ones included,
    except those the rules leave out.
    """
    fields = [
        "Content-Type: text/x-conformance; charset=utf-8",
        "Content-Language: en",
        "Link: </next>; rel=next",
        "X-Unknown-Thing: kept as sent",
        "Test-Field: 1",
    ]
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", *fields))
    edge.get(path)
    hit = edge.get(path)
    assert hit.x_cache == "Hit"
    for line in fields:
        name, _, value = line.partition(": ")
        assert hit.header(name) == value, name


def test_hop_by_hop_fields_are_not_stored(edge: Edge, path: str) -> None:
    """RFC 9111 §3.1, RFC 9110 §7.6.1: Connection, Keep-Alive and named fields are not stored."""
    edge.origin.script(
        path,
        reply(
            200,
            "Cache-Control: max-age=60",
            "Connection: X-Hop-Secret",
            "X-Hop-Secret: only-for-this-hop",
            "Keep-Alive: timeout=5",
            "X-Stays: yes",
        ),
    )
    edge.get(path)
    hit = edge.get(path)
    assert hit.x_cache == "Hit"
    assert hit.header("x-stays") == "yes"
    assert hit.header("x-hop-secret") is None
    assert hit.header("keep-alive") is None


def test_proxy_authenticate_is_not_stored(edge: Edge, path: str) -> None:
    """RFC 9111 §3.1: fields specific to one proxy (Proxy-Authenticate) are not stored."""
    edge.origin.script(
        path, reply(200, "Cache-Control: max-age=60", 'Proxy-Authenticate: Basic realm="p"')
    )
    edge.get(path)
    hit = edge.get(path)
    assert hit.x_cache == "Hit"
    assert hit.header("proxy-authenticate") is None


def test_set_cookie_is_not_shared(edge: Edge, path: str) -> None:
    """The node's own rule: a cookie set for one viewer reaches no other viewer.

    RFC 9111 §3 leaves storing Set-Cookie to the cache (RFC 6265 §8 explains the risk); the
    node's requirement is stricter: responses that set cookies are not shared.
    """
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "Set-Cookie: session=one"))
    first = edge.get(path)
    second = edge.get(path)
    assert first.header("set-cookie") == "session=one"
    assert (second.x_cache, second.header("set-cookie")) == ("Hit", None)


def test_no_store_case_insensitive(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2, §5.2.2.5: No-Store is no-store."""
    edge.origin.script(path, reply(200, "Cache-Control: No-Store, max-age=60"))
    assert twice(edge, path) == 2


def test_private_with_s_maxage_is_not_stored(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.7: private forbids a shared cache to store, s-maxage notwithstanding."""
    edge.origin.script(path, reply(200, "Cache-Control: private, s-maxage=60"))
    assert twice(edge, path) == 2


def test_post_response_does_not_answer_get(edge: Edge, path: str) -> None:
    """RFC 9111 §4: a response to POST is not reused for a GET of the URI."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", body=b"posted"))
    edge.get(path, method="POST", body=b"x")
    assert edge.get(path).x_cache == "Miss"


def test_query_is_part_of_the_key(edge: Edge, path: str) -> None:
    """RFC 9111 §2, §4: the target URI includes the query; another query is another response."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    edge.get(f"{path}?a=1")
    assert edge.get(f"{path}?a=1").x_cache == "Hit"
    assert edge.get(f"{path}?a=2").x_cache == "Miss"


def test_date_added_to_stored_response(edge: Edge, path: str) -> None:
    """RFC 9110 §6.6.1: a response cached without Date gets the time it was received."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", date=False))
    edge.get(path)
    second = edge.get(path)
    assert (second.x_cache, second.header("date") is not None) == ("Hit", True)


def test_date_added_to_forwarded_response(edge: Edge, path: str) -> None:
    """RFC 9110 §6.6.1: a recipient with a clock MUST add Date to a response it forwards."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", date=False))
    first = edge.get(path)
    assert (first.x_cache, first.header("date") is not None) == ("Miss", True)


def test_via_on_both_sides(edge: Edge, path: str) -> None:
    """RFC 9110 §7.6.3: a proxy sends Via in each message it forwards, and on stored answers."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "Via: 1.1 upstream"))
    edge.get(path)
    hit = edge.get(path)
    assert "via" in edge.origin.seen(path)[0].headers
    assert (hit.header("via") or "").startswith("1.1 upstream, ")


def test_absolute_form_target_matches_stored_response(edge: Edge, path: str) -> None:
    """RFC 9111 §4, RFC 9112 §3.2.2: the absolute form names the same target URI as
    origin form plus Host, so the stored response answers it.
    """
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    edge.get(path)
    assert edge.get(f"http://conformance.test{path}").x_cache == "Hit"


def test_path_case_distinguishes_responses(edge: Edge, path: str) -> None:
    """RFC 9111 §4, RFC 3986 §6.2.2.1: paths compare case-sensitively: /A is not /a."""
    upper = f"{path}/Item"
    edge.origin.script(upper, reply(200, "Cache-Control: max-age=60"))
    edge.get(upper)
    assert edge.get(f"{path}/item").x_cache != "Hit"


def test_host_distinguishes_responses(edge: Edge, path: str) -> None:
    """RFC 9111 §4, RFC 9110 §7.1: the authority is part of the target URI; another Host is
    another resource.
    """
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    edge.get(path, "Host: one.test")
    assert edge.get(path, "Host: one.test").x_cache == "Hit"
    assert edge.get(path, "Host: two.test").x_cache == "Miss"
