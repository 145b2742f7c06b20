"""Cache keys select what the policy names; origin requests get key members plus the policy's."""

from __future__ import annotations

from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.config.keys import cache_key
from edgeworks.config.model import CachePolicy, Selection
from edgeworks.config.selection import accepted_encodings
from edgeworks.http.headers import Headers

BARE = CachePolicy("bare", "bare")


def key(
    policy: CachePolicy, query: bytes = b"", headers: Headers | None = None, **kw: str
) -> bytes:
    return cache_key(
        policy,
        kw.get("method", "GET"),
        kw.get("host", "example.com"),
        kw.get("path", "/a"),
        query,
        headers or [],
    )


def policy(**families: Selection) -> CachePolicy:
    return CachePolicy("p", "p", **families)  # type: ignore[arg-type]


def test_get_and_head_share_a_key_other_methods_do_not() -> None:
    assert key(BARE, method="GET") == key(BARE, method="HEAD")
    assert key(BARE, method="OPTIONS") != key(BARE, method="GET")


def test_host_is_in_the_key_case_insensitively_and_path_case_sensitively() -> None:
    assert key(BARE, host="Example.COM") == key(BARE, host="example.com")
    assert key(BARE, host="other.example") != key(BARE)
    assert key(BARE, path="/A") != key(BARE, path="/a")


def test_bytes_and_text_arguments_give_the_same_key() -> None:
    text = cache_key(BARE, "GET", "example.com", "/a", b"", [])
    raw = cache_key(BARE, b"GET", b"example.com", b"/a", b"", [])
    assert text == raw


def test_query_none_ignores_the_query() -> None:
    assert key(BARE, b"a=1") == key(BARE, b"a=2") == key(BARE)


def test_query_whitelist_keys_only_listed_names() -> None:
    p = policy(query_strings=Selection("whitelist", ("a",)))
    assert key(p, b"a=1&b=1") == key(p, b"b=2&a=1")
    assert key(p, b"a=1") != key(p, b"a=2")


def test_query_all_except_ignores_listed_names() -> None:
    p = policy(query_strings=Selection("allExcept", ("utm",)))
    assert key(p, b"x=1&utm=a") == key(p, b"utm=b&x=1")
    assert key(p, b"x=1") != key(p, b"x=2")


def test_query_all_is_canonical_by_name_but_keeps_repeated_order() -> None:
    p = policy(query_strings=Selection("all"))
    assert key(p, b"a=1&b=2") == key(p, b"b=2&a=1")
    assert key(p, b"a=1&a=2") != key(p, b"a=2&a=1")
    assert key(p, b"a") != key(p, b"a=")


def test_header_whitelist_keys_named_headers_with_values_as_sent() -> None:
    p = policy(headers=Selection("whitelist", ("x-tenant",)))
    one = key(p, headers=[(b"x-tenant", b"Blue"), (b"x-other", b"1")])
    assert one == key(p, headers=[(b"x-other", b"2"), (b"x-tenant", b"Blue")])
    assert one != key(p, headers=[(b"x-tenant", b"blue")])
    assert key(p) != key(p, headers=[(b"x-tenant", b"")])


def test_header_all_except_and_all() -> None:
    every = policy(headers=Selection("all"))
    most = policy(headers=Selection("allExcept", ("user-agent",)))
    a = [(b"user-agent", b"a"), (b"x-v", b"1")]
    b = [(b"x-v", b"1"), (b"user-agent", b"b")]
    assert key(every, headers=a) != key(every, headers=b)
    assert key(most, headers=a) == key(most, headers=b)
    assert key(most, headers=a) != key(most, headers=[(b"x-v", b"2")])


def test_header_none_ignores_headers() -> None:
    assert key(BARE, headers=[(b"x-v", b"1")]) == key(BARE)


def test_cookie_selections() -> None:
    listed = policy(cookies=Selection("whitelist", ("session",)))
    most = policy(cookies=Selection("allExcept", ("tracking",)))
    every = policy(cookies=Selection("all"))
    jar = [(b"cookie", b"session=1; tracking=a")]
    other = [(b"cookie", b"tracking=b"), (b"cookie", b"session=1")]
    assert key(listed, headers=jar) == key(listed, headers=other)
    assert key(most, headers=jar) == key(most, headers=other)
    assert key(every, headers=jar) != key(every, headers=other)
    assert key(listed, headers=jar) != key(listed, headers=[(b"cookie", b"session=2")])
    assert key(BARE, headers=jar) == key(BARE)


def test_cookie_names_are_case_sensitive() -> None:
    listed = policy(cookies=Selection("whitelist", ("Session",)))
    assert key(listed, headers=[(b"cookie", b"session=1")]) == key(listed)


def test_accept_encoding_is_normalised_when_enabled() -> None:
    both = CachePolicy("z", "z", accept_encoding_gzip=True, accept_encoding_brotli=True)
    gzip = [(b"accept-encoding", b"gzip, deflate")]
    assert key(both, headers=gzip) == key(both, headers=[(b"accept-encoding", b"deflate,GZIP")])
    assert key(both, headers=gzip) != key(both, headers=[(b"accept-encoding", b"br, gzip")])
    assert key(both, headers=[(b"accept-encoding", b"gzip;q=0")]) == key(both)
    assert key(BARE, headers=gzip) == key(BARE)


def test_accepted_encodings() -> None:
    offered = (b"br", b"gzip")
    assert accepted_encodings([b"gzip, br"], offered) == b"br,gzip"
    assert accepted_encodings([b"*"], offered) == b"br,gzip"
    assert accepted_encodings([b"br;q=0, gzip;q=0.5"], offered) == b"gzip"
    assert accepted_encodings([b"gzip;q=x"], offered) == b""
    assert accepted_encodings([], offered) == b""


