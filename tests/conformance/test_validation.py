"""Validation on the wire: RFC 9111 §4.3 and the conditionals of RFC 9110 §13."""

from __future__ import annotations

from .conftest import Edge
from .origin import Reply, reply
from .support import http_date

LAST_MODIFIED = http_date(-86400)


def stale_with(edge: Edge, path: str, *validators: str, then: Reply) -> None:
    """Store a stale response carrying ``validators``; the origin answers ``then`` next."""
    first = reply(200, "Cache-Control: max-age=1", "Age: 5", *validators, body=b"stored")
    edge.origin.script(path, first, then)
    edge.get(path)


def test_revalidation_sends_if_none_match(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.1: the stored ETag goes to the origin as If-None-Match."""
    stale_with(edge, path, 'ETag: "v1"', then=reply(304, 'ETag: "v1"'))
    edge.get(path)
    assert edge.origin.seen(path)[1].headers.get("if-none-match") == '"v1"'


def test_revalidation_sends_if_modified_since(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.1: the stored Last-Modified goes to the origin as If-Modified-Since."""
    stale_with(edge, path, f"Last-Modified: {LAST_MODIFIED}", then=reply(304))
    edge.get(path)
    assert edge.origin.seen(path)[1].headers.get("if-modified-since") == LAST_MODIFIED


def test_304_serves_stored_body(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.4: a 304 validates the stored response, which then answers the viewer."""
    stale_with(edge, path, 'ETag: "v1"', then=reply(304, 'ETag: "v1"'))
    answer = edge.get(path)
    assert (answer.status, answer.body, answer.x_cache) == (200, b"stored", "RefreshHit")


def test_304_updates_stored_fields(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.4, §3.2: the 304's fields replace the stored ones, freshness included."""
    fresh = reply(304, 'ETag: "v1"', "Cache-Control: max-age=60", "X-Version: two")
    stale_with(edge, path, 'ETag: "v1"', "X-Version: one", then=fresh)
    edge.get(path)
    later = edge.get(path)
    assert (later.x_cache, later.header("x-version"), later.body) == ("Hit", "two", b"stored")
    assert edge.origin.count(path) == 2


def test_304_replaces_every_line_of_a_field(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.4: a field in the 304 replaces all instances of it in the stored response."""
    fresh = reply(304, 'ETag: "v1"', "Cache-Control: max-age=60", "X-Multi: new")
    stale_with(edge, path, 'ETag: "v1"', "X-Multi: one", "X-Multi: two", then=fresh)
    edge.get(path)
    later = edge.get(path)
    assert (later.x_cache, later.header("x-multi")) == ("Hit", "new")


def test_304_hop_by_hop_fields_not_merged(edge: Edge, path: str) -> None:
    """RFC 9111 §3.2, §3.1: fields a 304 names in Connection are not added to the stored one."""
    fresh = reply(
        304, 'ETag: "v1"', "Cache-Control: max-age=60", "Connection: X-Hop", "X-Hop: only-once"
    )
    stale_with(edge, path, 'ETag: "v1"', then=fresh)
    edge.get(path)
    later = edge.get(path)
    assert (later.x_cache, later.header("x-hop")) == ("Hit", None)


def test_200_on_revalidation_replaces_entry(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.3: a full response to the conditional request replaces the stored one."""
    fresh = reply(200, "Cache-Control: max-age=60", 'ETag: "v2"', body=b"replaced")
    stale_with(edge, path, 'ETag: "v1"', then=fresh)
    assert edge.get(path).body == b"replaced"
    later = edge.get(path)
    assert (later.x_cache, later.body, edge.origin.count(path)) == ("Hit", b"replaced", 2)


def test_5xx_on_revalidation_is_relayed_without_stale_permission(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.3, §4.2.4: a 5xx to revalidation is forwarded when stale use isn't allowed."""
    stale_with(edge, path, 'ETag: "v1"', "Cache-Control: must-revalidate", then=reply(500))
    assert edge.get(path).status == 500


def test_viewer_if_none_match_answered_304_from_cache(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.2, RFC 9110 §13.1.2: a matching If-None-Match is answered 304 by the cache."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", 'ETag: "v1"'))
    edge.get(path)
    answer = edge.get(path, 'If-None-Match: "v1"')
    assert (answer.status, answer.body, edge.origin.count(path)) == (304, b"", 1)
    assert answer.header("etag") == '"v1"'


def test_viewer_if_none_match_other_tag_gets_200(edge: Edge, path: str) -> None:
    """RFC 9110 §13.1.2: a tag that does not match: the full stored response."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", 'ETag: "v1"'))
    edge.get(path)
    answer = edge.get(path, 'If-None-Match: "other"')
    assert (answer.status, answer.body, edge.origin.count(path)) == (200, b"body", 1)


def test_viewer_if_none_match_weak_comparison(edge: Edge, path: str) -> None:
    """RFC 9110 §13.1.2, §8.8.3.2: If-None-Match uses the weak comparison (W/ ignored)."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", 'ETag: W/"v1"'))
    edge.get(path)
    assert edge.get(path, 'If-None-Match: "v1"').status == 304
    assert edge.get(path, 'If-None-Match: "x", W/"v1"').status == 304


def test_viewer_if_none_match_star(edge: Edge, path: str) -> None:
    """RFC 9110 §13.1.2: If-None-Match: * matches any stored representation."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", 'ETag: "v1"'))
    edge.get(path)
    assert edge.get(path, "If-None-Match: *").status == 304


def test_viewer_if_modified_since_answered_304(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.2, RFC 9110 §13.1.3: not modified since the date: 304 from cache."""
    edge.origin.script(
        path, reply(200, "Cache-Control: max-age=60", f"Last-Modified: {LAST_MODIFIED}")
    )
    edge.get(path)
    answer = edge.get(path, f"If-Modified-Since: {http_date(-60)}")
    assert (answer.status, edge.origin.count(path)) == (304, 1)


def test_viewer_if_modified_since_older_gets_200(edge: Edge, path: str) -> None:
    """RFC 9110 §13.1.3: modified after the date given: the full response."""
    edge.origin.script(
        path, reply(200, "Cache-Control: max-age=60", f"Last-Modified: {LAST_MODIFIED}")
    )
    edge.get(path)
    assert edge.get(path, f"If-Modified-Since: {http_date(-7 * 86400)}").status == 200


def test_if_none_match_takes_precedence_over_if_modified_since(edge: Edge, path: str) -> None:
    """RFC 9110 §13.1.3, §13.2.2: with If-None-Match present, If-Modified-Since is ignored."""
    edge.origin.script(
        path,
        reply(200, "Cache-Control: max-age=60", 'ETag: "v1"', f"Last-Modified: {LAST_MODIFIED}"),
    )
    edge.get(path)
    answer = edge.get(path, 'If-None-Match: "other"', f"If-Modified-Since: {http_date(-60)}")
    assert answer.status == 200


def test_304_does_not_change_stored_content_length(edge: Edge, path: str) -> None:
    """RFC 9111 §3.2: Content-Length of a 304 does not replace the stored one."""
    stale_with(edge, path, 'ETag: "v1"', then=reply(304, 'ETag: "v1"', "Content-Length: 100"))
    answer = edge.get(path)
    assert (answer.status, answer.body, answer.header("content-length")) == (200, b"stored", "6")


def test_age_restarts_after_304(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.4, §4.2.3: a response validated now is served with the 304's age."""
    stale_with(
        edge, path, 'ETag: "v1"', then=reply(304, 'ETag: "v1"', "Cache-Control: max-age=60")
    )
    edge.get(path)
    later = edge.get(path)
    assert later.x_cache == "Hit"
    assert later.age is not None and later.age < 5


def test_invalid_if_modified_since_is_ignored(edge: Edge, path: str) -> None:
    """RFC 9110 §13.1.3: a recipient MUST ignore an If-Modified-Since that is not a valid date."""
    edge.origin.script(
        path, reply(200, "Cache-Control: max-age=60", f"Last-Modified: {LAST_MODIFIED}")
    )
    edge.get(path)
    assert edge.get(path, "If-Modified-Since: yesterday").status == 200


def test_304_for_another_representation_is_not_merged(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.4: a 304 whose strong ETag differs from the stored one selects nothing;
    the stored body is not served under the new validator.
    """
    first = reply(200, "Cache-Control: max-age=1", "Age: 5", 'ETag: "v1"', body=b"stored")
    changed = reply(200, "Cache-Control: max-age=60", 'ETag: "v2"', body=b"second")
    edge.origin.script(path, first, reply(304, 'ETag: "v2"'), changed)
    edge.get(path)
    answer = edge.get(path)
    assert (answer.status, answer.body, answer.header("etag")) == (200, b"second", '"v2"')


def test_viewer_conditional_on_stale_entry_still_valid(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.1, §4.3.2: a stale entry is validated first; the viewer's matching
    If-None-Match then gets 304, and the refreshed entry answers plain requests.
    """
    current = reply(200, "Cache-Control: max-age=60", 'ETag: "v1"', body=b"stored", validates=True)
    stale_with(edge, path, 'ETag: "v1"', then=current)
    assert edge.get(path, 'If-None-Match: "v1"').status == 304
    later = edge.get(path)
    assert (later.x_cache, later.body, edge.origin.count(path)) == ("Hit", b"stored", 2)


def test_viewer_conditional_on_stale_entry_changed_at_origin(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.2: once the origin has a new representation, a viewer holding the old
    one gets the new one in full, never a 304 for what it has.
    """
    changed = reply(200, "Cache-Control: max-age=60", 'ETag: "v2"', body=b"second", validates=True)
    stale_with(edge, path, 'ETag: "v1"', then=changed)
    answer = edge.get(path, 'If-None-Match: "v1"')
    assert (answer.status, answer.body, answer.header("etag")) == (200, b"second", '"v2"')


def test_304_with_no_store_does_not_refresh_entry(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.5, §4.3.4: a 304 saying no-store may answer this request, but nothing of
    it is kept: the next request does not reuse the entry as fresh.
    """
    stale_with(
        edge,
        path,
        'ETag: "v1"',
        then=reply(304, 'ETag: "v1"', "Cache-Control: no-store, max-age=60"),
    )
    assert edge.get(path).body == b"stored"
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", body=b"new"))
    assert edge.get(path).body == b"new"
