"""Invalidation by unsafe methods (RFC 9111 §4.4)."""

from __future__ import annotations

from cache_support import hdrs

from edgeworks.cache.rules.invalidation import invalidated


def test_unsafe_success_invalidates_target_rfc9111_4_4() -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH", "PURGEX"):
        assert invalidated(method, 200, b"H", b"/a", []) == [(b"h", b"/a")], method


def test_safe_methods_and_errors_invalidate_nothing_rfc9111_4_4() -> None:
    assert invalidated("GET", 200, b"h", b"/a", []) == []
    assert invalidated("POST", 404, b"h", b"/a", []) == []
    assert invalidated("POST", 500, b"h", b"/a", []) == []


def test_location_and_content_location_same_origin_rfc9111_4_4() -> None:
    response = hdrs(("Location", "/b"), ("Content-Location", "http://h/c?x=1"))
    assert invalidated("POST", 201, b"h", b"/a", response) == [
        (b"h", b"/a"),
        (b"h", b"/b"),
        (b"h", b"/c"),
    ]


def test_other_origin_not_invalidated_rfc9111_4_4() -> None:
    response = hdrs(("Location", "http://other/b"))
    found = invalidated("PUT", 204, b"h", b"/a", response, origin_host=b"origin")
    assert found == [(b"h", b"/a")]


def test_without_origin_host_only_the_viewer_host_counts_rfc9111_4_4() -> None:
    response = hdrs(("Location", "http://origin:8000/b"), ("Content-Location", "http://h/c"))
    assert invalidated("PUT", 204, b"h", b"/a", response) == [(b"h", b"/a"), (b"h", b"/c")]
