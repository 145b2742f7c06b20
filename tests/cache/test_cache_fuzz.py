"""Whatever origins and viewers send, the facade answers without raising (RFC 9111 §4.2.1)."""

from __future__ import annotations

from cache_support import FOLLOW, T0, memory_cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgeworks.config.model import CachePolicy
from edgeworks.http.headers import Headers

_RESPONSE_NAMES = [
    b"cache-control",
    b"cdn-cache-control",
    b"edgeworks-cdn-cache-control",
    b"expires",
    b"date",
    b"age",
    b"etag",
    b"last-modified",
    b"vary",
    b"connection",
    b"set-cookie",
    b"content-type",
]
_REQUEST_NAMES = [
    b"cache-control",
    b"pragma",
    b"if-none-match",
    b"if-modified-since",
    b"if-match",
    b"range",
    b"if-range",
    b"accept-encoding",
    b"authorization",
]
_VALUES = st.one_of(
    st.binary(max_size=24),
    st.sampled_from(
        [
            b"max-age=60",
            b"no-cache",
            b"s-maxage=5, stale-while-revalidate=9",
            b"private",
            b'"v1"',
            b'W/"v1"',
            b"*",
            b"bytes=0-3,5-",
            b"accept-encoding",
            b"Sun, 06 Nov 1994 08:49:37 GMT",
            b"only-if-cached",
            b"max-stale",
        ]
    ),
)


def _headers(names: list[bytes]) -> st.SearchStrategy[Headers]:
    return st.lists(st.tuples(st.sampled_from(names), _VALUES), max_size=6)


_POLICIES = st.sampled_from(
    [FOLLOW, CachePolicy(id="p", name="p", min_ttl=5, default_ttl=60, max_ttl=600)]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _headers(_RESPONSE_NAMES),
    _headers(_REQUEST_NAMES),
    _headers(_RESPONSE_NAMES),
    st.sampled_from([200, 203, 204, 206, 301, 304, 404, 418, 500, 503, 599]),
    st.sampled_from(["GET", "HEAD"]),
    _POLICIES,
    st.floats(0, 10_000),
)
def test_facade_never_raises_on_garbage(
    response: Headers,
    request: Headers,
    response_304: Headers,
    status: int,
    method: str,
    policy: CachePolicy,
    later: float,
) -> None:
    cache = memory_cache(error_caching_ttl=10.0)
    writer = cache.open_writer(b"k", "GET", request, status, response, policy, T0, T0)
    if writer is not None:
        writer.write(b"0123456789")
        writer.commit()
    found = cache.lookup(b"k", method, request, policy, T0 + later)
    assert found.kind in ("hit", "stale", "revalidate", "miss", "unsatisfiable")
    if found.entry is None:
        return
    answer = cache.answer(found, method, request, T0 + later, b"Hit from edgeworks")
    assert answer is not None and answer[0].startswith(b"HTTP/1.1 ")
    assert answer[1].startswith(b"age: ") and answer[1].endswith(b"\r\n\r\n")
    cache.freshen(found.entry, b"k", response_304, T0 + later, T0 + later)
    cache.update_from_head(b"k", request, 200, response_304, T0 + later, T0 + later)
    cache.stale_if_error(found, T0 + later)
    cache.invalidate("POST", 200, b"h", b"/p", response)
