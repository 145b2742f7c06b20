"""The cache facade end to end: store, look up, answer, refresh, invalidate."""

from __future__ import annotations

from cache_support import DATE_T0, FOLLOW, T0, hdrs, memory_cache, store

from edgeworks.cache import Cache
from edgeworks.cache.refresh import REFRESH_TIMEOUT
from edgeworks.config.model import CachePolicy

HIT = b"Hit from edgeworks"
CC60 = ("Cache-Control", "max-age=60")
OPTIMIZED = CachePolicy(id="o", name="o", min_ttl=0, default_ttl=86400, max_ttl=31536000)


def lookup(cache: Cache, request: list[tuple[bytes, bytes]] | None = None, at: float = T0 + 10):
    return cache.lookup(b"k", "GET", request or [], FOLLOW, at)


def test_hit_writes_prepared_head_age_and_x_cache_rfc9111_4_2_3() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("Content-Type", "text/plain"), ("Date", DATE_T0.decode())))
    found = lookup(cache)
    assert found.kind == "hit"
    assert cache.answer(found, "GET", [], T0 + 10, HIT) == [
        b"HTTP/1.1 200 OK\r\ncache-control: max-age=60\r\ncontent-type: text/plain\r\n"
        b"date: " + DATE_T0 + b"\r\ncontent-length: 5\r\n",
        b"age: 10\r\nx-cache: Hit from edgeworks\r\n\r\n",
        b"hello",
    ]


def test_hop_by_hop_and_origin_age_not_in_head_rfc9111_3_1() -> None:
    cache = memory_cache()
    entry = store(
        cache, hdrs(CC60, ("Connection", "x-hop"), ("X-Hop", "1"), ("Age", "5"), ("TE", "t"))
    )
    assert entry is not None
    assert entry.head == (
        b"HTTP/1.1 200 OK\r\ncache-control: max-age=60\r\ndate: " + DATE_T0 + b"\r\n"
        b"content-length: 5\r\n"
    )
    assert entry.age(T0) == 5


def test_expired_entry_revalidates_with_validators_rfc9111_4_3_1() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("ETag", '"v1"')))
    found = lookup(cache, at=T0 + 61)
    assert found.kind == "revalidate"
    assert found.conditional == hdrs(("If-None-Match", '"v1"'))


def test_freshen_merges_304_and_restarts_freshness_rfc9111_4_3_4() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("ETag", '"v1"'), ("X-Old", "1")))
    found = lookup(cache, at=T0 + 61)
    assert found.entry is not None
    entry = cache.freshen(
        found.entry,
        b"k",
        hdrs(("Cache-Control", "max-age=100"), ("ETag", '"v1"'), ("X-Old", "2")),
        T0 + 61,
        T0 + 61,
    )
    assert entry is not None and entry.body == b"hello"
    again = lookup(cache, at=T0 + 150)
    assert again.kind == "hit"
    assert again.entry is not None and b"x-old: 2\r\n" in again.entry.head


def test_freshen_with_other_validator_drops_entry_rfc9111_4_3_4() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("ETag", '"v1"')))
    found = lookup(cache, at=T0 + 61)
    assert found.entry is not None
    assert cache.freshen(found.entry, b"k", hdrs(("ETag", '"v2"')), T0 + 61, T0 + 61) is None
    assert lookup(cache, at=T0 + 62).entry is None


def test_head_answered_from_get_entry_without_body_rfc9110_9_3_2() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60))
    found = cache.lookup(b"k", "HEAD", [], FOLLOW, T0)
    assert found.kind == "hit"
    answer = cache.answer(found, "HEAD", [], T0, HIT)
    assert answer is not None and len(answer) == 2 and b"content-length: 5" in answer[0]


def test_head_response_creates_no_entry_rfc9111_3() -> None:
    cache = memory_cache()
    assert store(cache, hdrs(CC60), b"", method="HEAD") is None
    assert lookup(cache).kind == "miss"


def test_short_body_never_stored_rfc9111_3_3() -> None:
    cache = memory_cache()
    assert store(cache, hdrs(CC60, ("Content-Length", "10")), b"short") is None
    assert lookup(cache).kind == "miss"


def test_chunked_body_gets_content_length_rfc9112_6_3() -> None:
    cache = memory_cache()
    entry = store(cache, hdrs(CC60, ("Transfer-Encoding", "chunked")), b"abc")
    assert entry is not None
    assert b"content-length: 3\r\n" in entry.head and b"transfer-encoding" not in entry.head