def test_key_is_deterministic_bytes() -> None:
    p = policy(query_strings=Selection("all"), cookies=Selection("all"), headers=Selection("all"))
    headers = [(b"cookie", b"a=1"), (b"x", b"y")]
    assert key(p, b"q=1", headers) == key(p, b"q=1", list(headers))
    assert isinstance(key(p, b"q=1", headers), bytes)


HEADER_NAMES = st.sampled_from([b"cookie", b"accept-encoding", b"x-a", b"host", b"connection"])
VALUES = st.binary(max_size=20)


@settings(deadline=None)  # timing varies on a loaded machine; not a test subject
@given(
    st.sampled_from(["none", "whitelist", "allExcept", "all"]),
    st.binary(max_size=40),
    st.lists(st.tuples(HEADER_NAMES, VALUES), max_size=6),
)
def test_arbitrary_requests_never_crash(kind: str, query: bytes, headers: Headers) -> None:
    selection = Selection(kind, ("x-a", "a"))
    p = CachePolicy(
        "f",
        "f",
        headers=selection,
        cookies=selection,
        query_strings=selection,
        accept_encoding_gzip=True,
    )
    assert isinstance(key(p, query, headers), bytes)


PAIRS = st.dictionaries(
    st.text("abcxyz", min_size=1, max_size=3), st.text("0123", max_size=2), min_size=1, max_size=5
)


@settings(deadline=None)  # timing varies on a loaded machine; not a test subject
@given(PAIRS, st.randoms())
def test_query_order_never_changes_the_key(pairs: dict[str, str], shuffler: Random) -> None:
    every = policy(query_strings=Selection("all"))
    pieces = [f"{name}={value}".encode() for name, value in pairs.items()]
    shuffled = pieces[:]
    shuffler.shuffle(shuffled)
    assert key(every, b"&".join(pieces)) == key(every, b"&".join(shuffled))


@settings(deadline=None)  # timing varies on a loaded machine; not a test subject
@given(st.text(max_size=10), st.text(max_size=20), st.text(max_size=30))
def test_text_arguments_never_crash(method: str, host: str, path: str) -> None:
    first = cache_key(BARE, method, host, path, b"", [])
    assert first == cache_key(BARE, method, host, path, b"", [])


def selected(selection: Selection, name: bytes, lower: bool = False) -> bool:
    names = {(n.lower() if lower else n).encode() for n in selection.names}
    if selection.behavior == "all":
        return True
    if selection.behavior == "allExcept":
        return name not in names
    return selection.behavior == "whitelist" and name in names


def in_key(selection: Selection) -> bool:
    return selection.behavior in ("all", "allExcept") or bool(
        selection.behavior == "whitelist" and selection.names
    )


def reference_key(p: CachePolicy, query: bytes, headers: Headers) -> bytes:
    """The key spelled out plainly from the rules in the module docstring, for comparison."""
    parts = [b"GET", b"example.com", b"/a"]
    if in_key(p.query_strings):
        pairs = [(q.partition(b"=")[0], q) for q in query.split(b"&") if q]
        pairs = sorted((x for x in pairs if selected(p.query_strings, x[0])), key=lambda x: x[0])
        parts.append(b"q:" + b"&".join(piece for _, piece in pairs))
    if in_key(p.headers):
        chosen = [
            (n, v)
            for n, v in headers
            if n not in (b"host", b"cookie", b"accept-encoding") and selected(p.headers, n, True)
        ]
        chosen.sort(key=lambda x: x[0])
        parts.append(b"h:" + b"\n".join(n + b":" + v for n, v in chosen))
    if in_key(p.cookies):
        jar = [
            (c.strip().partition(b"=")[0].strip(), c.strip())
            for n, v in headers
            if n == b"cookie"
            for c in v.split(b";")
            if c.strip()
        ]
        jar = sorted((x for x in jar if selected(p.cookies, x[0])), key=lambda x: x[0])
        parts.append(b"c:" + b";".join(piece for _, piece in jar))
    if p.accept_encoding_gzip or p.accept_encoding_brotli:
        codings = [v for n, v in headers if n == b"accept-encoding"]
        offered = tuple(
            c
            for c, on in ((b"br", p.accept_encoding_brotli), (b"gzip", p.accept_encoding_gzip))
            if on
        )
        parts.append(b"e:" + accepted_encodings(codings, offered))
    return b"\x00".join(parts)


SELECTIONS = st.builds(
    Selection,
    st.sampled_from(["none", "whitelist", "allExcept", "all"]),
    st.lists(st.sampled_from(["a", "b", "x-a", "X-B"]), max_size=2).map(tuple),
)
FIELDS = st.lists(
    st.tuples(
        st.sampled_from([b"cookie", b"accept-encoding", b"x-a", b"x-b", b"host", b"other"]),
        st.sampled_from([b"", b"a=1", b"b=2; a=3", b"gzip", b"br, gzip;q=0", b"v"]),
    ),
    max_size=5,
)


@settings(deadline=None)  # timing varies on a loaded machine; not a test subject
@given(
    SELECTIONS,
    SELECTIONS,
    SELECTIONS,
    st.booleans(),
    st.booleans(),
    st.binary(max_size=12),
    FIELDS,
)
def test_key_agrees_with_a_plain_reading_of_the_rules(
    headers_sel: Selection,
    cookies_sel: Selection,
    query_sel: Selection,
    gzip: bool,
    brotli: bool,
    query: bytes,
    fields: Headers,
) -> None:
    p = CachePolicy(
        "r", "r", headers=headers_sel, cookies=cookies_sel, query_strings=query_sel,
        accept_encoding_gzip=gzip, accept_encoding_brotli=brotli,
    )  # fmt: skip
    assert key(p, query, fields) == reference_key(p, query, fields)
