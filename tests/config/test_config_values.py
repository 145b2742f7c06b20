"""Single-value readers: URLs, listen addresses, sizes, host names."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.config.errors import Problem
from edgeworks.config.values import is_hostname, parse_listen, parse_origin_url, parse_size


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("127.0.0.1:8080", "127.0.0.1", 8080),
        ("[::1]:0", "::1", 0),
        (":9000", "0.0.0.0", 9000),
        ("edge.example:443", "edge.example", 443),
        (8081, "127.0.0.1", 8081),
    ],
)
def test_listen_addresses(text: Any, host: str, port: int) -> None:
    problems: list[Problem] = []
    assert parse_listen(text, "Listen", problems) == (host, port)
    assert not problems


@pytest.mark.parametrize("text", ["localhost", "a b:80", "127.0.0.1:-1", "1.2.3.4:65536", True])
def test_bad_listen_addresses(text: Any) -> None:
    problems: list[Problem] = []
    assert parse_listen(text, "Listen", problems) is None
    assert [p.value for p in problems] == [text]


@pytest.mark.parametrize(
    ("url", "scheme", "host", "port", "path"),
    [
        ("http://127.0.0.1:8000", "http", "127.0.0.1", 8000, ""),
        ("https://Origin.Example/base/", "https", "origin.example", 443, "/base"),
        ("HTTP://[2001:db8::1]", "http", "2001:db8::1", 80, ""),
    ],
)
def test_origin_urls(url: str, scheme: str, host: str, port: int, path: str) -> None:
    problems: list[Problem] = []
    origin = parse_origin_url("o", url, "Url", problems)
    assert origin is not None and not problems
    assert (origin.scheme, origin.host, origin.port, origin.path) == (scheme, host, port, path)


@pytest.mark.parametrize(
    "url", ["http://a.example?x=1", "http://user@a.example", "http://a_b..c", "//a.example", 80]
)
def test_bad_origin_urls(url: Any) -> None:
    problems: list[Problem] = []
    assert parse_origin_url("o", url, "Url", problems) is None
    assert [p.path for p in problems] == ["Url"]


def test_sizes_and_floors() -> None:
    problems: list[Problem] = []
    assert parse_size("2TiB", "s", problems) == 2 << 40
    assert parse_size("0", "s", problems) == 0
    assert parse_size("0", "s", problems, least=1) is None
    assert parse_size(-5, "s", problems) is None
    assert parse_size(1.5, "s", problems) is None
    assert [p.value for p in problems] == ["0", -5, 1.5]


def test_host_names() -> None:
    assert is_hostname("a-b.example") and is_hostname("::1") and is_hostname("[::1]")
    assert not is_hostname("-a.example") and not is_hostname("a..b") and not is_hostname("")
    assert not is_hostname("a" * 64 + ".example")


@settings(deadline=None)  # timing varies on a loaded machine; not a test subject
@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.none(), st.booleans()))
def test_readers_never_raise(value: Any) -> None:
    problems: list[Problem] = []
    parse_size(value, "s", problems)
    parse_listen(value, "l", problems)
    parse_origin_url("o", value, "u", problems)
    assert all(isinstance(p, Problem) for p in problems)
