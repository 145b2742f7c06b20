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


def test_unknown_origin_host_removes_path_under_viewer_host_rfc9111_4_4() -> None:
    response = hdrs(("Location", "http://origin:8000/b"))
    assert invalidated("PUT", 204, b"h", b"/a", response) == [(b"h", b"/a"), (b"h", b"/b")]


def test_relative_location_resolves_against_target_rfc9111_4_4() -> None:
    response = hdrs(("Location", "c"))
    assert invalidated("POST", 303, b"h", b"/dir/a", response)[1] == (b"h", b"/dir/c")


def test_origin_host_location_counts_as_same_origin_rfc9111_4_4() -> None:
    response = hdrs(("Location", "http://origin:8000/p/target"))
    found = invalidated("POST", 200, b"edge:8080", b"/p", response, origin_host=b"origin:8000")
    assert found == [(b"edge:8080", b"/p"), (b"edge:8080", b"/p/target")]
