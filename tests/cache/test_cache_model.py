"""The facade against a small model of RFC 9111 §4.2: fresh while current_age < lifetime."""

from __future__ import annotations

from cache_support import FOLLOW, T0, hdrs, memory_cache
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache import Cache
from edgeworks.cache.rules.dates import format_http_date


@settings(deadline=None)
@given(
    max_age=st.integers(1, 10_000),
    s_maxage=st.none() | st.integers(0, 10_000),
    origin_age=st.none() | st.integers(0, 20_000),
    date_offset=st.integers(-5_000, 100),
    delay=st.integers(0, 30),
    elapsed=st.integers(0, 30_000),
)
def test_hit_exactly_while_fresh_rfc9111_4_2(
    max_age: int,
    s_maxage: int | None,
    origin_age: int | None,
    date_offset: int,
    delay: int,
    elapsed: int,
) -> None:
    directives = f"max-age={max_age}" + (f", s-maxage={s_maxage}" if s_maxage is not None else "")
    response = hdrs(("Cache-Control", directives), ("ETag", '"v"'))
    response.append((b"date", format_http_date(T0 + date_offset)))
    if origin_age is not None:
        response.append((b"age", b"%d" % origin_age))
    cache = memory_cache()
    writer = cache.open_writer(b"k", "GET", [], 200, response, FOLLOW, T0 - delay, T0)
    assert writer is not None
    writer.write(b"body")
    assert writer.commit() is not None

    # RFC 9111 §4.2.1 (s-maxage first) and §4.2.3 (the age calculation), written out.
    lifetime = s_maxage if s_maxage is not None else max_age
    apparent = max(0, -date_offset)
    initial = max(apparent, (origin_age or 0) + delay)
    age = initial + elapsed
    found = cache.lookup(b"k", "GET", [], FOLLOW, T0 + elapsed)
    assert found.kind == ("hit" if age < lifetime else "revalidate")
    if found.kind == "hit":
        assert found.entry is not None and found.entry.age(T0 + elapsed) == age


@settings(deadline=None)
@given(
    lifetime=st.integers(1, 1_000),
    elapsed=st.integers(0, 2_000),
    max_age=st.none() | st.integers(0, 2_000),
    min_fresh=st.none() | st.integers(0, 2_000),
    max_stale=st.none() | st.integers(0, 2_000),
    must_revalidate=st.booleans(),
)
def test_request_directives_against_the_model_rfc9111_5_2_1(
    lifetime: int,
    elapsed: int,
    max_age: int | None,
    min_fresh: int | None,
    max_stale: int | None,
    must_revalidate: bool,
) -> None:
    response = hdrs(("Cache-Control", f"max-age={lifetime}"), ("ETag", '"v"'))
    if must_revalidate:
        response.append((b"cache-control", b"must-revalidate"))
    cache = memory_cache()
    writer = cache.open_writer(b"k", "GET", [], 200, response, FOLLOW, T0, T0)
    assert writer is not None
    writer.write(b"body")
    writer.commit()
    asked = [
        f"{name}={value}"
        for name, value in (
            ("max-age", max_age),
            ("min-fresh", min_fresh),
            ("max-stale", max_stale),
        )
        if value is not None
    ]
    request = hdrs(("Cache-Control", ", ".join(asked))) if asked else []

    # §5.2.1.1 max-age, §5.2.1.3 min-fresh, §5.2.1.2 max-stale (never past must-revalidate).
    age = elapsed
    young_enough = max_age is None or age <= max_age
    fresh = age < lifetime and (min_fresh is None or lifetime - age >= min_fresh)
    stale_ok = (
        max_stale is not None
        and not must_revalidate
        and age >= lifetime
        and age - lifetime <= max_stale
    )
    expected = "hit" if young_enough and (fresh or stale_ok) else "revalidate"
    assert cache.lookup(b"k", "GET", request, FOLLOW, T0 + elapsed).kind == expected


_LANGUAGES = st.sampled_from(["en", "EN", "fr", " fr ", "de, en", "en,de", "de,  EN", None])


@settings(deadline=None)
@given(st.lists(_LANGUAGES, min_size=1, max_size=8), st.lists(_LANGUAGES, max_size=6))
def test_variants_against_the_model_rfc9111_4_1(
    stored: list[str | None], asked: list[str | None]
) -> None:
    cache = memory_cache()
    model: dict[str | None, bytes] = {}
    for number, language in enumerate(stored):
        request = hdrs(("Accept-Language", language)) if language is not None else []
        body = b"body-%d" % number
        response = hdrs(("Cache-Control", "max-age=600"), ("Vary", "Accept-Language"))
        writer = cache.open_writer(b"k", "GET", request, 200, response, FOLLOW, T0, T0)
        assert writer is not None
        writer.write(body)
        writer.commit()
        model[_normal(language)] = body

    for language in asked:
        request = hdrs(("Accept-Language", language)) if language is not None else []
        found = cache.lookup(b"k", "GET", request, FOLLOW, T0 + 1)
        expected = model.get(_normal(language))
        assert (found.entry.body if found.entry else None) == expected


def _normal(language: str | None) -> str | None:
    # Language lists compare as lower-cased, unordered sets of trimmed members (§4.1).
    if language is None:
        return None
    return ",".join(sorted(part.strip().lower() for part in language.split(",")))


@settings(deadline=None)
@given(
    st.binary(min_size=0, max_size=64),
    st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80)), min_size=1, max_size=3),
)
def test_ranges_against_slicing_rfc9110_14(body: bytes, pairs: list[tuple[int, int]]) -> None:
    cache = memory_cache()
    _store_body(cache, body)
    specs = [(min(a, b), max(a, b)) for a, b in pairs]
    request = hdrs(("Range", "bytes=" + ",".join(f"{a}-{b}" for a, b in specs)))
    found = cache.lookup(b"k", "GET", request, FOLLOW, T0)
    answer = cache.answer(found, "GET", request, T0, b"Hit from edgeworks")
    assert answer is not None

    wanted = [(a, min(b, len(body) - 1)) for a, b in specs if a < len(body)]
    status = int(answer[0][9:12])
    if not wanted:
        assert status == 416  # RFC 9110 §15.5.17
    elif len(wanted) == 1:
        first, last = wanted[0]
        assert status == 206 and answer[2] == body[first : last + 1]
    else:
        assert status == 206
        for first, last in wanted:
            part = b"content-range: bytes %d-%d/%d\r\n\r\n" % (first, last, len(body))
            assert part + body[first : last + 1] + b"\r\n--" in answer[2]


def _store_body(cache: Cache, body: bytes) -> None:
    writer = cache.open_writer(
        b"k", "GET", [], 200, hdrs(("Cache-Control", "max-age=60")), FOLLOW, T0, T0
    )
    assert writer is not None
    writer.write(body)
    writer.commit()
