"""Origin requests carry the cache key's members, the request policy's, and the defaults."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.config.forward import DEFAULT_FORWARDED
from edgeworks.config.keys import origin_request_parts
from edgeworks.config.managed import MANAGED_ORIGIN_REQUEST_POLICIES
from edgeworks.config.model import Behavior, CachePolicy, OriginRequestPolicy, Selection
from edgeworks.config.selection import accepted_encodings
from edgeworks.http.headers import HOP_BY_HOP, Headers

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


def chooses(selection: Selection, name: bytes, lower: bool = False) -> bool:
    names = {(n.lower() if lower else n).encode() for n in selection.names}
    if selection.behavior in ("all", "allViewer", "allViewerAndWhitelistCloudFront"):
        return True
    if selection.behavior == "allExcept":
        return name not in names
    return selection.behavior == "whitelist" and name in names


def pieces(raw: bytes, separator: bytes) -> list[bytes]:
    return [piece.strip() for piece in raw.split(separator) if piece.strip()]


def normalised(query: bytes, headers: Headers) -> tuple[list[bytes], Headers]:
    """Query pieces and fields with the cookie field split into pieces, for comparison."""
    fields = [(n, v) for n, v in headers if n != b"cookie"]
    jar = [piece for n, v in headers if n == b"cookie" for piece in pieces(v, b";")]
    return pieces(query, b"&"), [*fields, *((b"cookie", c) for c in jar)]


def reference_parts(
    cache: CachePolicy, request: OriginRequestPolicy, query: bytes, headers: Headers
) -> tuple[list[bytes], Headers]:
    """Forwarding spelled out plainly from the rules in the module docstring."""

    def either(family: str, name: bytes, lower: bool = False) -> bool:
        return chooses(getattr(cache, family), name, lower) or chooses(
            getattr(request, family), name, lower
        )

    kept = [p for p in pieces(query, b"&") if either("query_strings", p.partition(b"=")[0])]
    connection = {
        t.strip().lower() for n, v in headers if n == b"connection" for t in v.split(b",")
    }
    drop = set(HOP_BY_HOP) | connection
    out: Headers = [
        (n, v)
        for n, v in headers
        if n not in drop
        and n not in (b"cookie", b"accept-encoding")
        and (n in DEFAULT_FORWARDED or either("headers", n, True))
    ]
    codings = [v for n, v in headers if n == b"accept-encoding"]
    offered = tuple(
        c
        for c, on in ((b"br", cache.accept_encoding_brotli), (b"gzip", cache.accept_encoding_gzip))
        if on
    )
    if offered:
        normal = accepted_encodings(codings, offered) if codings else b""
        out += [(b"accept-encoding", normal)] if normal else []
    elif either("headers", b"accept-encoding", True):
        out += [(b"accept-encoding", v) for v in codings]
    jar = [c for n, v in headers if n == b"cookie" for c in pieces(v, b";")]
    out += [(b"cookie", c) for c in jar if either("cookies", c.partition(b"=")[0].strip())]
    return kept, out


KINDS = st.sampled_from(["none", "whitelist", "allExcept", "all"])
NAMES = st.lists(st.sampled_from(["a", "b", "x-a", "accept-encoding", "host"]), max_size=2).map(
    tuple
)
PICKS = st.builds(Selection, KINDS, NAMES)
REQUEST_HEADERS = st.builds(
    Selection, st.sampled_from(["none", "whitelist", "allViewer", "allExcept"]), NAMES
)
VIEWER_FIELDS = st.lists(
    st.tuples(
        st.sampled_from(
            [b"cookie", b"accept-encoding", b"x-a", b"host", b"connection", b"range", b"te"]
        ),
        st.sampled_from([b"a=1; b=2", b"x-a", b"gzip, br", b"v", b"", b"te"]),
    ),
    max_size=6,
)


@settings(deadline=None)  # timing varies on a loaded machine; not a test subject
@given(
    PICKS,
    PICKS,
    PICKS,
    REQUEST_HEADERS,
    PICKS,
    PICKS,
    st.booleans(),
    st.binary(max_size=10),
    VIEWER_FIELDS,
)
def test_forwarding_agrees_with_a_plain_reading_of_the_rules(
    key_headers: Selection,
    key_cookies: Selection,
    key_query: Selection,
    request_headers: Selection,
    request_cookies: Selection,
    request_query: Selection,
    gzip: bool,
    query: bytes,
    fields: Headers,
) -> None:
    cache = CachePolicy(
        "c", "c", headers=key_headers, cookies=key_cookies, query_strings=key_query,
        accept_encoding_gzip=gzip,
    )  # fmt: skip
    request = OriginRequestPolicy("r", "r", request_headers, request_cookies, request_query)
    parts = origin_request_parts(behavior(cache, request), query, fields)
    assert normalised(parts.query, parts.headers) == reference_parts(cache, request, query, fields)
