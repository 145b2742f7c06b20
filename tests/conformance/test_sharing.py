"""What one viewer's response may hand to another: RFC 9111 §3, §3.3, §3.5, §4.1, §5.2.2.

These rules meet request collapsing and partial responses, where a shared cache most easily
gives one viewer what was meant for another.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .client import Answer, FramingError, NoResponseError
from .conftest import Edge
from .origin import reply


def together(edge: Edge, path: str, *header_sets: tuple[str, ...]) -> list[bytes]:
    """Send one request per header set at the same time; return the bodies in order."""
    with ThreadPoolExecutor(len(header_sets)) as pool:
        answers = list(pool.map(lambda headers: edge.get(path, *headers), header_sets))
    return [answer.body for answer in answers]


def test_concurrent_variants_each_get_their_own(edge: Edge, path: str) -> None:
    """RFC 9111 §4.1: a response is not used for a request whose Vary fields differ, even when
    both are in flight at once.
    """
    edge.origin.script(
        path,
        reply(
            200,
            "Cache-Control: max-age=60",
            "Vary: Accept-Language",
            echo="accept-language",
            delay=0.3,
        ),
    )
    languages = ["en", "fr", "de", "en", "fr", "de"]
    bodies = together(edge, path, *((f"Accept-Language: {lang}",) for lang in languages))
    assert bodies == [lang.encode() for lang in languages]


def test_concurrent_authorized_requests_are_not_shared(edge: Edge, path: str) -> None:
    """RFC 9111 §3.5: a response to a request with Authorization (max-age only) is not shared,
    not even with a request waiting for the same URL.
    """
    edge.origin.script(
        path, reply(200, "Cache-Control: max-age=60", echo="authorization", delay=0.3)
    )
    users = ["Bearer alice", "Bearer bob", "Bearer carol", "Bearer dave"]
    bodies = together(edge, path, *((f"Authorization: {user}",) for user in users))
    assert bodies == [user.encode() for user in users]


def first_then_others(edge: Edge, path: str, first: str, others: int = 3) -> list[Answer]:
    """Send one request with field ``first``, then, while it is in flight, plain ones."""
    with ThreadPoolExecutor(others + 1) as pool:
        leader = pool.submit(edge.get, path, first)
        time.sleep(0.1)  # the leader's request reaches the origin first
        followers = [pool.submit(edge.get, path) for _ in range(others)]
        return [leader.result(), *(follower.result() for follower in followers)]


def test_viewer_conditional_answer_not_handed_to_waiters(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.2, §3: a 304 answering one viewer's If-None-Match is that viewer's only;
    plain requests waiting for the same URL get the full response.
    """
    not_modified = reply(304, 'ETag: "v1"', "Cache-Control: max-age=60", delay=0.4)
    full = reply(200, 'ETag: "v1"', "Cache-Control: max-age=60", body=b"whole")
    edge.origin.script(path, not_modified, full)
    answers = first_then_others(edge, path, 'If-None-Match: "v1"')
    assert answers[0].status == 304
    assert [(answer.status, answer.body) for answer in answers[1:]] == [(200, b"whole")] * 3


def test_partial_answer_not_handed_to_waiters(edge: Edge, path: str) -> None:
    """RFC 9111 §3.3, RFC 9110 §14: a 206 for one viewer's Range is not what plain requests
    waiting for the same URL receive.
    """
    partial = reply(
        206, "Content-Range: bytes 0-1/10", "Cache-Control: max-age=60", body=b"01", delay=0.4
    )
    full = reply(200, "Cache-Control: max-age=60", body=b"0123456789")
    edge.origin.script(path, partial, full)
    answers = first_then_others(edge, path, "Range: bytes=0-1")
    assert [(answer.status, answer.body) for answer in answers[1:]] == [(200, b"0123456789")] * 3


def test_qualified_no_cache_field_not_served_from_cache(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.4: a field named by no-cache="..." is not sent on a later reuse without
    revalidation.
    """
    edge.origin.script(
        path,
        reply(200, 'Cache-Control: max-age=60, no-cache="X-Secret"', "X-Secret: s", "X-Plain: p"),
    )
    edge.get(path)
    hit = edge.get(path)
    assert (hit.x_cache, hit.header("x-plain"), hit.header("x-secret")) == ("Hit", "p", None)


def test_qualified_private_field_not_stored(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.7: a shared cache MUST NOT store the fields named by private="..."."""
    edge.origin.script(
        path,
        reply(200, 'Cache-Control: max-age=60, private="X-Secret"', "X-Secret: s", "X-Plain: p"),
    )
    edge.get(path)
    hit = edge.get(path)
    assert (hit.x_cache, hit.header("x-plain"), hit.header("x-secret")) == ("Hit", "p", None)


def test_truncated_body_is_not_stored(edge: Edge, path: str) -> None:
    """RFC 9111 §3.3: a response shorter than its Content-Length is incomplete, never served
    as a complete stored response.
    """
    short = reply(200, "Cache-Control: max-age=60", body=b"0123", declared=10)
    edge.origin.script(path, short, reply(200, "Cache-Control: max-age=60", body=b"0123456789"))
    with pytest.raises((FramingError, NoResponseError)):
        edge.get(path)  # the viewer sees the failure: the connection ends early
    later = edge.get(path)
    assert (later.status, later.body) == (200, b"0123456789")


def test_origin_304_to_viewer_conditional_is_not_stored(edge: Edge, path: str) -> None:
    """RFC 9111 §3, §4.3.4: a 304 answering a viewer's own conditional creates no entry."""
    not_modified = reply(304, 'ETag: "v1"', "Cache-Control: max-age=60")
    full = reply(200, 'ETag: "v1"', "Cache-Control: max-age=60", body=b"whole")
    edge.origin.script(path, not_modified, full)
    assert edge.get(path, 'If-None-Match: "v1"').status == 304
    later = edge.get(path)
    assert (later.status, later.body) == (200, b"whole")


def test_304_from_cache_carries_required_fields(edge: Edge, path: str) -> None:
    """RFC 9110 §15.4.5: a 304 carries the Cache-Control, Date, ETag and Vary a 200 would."""
    edge.origin.script(
        path,
        reply(200, "Cache-Control: max-age=60", 'ETag: "v1"', "Vary: Accept-Language"),
    )
    edge.get(path, "Accept-Language: en")
    answer = edge.get(path, "Accept-Language: en", 'If-None-Match: "v1"')
    assert answer.status == 304
    for name in ("cache-control", "date", "etag", "vary"):
        assert answer.header(name) is not None, name
