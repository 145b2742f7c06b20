"""Stored fields, Vary normalisation and entity tags (RFC 9111 §3.1, §4.1; RFC 9110 §8.8.3)."""

from __future__ import annotations

from cache_support import hdrs
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache.rules.fields import (
    normalised,
    parse_entity_tags,
    stored_fields,
    strong_match,
    vary_names,
    weak_match,
)


def test_hop_by_hop_and_connection_named_not_stored_rfc9111_3_1() -> None:
    headers = hdrs(
        ("Connection", "close, X-Secret"),
        ("Keep-Alive", "timeout=5"),
        ("Transfer-Encoding", "chunked"),
        ("X-Secret", "s"),
        ("Content-Type", "text/plain"),
        ("Age", "3"),
        ("Proxy-Authentication-Info", "nextnonce=x"),
        ("Set-Cookie", "session=one"),
        ("Set-Cookie2", "old=style"),
    )
    assert stored_fields(headers) == hdrs(("Content-Type", "text/plain"))


def test_vary_names_sorted_lowercase_unique_rfc9111_4_1() -> None:
    headers = hdrs(("Vary", "Accept-Encoding, accept"), ("Vary", " ACCEPT "))
    assert vary_names(headers) == (b"accept", b"accept-encoding")


def test_vary_value_normalisation_rfc9111_4_1() -> None:
    one = hdrs(("Accept-Encoding", "gzip,  BR"))
    two = hdrs(("Accept-Encoding", "GZIP"), ("Accept-Encoding", "br"))
    assert normalised(one, b"accept-encoding") == normalised(two, b"accept-encoding")


def test_vary_language_order_normalised_rfc9111_4_1() -> None:
    one = hdrs(("Accept-Language", "en, de"))
    two = hdrs(("Accept-Language", "de,en"))
    assert normalised(one, b"accept-language") == normalised(two, b"accept-language")


def test_vary_order_kept_where_significant_rfc9111_4_1() -> None:
    one = hdrs(("Foo", "1, 2"))
    two = hdrs(("Foo", "2, 1"))
    assert normalised(one, b"foo") != normalised(two, b"foo")


def test_vary_value_case_kept_where_significant_rfc9111_4_1() -> None:
    lower = hdrs(("X-Token", "abc"))
    upper = hdrs(("X-Token", "ABC"))
    assert normalised(lower, b"x-token") != normalised(upper, b"x-token")


def test_absent_differs_from_empty_rfc9111_4_1() -> None:
    assert normalised([], b"accept") is None
    assert normalised(hdrs(("Accept", "")), b"accept") == b""


def test_entity_tags_parse_rfc9110_8_8_3() -> None:
    assert parse_entity_tags(b'"a", W/"b"') == [(False, b'"a"'), (True, b'"b"')]
    assert parse_entity_tags(b"*") == []
    assert parse_entity_tags(b'"a" junk') is None


def test_sloppy_entity_tags_read_leniently_rfc9110_8_8_3() -> None:
    assert parse_entity_tags(b"abc") == [(False, b'"abc"')]
    assert parse_entity_tags(b'w/"abc"') == [(True, b'"abc"')]
    assert parse_entity_tags('"abcdef\u00fc"'.encode()) == [(False, '"abcdef\u00fc"'.encode())]


def test_weak_and_strong_comparison_rfc9110_8_8_3_2() -> None:
    weak_a, strong_a = (True, b'"a"'), (False, b'"a"')
    assert weak_match(weak_a, strong_a)
    assert not strong_match(weak_a, strong_a)
    assert strong_match(strong_a, strong_a)


_TOKENS = st.lists(st.sampled_from(["gzip", "br", "deflate", "identity"]), min_size=1, max_size=3)


@settings(deadline=None)
@given(_TOKENS, st.sampled_from([",", ", ", " ,", " , "]), st.booleans())
def test_vary_normalisation_ignores_spacing_case_and_order(
    tokens: list[str], separator: str, upper: bool
) -> None:
    text = separator.join(tokens)
    plain = hdrs(("Accept-Encoding", ",".join(reversed(tokens))))
    odd = hdrs(("Accept-Encoding", text.upper() if upper else text))
    assert normalised(plain, b"accept-encoding") == normalised(odd, b"accept-encoding")


@settings(deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=12), st.binary(max_size=30)), max_size=6))
def test_vary_garbage_never_crashes(pairs: list[tuple[bytes, bytes]]) -> None:
    headers = [(name.lower(), value) for name, value in pairs]
    for name in vary_names(headers):
        normalised(headers, name)
    parse_entity_tags(headers[0][1] if headers else None)


def test_long_values_normalised_the_same_way_rfc9111_4_1() -> None:
    members = [f"  Lang-{i:03d}  " for i in range(60)]
    value = ",".join(reversed(members)).encode()
    assert len(value) > 256
    expected = b",".join(sorted(m.strip().lower().encode() for m in members))
    request = [(b"accept-language", value)]
    assert normalised(request, b"accept-language") == expected
    assert normalised(request, b"accept-language") == expected
