"""The pure pipeline steps: routing, origin request fields, viewer fields, hot hits."""

from __future__ import annotations

import dataclasses

from edgeworks.cache import Cache
from edgeworks.config import single_origin_distribution
from edgeworks.config.model import Behavior, CacheStorage, OriginGroup
from edgeworks.edge.pipeline import (
    origin_ids,
    origin_request,
    route,
    viewer_fields,
)
from edgeworks.edge.pipeline_hot import MAX_BYTES, HotHits
from edgeworks.edge.proxy_collapse import PASS_SECONDS, PassMarks
from edgeworks.edge.trace import Tracer
from edgeworks.http.request import Request

DIST = single_origin_distribution("http://origin.example:8000", node_name="edge-1")


def _request(method: str = "GET", target: bytes = b"/a?q=1", **extra: bytes) -> Request:
    headers = [(b"host", b"viewer.example")]
    headers += [(name.replace("_", "-").encode(), value) for name, value in extra.items()]
    return Request(method, target, "1.1", headers, ("192.0.2.7", 5000), arrived=1000.0)


def test_route_keys_cached_methods_only() -> None:
    get = route(DIST, _request())
    post = route(DIST, _request("POST"))
    assert get.allowed and get.key is not None
    assert post.allowed and post.key is None
    assert route(DIST, _request("HEAD")).key == get.key


def test_route_refuses_methods_the_behaviour_does_not_allow() -> None:
    narrow = dataclasses.replace(DIST.default_behavior, allowed_methods=frozenset({"GET", "HEAD"}))
    dist = dataclasses.replace(DIST, default_behavior=narrow)
    assert not route(dist, _request("DELETE")).allowed
    assert not route(dist, _request("FROB")).allowed
    assert route(DIST, _request("FROB")).allowed  # AllowedMethods: ALL admits extensions
    assert not route(DIST, _request("CONNECT")).allowed


def test_origin_request_sets_host_via_and_forwarded_for() -> None:
    request = _request(
        via=b"1.0 first", x_forwarded_for=b"198.51.100.1", connection=b"x-drop", x_drop=b"1"
    )
    origin = DIST.origins["origin"]
    target, headers = origin_request(request, DIST.default_behavior, origin, "edge-1")
    fields = dict(headers)
    assert target == b"/a?q=1"
    assert fields[b"host"] == b"origin.example:8000"
    assert fields[b"via"] == b"1.0 first, 1.1 edge-1"
    assert fields[b"x-forwarded-for"] == b"198.51.100.1, 192.0.2.7"
    assert b"x-drop" not in fields
    assert b"connection" not in fields
    assert [name for name, _ in headers].count(b"via") == 1


def test_viewer_fields_extend_via_and_add_x_cache() -> None:
    fields = viewer_fields(
        [(b"via", b"1.1 origin-proxy"), (b"etag", b'"1"'), (b"x-cache", b"spoofed")],
        "edge-1",
        b"Miss from edgeworks",
        784111777.0,
    )
    assert fields == [
        (b"etag", b'"1"'),
        (b"date", b"Sun, 06 Nov 1994 08:49:37 GMT"),
        (b"via", b"1.1 origin-proxy, 1.1 edge-1"),
        (b"x-cache", b"Miss from edgeworks"),
    ]
    dated = viewer_fields([(b"date", b"x")], "edge-1", b"Miss from edgeworks", 0.0)
    assert [value for name, value in dated if name == b"date"] == [b"x"]


def test_origin_group_lists_primary_then_secondary() -> None:
    group = OriginGroup("group", "origin", "backup", frozenset({503}))
    dist = dataclasses.replace(DIST, origin_groups={"group": group})
    assert origin_ids(dist, "group") == ("origin", "backup")
    assert origin_ids(dist, "origin") == ("origin",)


def _stored_entry(cache: Cache, behavior: Behavior, max_age: int, now: float) -> None:
    where = route(DIST, _request(target=b"/hot"))
    assert where.key is not None
    writer = cache.open_writer(
        where.key,
        "GET",
        [(b"host", b"viewer.example")],
        200,
        [(b"cache-control", b"max-age=%d" % max_age), (b"content-length", b"3")],
        behavior.cache_policy,
        now,
        now,
    )
    assert writer is not None
    writer.write(b"hot")
    assert writer.commit() is not None


