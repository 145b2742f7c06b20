"""May a stored response answer a request (RFC 9111 §4.2.4, §5.2.1; RFC 5861)."""

from __future__ import annotations

from cache_support import hdrs
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache.rules.freshness import Freshness
from edgeworks.cache.rules.request import read_request
from edgeworks.cache.rules.reuse import Reuse, Stored, decide, ever_reusable, stale_if_error
from edgeworks.http.headers import Headers

FRESH_60 = Freshness(lifetime=60)


def outcome(
    request: Headers, age: float, fresh: Freshness = FRESH_60, validator: bool = True
) -> Reuse:
    return decide(read_request(request), Stored(age, fresh, validator))


def test_nothing_stored_is_a_miss_rfc9111_4() -> None:
    assert decide(read_request([]), None) is Reuse.MISS


def test_fresh_is_served_rfc9111_4_2() -> None:
    assert outcome([], 59) is Reuse.FRESH


def test_stale_is_validated_not_served_rfc9111_4_2_4() -> None:
    assert outcome([], 61) is Reuse.MUST_REVALIDATE
    assert outcome([], 61, validator=False) is Reuse.MISS


def test_request_no_cache_validates_rfc9111_5_2_1_4() -> None:
    assert outcome(hdrs(("Cache-Control", "no-cache")), 1) is Reuse.MUST_REVALIDATE


def test_pragma_no_cache_without_cache_control_rfc9111_5_4() -> None:
    assert outcome(hdrs(("Pragma", "no-cache")), 1) is Reuse.MUST_REVALIDATE
    with_cc = hdrs(("Pragma", "no-cache"), ("Cache-Control", "max-age=600"))
    assert outcome(with_cc, 1) is Reuse.FRESH


def test_response_no_cache_validates_every_time_rfc9111_5_2_2_4() -> None:
    fresh = Freshness(lifetime=60, revalidate_always=True, stale_allowed=False)
    assert outcome([], 1, fresh) is Reuse.MUST_REVALIDATE


def test_request_max_age_rfc9111_5_2_1_1() -> None:
    assert outcome(hdrs(("Cache-Control", "max-age=10")), 20) is Reuse.MUST_REVALIDATE
    assert outcome(hdrs(("Cache-Control", "max-age=30")), 20) is Reuse.FRESH


def test_request_min_fresh_rfc9111_5_2_1_3() -> None:
    assert outcome(hdrs(("Cache-Control", "min-fresh=30")), 40) is Reuse.MUST_REVALIDATE
    assert outcome(hdrs(("Cache-Control", "min-fresh=30")), 20) is Reuse.FRESH


def test_request_max_stale_rfc9111_5_2_1_2() -> None:
    assert outcome(hdrs(("Cache-Control", "max-stale=10")), 65) is Reuse.FRESH
    assert outcome(hdrs(("Cache-Control", "max-stale=10")), 75) is Reuse.MUST_REVALIDATE
    assert outcome(hdrs(("Cache-Control", "max-stale")), 10_000) is Reuse.FRESH


def test_max_stale_refused_by_must_revalidate_rfc9111_4_2_4() -> None:
    strict = Freshness(lifetime=60, stale_allowed=False)
    assert outcome(hdrs(("Cache-Control", "max-stale")), 65, strict) is Reuse.MUST_REVALIDATE


def test_only_if_cached_rfc9111_5_2_1_7() -> None:
    request = hdrs(("Cache-Control", "only-if-cached"))
    assert outcome(request, 10) is Reuse.FRESH
    assert outcome(request, 100) is Reuse.UNSATISFIABLE
    assert decide(read_request(request), None) is Reuse.UNSATISFIABLE


def test_stale_while_revalidate_window_rfc5861_3() -> None:
    fresh = Freshness(lifetime=60, stale_while_revalidate=30)
    assert outcome([], 80, fresh) is Reuse.STALE
    assert outcome([], 95, fresh) is Reuse.MUST_REVALIDATE


def test_stale_if_error_window_rfc5861_4() -> None:
    fresh = Freshness(lifetime=60, stale_if_error=100)
    assert stale_if_error(read_request([]), Stored(150, fresh, True))
    assert not stale_if_error(read_request([]), Stored(170, fresh, True))
    request = read_request(hdrs(("Cache-Control", "stale-if-error=500")))
    assert stale_if_error(request, Stored(500, fresh, True))


def test_stale_if_error_refused_when_stale_forbidden_rfc9111_4_2_4() -> None:
    strict = Freshness(lifetime=60, stale_allowed=False)
    request = read_request(hdrs(("Cache-Control", "stale-if-error=500")))
    assert not stale_if_error(request, Stored(70, strict, True))


def test_never_reusable_responses_rfc9111_4() -> None:
    assert not ever_reusable(Freshness(lifetime=0), False)
    assert not ever_reusable(Freshness(lifetime=60, revalidate_always=True), False)
    assert ever_reusable(Freshness(lifetime=0), True)
    assert ever_reusable(Freshness(lifetime=0, stale_if_error=60), False)
    assert ever_reusable(Freshness(lifetime=1), False)


_DIRECTIVES = st.lists(
    st.sampled_from(
        [
            "no-cache",
            "max-age=0",
            "max-age=30",
            "max-stale",
            "max-stale=5",
            "min-fresh=10",
            "only-if-cached",
            "stale-if-error=9",
        ]
    ),
    max_size=4,
)
_FRESHNESS = st.builds(
    Freshness,
    lifetime=st.floats(0, 100),
    revalidate_always=st.booleans(),
    stale_allowed=st.booleans(),
    stale_while_revalidate=st.floats(0, 50),
    stale_if_error=st.floats(0, 50),
)


@settings(deadline=None)
@given(_DIRECTIVES, st.floats(0, 500), _FRESHNESS, st.booleans())
def test_reuse_invariants_rfc9111_4(
    directives: list[str], age: float, fresh: Freshness, validator: bool
) -> None:
    request = hdrs(("Cache-Control", ", ".join(directives))) if directives else []
    result = outcome(request, age, fresh, validator)
    if "only-if-cached" in directives:
        assert result not in (Reuse.MISS, Reuse.MUST_REVALIDATE)  # §5.2.1.7
    if fresh.revalidate_always or "no-cache" in directives:
        assert result not in (Reuse.FRESH, Reuse.STALE)  # §5.2.2.4, §5.2.1.4
    if age >= fresh.lifetime and not fresh.stale_allowed:
        assert result not in (Reuse.FRESH, Reuse.STALE)  # §4.2.4
    if result is Reuse.MUST_REVALIDATE:
        assert validator  # §4.3.1


def test_ttl_policy_keeps_serving_expired_objects_on_error_cloudfront() -> None:
    plain = Freshness(lifetime=60)
    assert not stale_if_error(read_request([]), Stored(500, plain, True))
    assert stale_if_error(read_request([]), Stored(500, plain, True), keeps_serving=True)
    strict = Freshness(lifetime=60, stale_allowed=False)
    assert not stale_if_error(read_request([]), Stored(500, strict, True), keeps_serving=True)


def test_expired_exactly_now_is_not_within_an_empty_window_rfc5861_3() -> None:
    assert outcome([], 60, Freshness(lifetime=60)) is Reuse.MUST_REVALIDATE
    assert not stale_if_error(read_request([]), Stored(60, Freshness(lifetime=60), True))
