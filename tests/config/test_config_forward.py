"""Origin requests carry the cache key's members, the request policy's, and the defaults."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.config.forward import DEFAULT_FORWARDED
from edgeworks.config.keys import origin_request_parts
from edgeworks.config.managed import MANAGED_ORIGIN_REQUEST_POLICIES
from edgeworks.config.model import Behavior, CachePolicy, OriginRequestPolicy, Selection
from edgeworks.http.headers import Headers

BARE = CachePolicy("bare", "bare")


def policy(**families: Selection) -> CachePolicy:
    return CachePolicy("p", "p", **families)  # type: ignore[arg-type]


def behavior(cache: CachePolicy, request: OriginRequestPolicy | None = None) -> Behavior:
    return Behavior("*", "app", cache, request)


VIEWER: Headers = [
    (b"host", b"edge.example"),
    (b"user-agent", b"ua"),
    (b"x-tenant", b"t1"),
    (b"cookie", b"session=1; tracking=2"),
    (b"accept-encoding", b"gzip"),
    (b"connection", b"keep-alive, x-hop"),
    (b"x-hop", b"1"),
    (b"range", b"bytes=0-1"),
    (b"if-none-match", b'"e"'),
]


def names(headers: Headers) -> set[bytes]:
    return {name for name, _ in headers}


def test_without_policies_only_cloudfront_defaults_pass() -> None:
    parts = origin_request_parts(behavior(BARE), b"a=1", VIEWER)
    assert parts.query == b""
    assert names(parts.headers) == {b"range", b"if-none-match"}
    assert names(parts.headers) <= DEFAULT_FORWARDED


def test_cache_key_members_are_forwarded() -> None:
    p = policy(
        headers=Selection("whitelist", ("x-tenant",)),
        cookies=Selection("whitelist", ("session",)),
        query_strings=Selection("whitelist", ("a",)),
    )
    parts = origin_request_parts(behavior(p), b"b=2&a=1", VIEWER)
    assert parts.query == b"a=1"
    assert (b"x-tenant", b"t1") in parts.headers
    assert (b"cookie", b"session=1") in parts.headers


def test_request_policy_adds_members_without_keying_them() -> None:
    request = OriginRequestPolicy(
        "r", "r", Selection("whitelist", ("user-agent",)), Selection("all"), Selection("all")
    )
    parts = origin_request_parts(behavior(BARE, request), b"b=2&a=1", VIEWER)
    assert parts.query == b"b=2&a=1"
    assert (b"user-agent", b"ua") in parts.headers
    assert (b"cookie", b"session=1; tracking=2") in parts.headers


def test_all_viewer_except_host_forwards_everything_end_to_end_but_host() -> None:
    request = MANAGED_ORIGIN_REQUEST_POLICIES["AllViewerExceptHostHeader"]
    parts = origin_request_parts(behavior(BARE, request), b"", VIEWER)
    assert b"host" not in names(parts.headers)
    assert b"connection" not in names(parts.headers)
    assert b"x-hop" not in names(parts.headers)
    assert {b"user-agent", b"x-tenant", b"cookie", b"accept-encoding"} <= names(parts.headers)


def test_all_viewer_forwards_host() -> None:
    request = MANAGED_ORIGIN_REQUEST_POLICIES["AllViewer"]
    parts = origin_request_parts(behavior(BARE, request), b"", VIEWER)
    assert (b"host", b"edge.example") in parts.headers


def test_normalised_accept_encoding_goes_to_origin_when_policy_compresses() -> None:
    p = CachePolicy("z", "z", accept_encoding_gzip=True, accept_encoding_brotli=True)
    headers = [(b"accept-encoding", b"gzip, deflate, br")]
    parts = origin_request_parts(behavior(p), b"", headers)
    assert parts.headers == [(b"accept-encoding", b"br,gzip")]


def test_cookie_all_except_filters_forwarded_cookies() -> None:
    p = policy(cookies=Selection("allExcept", ("tracking",)))
    parts = origin_request_parts(behavior(p), b"", VIEWER)
    assert (b"cookie", b"session=1") in parts.headers


HEADER_NAMES = st.sampled_from([b"cookie", b"accept-encoding", b"x-a", b"host", b"connection"])


@settings(deadline=None)  # timing varies on a loaded machine; not a test subject
@given(
    st.sampled_from(["none", "whitelist", "allExcept", "all"]),
    st.binary(max_size=40),
    st.lists(st.tuples(HEADER_NAMES, st.binary(max_size=20)), max_size=6),
)
def test_arbitrary_requests_never_crash(kind: str, query: bytes, headers: Headers) -> None:
    selection = Selection(kind, ("x-a", "a"))
    cache = CachePolicy("f", "f", headers=selection, cookies=selection, accept_encoding_gzip=True)
    request = MANAGED_ORIGIN_REQUEST_POLICIES["AllViewer"]
    parts = origin_request_parts(behavior(cache, request), query, headers)
    assert parts.query == query
    assert b"connection" not in names(parts.headers)