def test_hot_hits_replay_within_the_window_and_freshness() -> None:
    cache = Cache(CacheStorage())
    _stored_entry(cache, DIST.default_behavior, 100, 1000.0)
    request = _request(target=b"/hot")
    where = route(DIST, request)
    assert where.key is not None
    found = cache.lookup(
        where.key, "GET", request.headers, DIST.default_behavior.cache_policy, 1000.0
    )
    assert found.entry is not None
    hot = HotHits(Tracer())
    key = HotHits.key(request)
    assert key is not None
    hot.remember(key, request, found.entry, 1005.0)
    remembered = hot.answer(key, 1005.5)
    assert remembered is not None
    answer, parts = remembered
    assert answer.status == 200 and parts == answer.parts
    [joined] = parts
    assert joined == found.entry.head + b"age: 5\r\nx-cache: Hit from edgeworks\r\n\r\nhot"
    assert answer.size == len(joined)
    assert hot.answer(key, 1006.5) is None  # past the one-second window
    assert len(hot) == 0
    assert answer.replay("127.0.0.1", 1005.6) is None  # dropped: replays stop with it


def test_hot_hits_never_outlive_freshness_and_skip_conditionals() -> None:
    cache = Cache(CacheStorage())
    _stored_entry(cache, DIST.default_behavior, 2, 1000.0)
    request = _request(target=b"/hot")
    where = route(DIST, request)
    assert where.key is not None
    found = cache.lookup(
        where.key, "GET", request.headers, DIST.default_behavior.cache_policy, 1000.0
    )
    assert found.entry is not None
    hot = HotHits(Tracer())
    key = HotHits.key(request)
    assert key is not None
    hot.remember(key, request, found.entry, 1001.5)
    assert hot.answer(key, 1001.9) is not None
    assert hot.answer(key, 1002.0) is None  # stale at age 2, although the window is longer
    assert HotHits.key(_request(target=b"/hot", if_none_match=b'"x"')) is None
    assert HotHits.key(_request(target=b"/hot", cache_control=b"no-cache")) is None
    hot.remember(key, request, found.entry, 1000.0)
    hot.forget()
    assert hot.answer(key, 1000.1) is None


def test_pass_marks_expire() -> None:
    marks = PassMarks()
    assert not marks.marked(b"k", 100.0)
    marks.mark(b"k", 100.0)
    assert marks.marked(b"k", 100.0 + PASS_SECONDS - 0.1)
    assert not marks.marked(b"k", 100.0 + PASS_SECONDS)
    assert not marks.marked(b"other", 100.0)


def test_hot_hits_stay_within_their_byte_budget() -> None:
    cache = Cache(CacheStorage(memory_bytes=64 << 20))
    where = route(DIST, _request(target=b"/big"))
    assert where.key is not None
    body = b"b" * (200 * 1024)
    fields = [(b"cache-control", b"max-age=100"), (b"content-length", b"%d" % len(body))]
    policy = DIST.default_behavior.cache_policy
    writer = cache.open_writer(where.key, "GET", [], 200, fields, policy, 1000.0, 1000.0)
    assert writer is not None
    writer.write(body)
    entry = writer.commit()
    assert entry is not None
    hot = HotHits(Tracer())
    answers = []
    for number in range(300):
        request = _request(target=b"/big?n=%d" % number)
        key = HotHits.key(request)
        assert key is not None
        answers.append(hot.remember(key, request, entry, 1000.0))
    assert 0 < len(hot) <= MAX_BYTES // len(body)
    # Answers pushed out let go of their bytes: the server may still hold them beside a head.
    first = answers[0]
    assert first is not None and first.body == b"" and first.parts == ()
    assert first.replay("127.0.0.1", 1000.0) is None
    last = answers[-1]
    assert last is not None and last.replay("127.0.0.1", 1000.0) is not None