def test_variants_coexist_without_flip_flop_rfc9111_4_1() -> None:
    cache = memory_cache()
    vary = hdrs(CC60, ("Vary", "Accept-Encoding"))
    store(cache, vary, b"gzip-body", request=hdrs(("Accept-Encoding", "gzip")))
    store(cache, vary, b"br-body", request=hdrs(("Accept-Encoding", "br")))
    gzip = lookup(cache, hdrs(("Accept-Encoding", "GZIP")))
    brotli = lookup(cache, hdrs(("Accept-Encoding", "br")))
    assert gzip.entry is not None and gzip.entry.body == b"gzip-body"
    assert brotli.entry is not None and brotli.entry.body == b"br-body"
    assert lookup(cache, hdrs(("Accept-Encoding", "deflate"))).kind == "miss"
    assert lookup(cache).kind == "miss"


def test_targeted_fields_not_forwarded_to_viewers_rfc9213_2_1() -> None:
    cache = memory_cache()
    entry = store(cache, hdrs(("CDN-Cache-Control", "max-age=60"), ("Cache-Control", "no-store")))
    assert entry is not None
    assert b"cdn-cache-control" not in entry.head
    assert b"cache-control: no-store" in entry.head


def test_qualified_private_fields_not_stored_rfc9111_5_2_2_7() -> None:
    cache = memory_cache()
    entry = store(cache, hdrs(("Cache-Control", 'private="x-user", max-age=60'), ("X-User", "u")))
    assert entry is not None and b"x-user: u" not in entry.head


def test_viewer_if_none_match_answered_304_rfc9111_4_3_2() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("ETag", '"v1"'), ("Content-Type", "text/plain")))
    found = lookup(cache)
    answer = cache.answer(found, "GET", hdrs(("If-None-Match", 'W/"v1"')), T0 + 10, HIT)
    assert answer is not None and answer[0].startswith(b"HTTP/1.1 304 ")
    assert b"content-type" not in answer[0] and b'etag: "v1"' in answer[0]
    assert len(answer) == 2


def test_range_answered_206_from_complete_object_rfc9110_14_2() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60), b"0123456789")
    found = lookup(cache)
    answer = cache.answer(found, "GET", hdrs(("Range", "bytes=2-4")), T0, HIT)
    assert answer is not None and answer[0].startswith(b"HTTP/1.1 206 ")
    assert b"content-range: bytes 2-4/10\r\n" in answer[0] and answer[2] == b"234"


def test_multiple_ranges_multipart_rfc9110_14_6() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("Content-Type", "text/plain")), b"0123456789")
    found = lookup(cache)
    answer = cache.answer(found, "GET", hdrs(("Range", "bytes=0-1,-2")), T0, HIT)
    assert answer is not None
    assert b"content-type: multipart/byteranges; boundary=" in answer[0]
    body = answer[2]
    assert b"content-range: bytes 0-1/10\r\n\r\n01\r\n" in body
    assert b"content-range: bytes 8-9/10\r\n\r\n89\r\n" in body
    assert b"content-length: %d\r\n" % len(body) in answer[0]


def test_unsatisfiable_range_416_rfc9110_15_5_17() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60), b"0123456789")
    answer = cache.answer(lookup(cache), "GET", hdrs(("Range", "bytes=50-")), T0, HIT)
    assert answer is not None and answer[0].startswith(b"HTTP/1.1 416 ")
    assert b"content-range: bytes */10" in answer[0]


def test_failed_if_range_sends_whole_object_rfc9110_13_1_5() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("ETag", '"v1"')), b"0123456789")
    request = hdrs(("Range", "bytes=0-1"), ("If-Range", '"v0"'))
    answer = cache.answer(lookup(cache), "GET", request, T0, HIT)
    assert answer is not None and answer[0].startswith(b"HTTP/1.1 200 ")


def test_if_match_goes_to_origin_rfc9111_4_3_2() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("ETag", '"v1"')))
    assert lookup(cache, hdrs(("If-Match", '"v1"'))).kind == "miss"


def test_only_if_cached_unsatisfiable_rfc9111_5_2_1_7() -> None:
    cache = memory_cache()
    assert lookup(cache, hdrs(("Cache-Control", "only-if-cached"))).kind == "unsatisfiable"


def test_stale_while_revalidate_kind_rfc5861_3() -> None:
    cache = memory_cache()
    store(cache, hdrs(("Cache-Control", "max-age=60, stale-while-revalidate=30")))
    assert lookup(cache, at=T0 + 70).kind == "stale"


def test_stale_if_error_serves_within_window_rfc5861_4() -> None:
    cache = memory_cache()
    store(cache, hdrs(("Cache-Control", "max-age=60, stale-if-error=100")))
    found = lookup(cache, at=T0 + 100)
    assert found.kind == "miss" and cache.stale_if_error(found, T0 + 100) is not None
    late = lookup(cache, at=T0 + 200)
    assert cache.stale_if_error(late, T0 + 200) is None


