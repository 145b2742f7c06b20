"""The ``serve --origin`` distribution: one origin, every method, the origin's own lifetimes."""

from __future__ import annotations

import pytest

from edgeworks.config import ConfigError, single_origin_distribution
from edgeworks.config.keys import origin_request_parts


def test_fronts_one_origin_and_follows_its_headers() -> None:
    dist = single_origin_distribution("http://127.0.0.1:8000", listen="127.0.0.1:9090")
    [origin] = dist.origins.values()
    assert (origin.scheme, origin.host, origin.port, origin.path) == (
        "http",
        "127.0.0.1",
        8000,
        "",
    )
    assert (dist.listen_host, dist.listen_port) == ("127.0.0.1", 9090)
    behavior = dist.default_behavior
    assert behavior.target_origin_id == origin.id and not dist.behaviors
    policy = behavior.cache_policy
    assert (policy.min_ttl, policy.default_ttl) == (0, 0)
    assert behavior.allows("PURGE") and behavior.allows("POST")
    assert behavior.cached_methods == {"GET", "HEAD"}


def test_forwards_everything_but_the_viewers_host() -> None:
    dist = single_origin_distribution("http://127.0.0.1:8000")
    headers = [(b"host", b"edge"), (b"user-agent", b"ua"), (b"cookie", b"a=1")]
    parts = origin_request_parts(dist.default_behavior, b"q=1&r=2", headers)
    assert parts.query == b"q=1&r=2"
    assert parts.headers == [(b"user-agent", b"ua"), (b"cookie", b"a=1")]


def test_https_and_a_path_prefix() -> None:
    [origin] = single_origin_distribution("https://origin.example/base/").origins.values()
    assert (origin.scheme, origin.port, origin.path, origin.authority) == (
        "https", 443, "/base", "origin.example",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("origin", "listen", "path"),
    [
        ("127.0.0.1:8000", "127.0.0.1:8080", "--origin"),
        ("ftp://127.0.0.1", "127.0.0.1:8080", "--origin"),
        ("http://127.0.0.1:8000", "127.0.0.1", "--listen"),
        ("http://127.0.0.1:8000", "127.0.0.1:70000", "--listen"),
    ],
)
def test_bad_arguments_are_problems(origin: str, listen: str, path: str) -> None:
    with pytest.raises(ConfigError) as caught:
        single_origin_distribution(origin, listen=listen)
    [problem] = caught.value.problems
    assert problem.path == path
    assert problem.value in (origin, listen)


def test_ipv6_origin_authority_is_bracketed() -> None:
    [origin] = single_origin_distribution("http://[::1]:8000").origins.values()
    assert (origin.host, origin.authority) == ("::1", "[::1]:8000")
