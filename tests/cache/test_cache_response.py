"""The caching facts of a response: targeted fields, Expires, Date, Age (RFC 9213, RFC 9111)."""

from __future__ import annotations

from cache_support import hdrs
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache.rules.response import parse_targeted, read_response, targeted_names

TARGETED = targeted_names("Edgeworks-CDN-Cache-Control")


def test_targeted_names_most_specific_first_rfc9213_2_1() -> None:
    assert TARGETED == (b"edgeworks-cdn-cache-control", b"cdn-cache-control", b"surrogate-control")
    assert targeted_names("CDN-Cache-Control") == (b"cdn-cache-control", b"surrogate-control")


def test_surrogate_control_below_cdn_cache_control_above_cache_control() -> None:
    both = hdrs(("Surrogate-Control", "max-age=5"), ("CDN-Cache-Control", "max-age=9"))
    assert read_response(both, TARGETED).directives.seconds("max-age") == 9
    over_cc = hdrs(("Cache-Control", "max-age=3600"), ("Surrogate-Control", "MaX-aGe=1"))
    facts = read_response(over_cc, TARGETED)
    assert facts.targeted and facts.directives.seconds("max-age") == 1


def test_surrogate_control_without_valid_directive_is_ignored() -> None:
    response = hdrs(("Cache-Control", "max-age=1"), ("Surrogate-Control", "max-age =100"))
    facts = read_response(response, TARGETED)
    assert not facts.targeted and facts.directives.seconds("max-age") == 1


def test_targeted_field_is_a_dictionary_rfc9213_2_1() -> None:
    parsed = parse_targeted([b'max-age=60, no-store, private="set-cookie"'])
    assert parsed is not None
    assert parsed.seconds("max-age") == 60 and parsed.has("no-store")
    assert parsed.field_names("private") == {b"set-cookie"}


def test_invalid_targeted_field_ignored_rfc9213_2_1() -> None:
    response = hdrs(("CDN-Cache-Control", "Max-Age=60"), ("Cache-Control", "max-age=5"))
    facts = read_response(response, TARGETED)
    assert not facts.targeted and facts.directives.seconds("max-age") == 5


def test_targeted_lines_combine_rfc9213_2_1() -> None:
    parsed = parse_targeted([b"max-age=60", b"must-revalidate"])
    assert parsed is not None and parsed.has("must-revalidate")


def test_switched_off_directive_absent_rfc8941_3_3_6() -> None:
    assert parse_targeted([b"no-store=?0"]) is None


def test_wrongly_typed_max_age_invalidates_field_rfc9213_2_1() -> None:
    assert parse_targeted([b"max-age=1.5"]) is None
    assert parse_targeted([b'max-age="10000"']) is None
    assert parse_targeted([b"max-age=?1"]) is None
    response = hdrs(("CDN-Cache-Control", 'max-age="10000"'), ("Cache-Control", "no-store"))
    facts = read_response(response, TARGETED)
    assert not facts.targeted and facts.directives.has("no-store")


def test_unknown_sf_type_invalidates_field_rfc9213_2_1() -> None:
    assert parse_targeted([b"max-age=10000, &&&&&"]) is None


def test_expires_ignored_under_targeted_field_rfc9213_2_1() -> None:
    response = hdrs(("CDN-Cache-Control", "public"), ("Expires", "Sun, 06 Nov 2050 08:49:37 GMT"))
    facts = read_response(response, TARGETED)
    assert facts.targeted and facts.expires is None


def test_invalid_expires_is_the_past_rfc9111_5_3() -> None:
    facts = read_response(hdrs(("Expires", "-1")), TARGETED)
    assert facts.expires == 0.0 and facts.has_expires


@settings(deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=3))
def test_targeted_garbage_never_crashes(lines: list[bytes]) -> None:
    parsed = parse_targeted(lines)
    if parsed is not None:
        for name in parsed.values:
            parsed.seconds(name)