def test_unsafe_method_invalidates_all_variants_rfc9111_4_4() -> None:
    cache = memory_cache()
    vary = hdrs(CC60, ("Vary", "Accept"))
    store(cache, vary, request=hdrs(("Accept", "a")))
    store(cache, vary, request=hdrs(("Accept", "b")))
    assert cache.invalidate("DELETE", 204, b"H", b"/p", []) == 1
    assert lookup(cache, hdrs(("Accept", "a"))).kind == "miss"
    store(cache, vary, request=hdrs(("Accept", "b")))
    assert lookup(cache, hdrs(("Accept", "a"))).kind == "miss"
    assert lookup(cache, hdrs(("Accept", "b"))).kind == "hit"


def test_failed_unsafe_method_keeps_entry_rfc9111_4_4() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60))
    assert cache.invalidate("POST", 500, b"h", b"/p", []) == 0
    assert lookup(cache).kind == "hit"


def test_error_response_cached_for_error_ttl_cloudfront() -> None:
    cache = memory_cache(error_caching_ttl=10.0)
    assert store(cache, [], status=503, policy=OPTIMIZED) is not None
    assert lookup(cache, at=T0 + 5).kind == "hit"
    assert lookup(cache, at=T0 + 11).kind == "miss"


def test_follow_origin_policy_does_not_cache_silent_errors_rfc9111_3() -> None:
    cache = memory_cache(error_caching_ttl=10.0)
    assert store(cache, [], status=503) is None


def test_min_ttl_caches_no_cache_response_cloudfront() -> None:
    policy = CachePolicy(id="p", name="p", min_ttl=30, default_ttl=60, max_ttl=600)
    cache = memory_cache()
    assert store(cache, hdrs(("Cache-Control", "no-cache")), policy=policy) is not None
    assert lookup(cache, at=T0 + 20).kind == "hit"


def test_follow_origin_policy_keeps_no_cache_rfc9111_5_2_2_4() -> None:
    cache = memory_cache()
    store(cache, hdrs(("Cache-Control", "no-cache"), ("ETag", '"v"')))
    assert lookup(cache, at=T0 + 1).kind == "revalidate"


def test_stats_count_lookups_and_stores() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60))
    lookup(cache)
    stats = cache.stats()
    assert stats["stores"] == 1 and stats["lookup_hit"] == 1 and stats["memory_entries"] == 1


def test_stale_refresh_claimed_once_rfc5861_3() -> None:
    cache = memory_cache()
    swr = hdrs(("Cache-Control", "max-age=60, stale-while-revalidate=300"))
    store(cache, swr)
    assert lookup(cache, at=T0 + 70).kind == "stale"
    assert lookup(cache, at=T0 + 71).kind == "hit"  # the first refresh is still under way
    store(cache, swr, at=T0 + 72)  # the refresh stores its response
    assert lookup(cache, at=T0 + 140).kind == "stale"


def test_stale_refresh_retried_after_timeout_rfc5861_3() -> None:
    cache = memory_cache()
    store(cache, hdrs(("Cache-Control", "max-age=60, stale-while-revalidate=300")))
    assert lookup(cache, at=T0 + 70).kind == "stale"
    assert lookup(cache, at=T0 + 70 + REFRESH_TIMEOUT + 1).kind == "stale"


def test_head_200_refreshes_stored_get_rfc9111_4_3_5() -> None:
    cache = memory_cache()
    store(cache, hdrs(("Cache-Control", "max-age=2"), ("X-A", "1")))
    head = hdrs(("Cache-Control", "max-age=1000"), ("X-A", "2"))
    updated = cache.update_from_head(b"k", [], 200, head, T0 + 10, T0 + 10)
    assert updated is not None and updated.body == b"hello"
    found = lookup(cache, at=T0 + 20)
    assert found.kind == "hit" and found.entry is not None and b"x-a: 2" in found.entry.head


def test_head_with_other_validator_drops_stored_get_rfc9111_4_3_5() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("ETag", '"v1"')))
    assert cache.update_from_head(b"k", [], 200, hdrs(("ETag", '"v2"')), T0, T0) is None
    assert lookup(cache).kind == "miss"


def test_ttl_policy_serves_expired_object_when_origin_fails_cloudfront() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("ETag", '"v"')), policy=OPTIMIZED)
    found = lookup(cache, at=T0 + 5000)
    assert found.kind == "revalidate"
    assert cache.stale_if_error(found, T0 + 5000) is not None


def test_follow_policy_needs_stale_if_error_rfc5861_4() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("ETag", '"v"')))
    found = lookup(cache, at=T0 + 5000)
    assert cache.stale_if_error(found, T0 + 5000) is None


def test_surrogate_control_obeyed_and_hidden() -> None:
    cache = memory_cache()
    entry = store(
        cache, hdrs(("Cache-Control", "max-age=3600"), ("Surrogate-Control", "max-age=1"))
    )
    assert entry is not None and b"surrogate-control" not in entry.head
    assert lookup(cache, at=T0 + 5).kind == "miss"


