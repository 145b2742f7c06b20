"""The facade against a small model of RFC 9111 §4.2: fresh while current_age < lifetime."""

from __future__ import annotations

from cache_support import FOLLOW, T0, hdrs, memory_cache
from hypothesis import given
from hypothesis import strategies as st

from edgeworks.cache.rules.dates import format_http_date


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
