"""Invalidation by unsafe methods on the wire: RFC 9111 §4.4."""

from __future__ import annotations

import pytest

from .conftest import Edge
from .origin import reply

FRESH = reply(200, "Cache-Control: max-age=60", body=b"stored")


def stored(edge: Edge, path: str) -> None:
    """Store a fresh response for ``path`` and check that it is a hit."""
    edge.origin.script(path, FRESH)
    edge.get(path)
    assert edge.get(path).x_cache == "Hit"


def gets(edge: Edge, path: str) -> int:
    """How many GET requests for ``path`` reached the origin."""
    return sum(1 for seen in edge.origin.seen(path) if seen.method == "GET")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "FROBNICATE"])
def test_unsafe_method_success_invalidates_target(edge: Edge, path: str, method: str) -> None:
    """RFC 9111 §4.4: a non-error response to an unsafe method (or one of unknown safety)
    invalidates the target URI.
    """
    stored(edge, path)
    edge.origin.script(path, reply(200, "Cache-Control: no-store", body=b"done"), FRESH)
    edge.get(path, method=method, body=b"x")
    assert edge.get(path).x_cache == "Miss"
    assert gets(edge, path) == 2


def test_redirect_status_also_invalidates(edge: Edge, path: str) -> None:
    """RFC 9111 §4.4: a 3xx is a non-error status and invalidates too."""
    stored(edge, path)
    edge.origin.script(path, reply(303, "Location: /elsewhere"), FRESH)
    edge.get(path, method="POST", body=b"x")
    assert edge.get(path).x_cache == "Miss"


@pytest.mark.parametrize("status", [404, 500])
def test_unsafe_method_error_does_not_invalidate(edge: Edge, path: str, status: int) -> None:
    """RFC 9111 §4.4: only a non-error status code invalidates."""
    stored(edge, path)
    edge.origin.script(path, reply(status, "Cache-Control: no-store"))
    edge.get(path, method="POST", body=b"x")
    assert edge.get(path).x_cache == "Hit"


def test_safe_method_does_not_invalidate(edge: Edge, path: str) -> None:
    """RFC 9111 §4.4: safe methods (OPTIONS) leave stored responses alone."""
    stored(edge, path)
    edge.origin.script(path, reply(200, "Cache-Control: no-store", "Allow: GET"))
    edge.get(path, method="OPTIONS")
    assert edge.get(path).x_cache == "Hit"


@pytest.mark.parametrize("field", ["Location", "Content-Location"])
def test_same_origin_location_is_invalidated(edge: Edge, path: str, field: str) -> None:
    """RFC 9111 §4.4: the URI in Location / Content-Location of the same origin goes too."""
    other = f"{path}/other"
    stored(edge, other)
    edge.origin.script(path, reply(201, f"{field}: {other}"))
    edge.get(path, method="POST", body=b"x")
    assert edge.get(other).x_cache == "Miss"


def test_absolute_same_origin_location_is_invalidated(edge: Edge, path: str) -> None:
    """RFC 9111 §4.4: an absolute Location naming the same host counts as the same origin."""
    other = f"{path}/other"
    stored(edge, other)
    edge.origin.script(path, reply(201, f"Location: http://conformance.test{other}"))
    edge.get(path, method="POST", body=b"x")
    assert edge.get(other).x_cache == "Miss"


@pytest.mark.parametrize("field", ["Location", "Content-Location"])
def test_other_origin_location_is_not_invalidated(edge: Edge, path: str, field: str) -> None:
    """RFC 9111 §4.4: a cache MUST NOT invalidate a URI of another origin."""
    other = f"{path}/other"
    stored(edge, other)
    edge.origin.script(path, reply(201, f"{field}: http://elsewhere.example{other}"))
    edge.get(path, method="POST", body=b"x")
    assert edge.get(other).x_cache == "Hit"


def test_location_invalidation_needs_success(edge: Edge, path: str) -> None:
    """RFC 9111 §4.4: an error response invalidates neither target nor Location."""
    other = f"{path}/other"
    stored(edge, other)
    edge.origin.script(path, reply(500, f"Location: {other}"))
    edge.get(path, method="POST", body=b"x")
    assert edge.get(other).x_cache == "Hit"


def test_invalidation_removes_every_variant(edge: Edge, path: str) -> None:
    """RFC 9111 §4.4: invalidating a URI removes all its stored responses, every variant."""
    varied = reply(
        200, "Cache-Control: max-age=60", "Vary: Accept-Language", echo="accept-language"
    )
    edge.origin.script(path, varied)
    for lang in ("en", "fr"):
        edge.get(path, f"Accept-Language: {lang}")
    edge.origin.script(path, reply(204), varied)
    edge.get(path, method="DELETE")
    assert edge.get(path, "Accept-Language: en").x_cache == "Miss"
    assert edge.get(path, "Accept-Language: fr").x_cache == "Miss"