def test_age_sent_at_most_2_to_the_31_rfc9111_1_2_2() -> None:
    cache = memory_cache()
    entry = store(cache, hdrs(("Cache-Control", "max-age=60"), ("Age", "2147483648")))
    assert entry is not None and entry.age(T0 + 10_000) == 2147483648


def test_first_variants_filled_at_once_both_kept_rfc9111_4_1() -> None:
    cache = memory_cache()
    vary = hdrs(CC60, ("Vary", "Accept-Encoding"))
    gzip = cache.open_writer(
        b"k", "GET", hdrs(("Accept-Encoding", "gzip")), 200, vary, FOLLOW, T0, T0
    )
    brotli = cache.open_writer(
        b"k", "GET", hdrs(("Accept-Encoding", "br")), 200, vary, FOLLOW, T0, T0
    )
    assert gzip is not None and brotli is not None
    gzip.write(b"gzip-body")
    brotli.write(b"br-body")
    assert gzip.commit() is not None
    assert brotli.commit() is not None
    found = lookup(cache, hdrs(("Accept-Encoding", "br")))
    assert found.entry is not None and found.entry.body == b"br-body"
    found = lookup(cache, hdrs(("Accept-Encoding", "gzip")))
    assert found.entry is not None and found.entry.body == b"gzip-body"


def test_variant_filled_across_an_invalidation_is_dropped_rfc9111_4_4() -> None:
    cache = memory_cache()
    vary = hdrs(CC60, ("Vary", "Accept"))
    store(cache, vary, request=hdrs(("Accept", "a")))
    late = cache.open_writer(b"k", "GET", hdrs(("Accept", "b")), 200, vary, FOLLOW, T0, T0)
    assert late is not None
    cache.invalidate("PUT", 204, b"h", b"/p", [])
    store(cache, vary, request=hdrs(("Accept", "a")))
    late.write(b"old")
    assert late.commit() is None
    assert lookup(cache, hdrs(("Accept", "b"))).kind == "miss"


def test_response_in_flight_across_an_invalidation_not_stored_rfc9111_4_4() -> None:
    cache = memory_cache()
    writer = cache.open_writer(
        b"k", "GET", [], 200, hdrs(CC60), FOLLOW, T0, T0, host=b"h", path=b"/p"
    )
    assert writer is not None
    cache.invalidate("PUT", 204, b"h", b"/p", [])
    writer.write(b"before the change")
    assert writer.commit() is None
    assert lookup(cache).kind == "miss"


def test_stored_after_an_invalidation_is_invalidated_again_rfc9111_4_4() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60))
    cache.invalidate("PUT", 204, b"h", b"/p", [])
    store(cache, hdrs(CC60))
    assert cache.invalidate("DELETE", 204, b"h", b"/p", []) == 1
    assert lookup(cache).kind == "miss"


def test_disconnected_cache_may_serve_stale_rfc9111_4_2_4() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("ETag", '"v"')))
    found = lookup(cache, at=T0 + 5000)
    assert cache.stale_if_error(found, T0 + 5000, disconnected=True) is not None
    strict = memory_cache()
    store(strict, hdrs(("Cache-Control", "max-age=60, must-revalidate"), ("ETag", '"v"')))
    found = lookup(strict, at=T0 + 5000)
    assert strict.stale_if_error(found, T0 + 5000, disconnected=True) is None


def test_cookies_reach_no_other_viewer() -> None:
    cache = memory_cache()
    entry = store(cache, hdrs(CC60, ("Set-Cookie", "session=one"), ("ETag", '"v"')))
    assert entry is not None and b"set-cookie" not in entry.head
    found = lookup(cache, at=T0 + 100)
    assert found.kind == "revalidate" and found.entry is not None
    response_304 = hdrs(CC60, ("ETag", '"v"'), ("Set-Cookie", "session=two"))
    for_this_viewer = cache.freshen(found.entry, b"k", response_304, T0 + 100, T0 + 100)
    assert for_this_viewer is not None and b"set-cookie: session=two" in for_this_viewer.head
    later = lookup(cache, at=T0 + 110)
    assert later.kind == "hit" and later.entry is not None
    assert b"set-cookie" not in later.entry.head


def test_304_that_forbids_storing_removes_the_entry_rfc9111_4_3_4() -> None:
    cache = memory_cache()
    store(cache, hdrs(CC60, ("ETag", '"v"')))
    found = lookup(cache, at=T0 + 100)
    assert found.entry is not None
    response_304 = hdrs(("Cache-Control", "no-store"), ("ETag", '"v"'))
    answered = cache.freshen(found.entry, b"k", response_304, T0 + 100, T0 + 100)
    assert answered is not None and answered.body == b"hello"
    assert lookup(cache, at=T0 + 101).kind == "miss"
