"""The cache-relevant fields of a request (RFC 9111 §5.2.1, §5.4, §4.3.2)."""

from __future__ import annotations

import math

from cache_support import hdrs
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache.rules.request import PLAIN, read_request


def test_request_without_cache_fields_is_plain() -> None:
    facts = read_request(hdrs(("Host", "h"), ("Accept", "*/*"), ("User-Agent", "x")))
    assert facts is PLAIN and facts.plain


def test_directives_read_rfc9111_5_2_1() -> None:
    facts = read_request(
        hdrs(("Cache-Control", "max-age=5, min-fresh=7, max-stale, no-store, only-if-cached"))
    )
    assert (facts.max_age, facts.min_fresh, facts.max_stale) == (5, 7, math.inf)
    assert facts.no_store and facts.only_if_cached and not facts.no_cache


def test_pragma_counts_only_without_cache_control_rfc9111_5_4() -> None:
    assert read_request(hdrs(("Pragma", "No-Cache"))).no_cache
    assert not read_request(hdrs(("Pragma", "no-cache"), ("Cache-Control", "max-age=9"))).no_cache
    assert not read_request(hdrs(("Pragma", "x-other"))).no_cache


def test_preconditions_and_shaping_fields_rfc9111_4_3_2() -> None:
    assert read_request(hdrs(("If-Match", '"a"'))).origin_preconditions
    assert read_request(hdrs(("If-Unmodified-Since", "x"))).origin_preconditions
    for name in ("If-None-Match", "If-Modified-Since", "Range"):
        facts = read_request(hdrs((name, "x")))
        assert facts.shaping and not facts.origin_preconditions and not facts.plain


def test_authorization_noticed_rfc9111_3_5() -> None:
    assert read_request(hdrs(("Authorization", "Basic x"))).authorization


@settings(deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=20), st.binary(max_size=40)), max_size=8))
def test_request_garbage_never_crashes(pairs: list[tuple[bytes, bytes]]) -> None:
    facts = read_request([(name.lower(), value) for name, value in pairs])
    assert facts.max_age is None or facts.max_age >= 0
