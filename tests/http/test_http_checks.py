"""The pure request checks: transfer codings, versions, lengths, targets, parser messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgeworks.http.checks import (
    check_transfer_coding,
    check_version,
    content_length,
    is_token,
    parser_error,
    request_target,
)
from edgeworks.http.errors import HTTPError


def test_only_chunked_alone_is_accepted() -> None:
    check_transfer_coding(b"chunked")
    check_transfer_coding(b" Chunked ")
    with pytest.raises(HTTPError) as unknown:
        check_transfer_coding(b"gzip, chunked")
    assert (unknown.value.status, "gzip" in unknown.value.reason) == (501, True)
    with pytest.raises(HTTPError) as twice:
        check_transfer_coding(b"chunked, chunked")
    assert twice.value.status == 400


def test_versions_and_lengths() -> None:
    check_version("1.0")
    check_version("1.1")
    with pytest.raises(HTTPError) as version:
        check_version("2.0")
    assert version.value.status == 505
    assert content_length(b"12", 100) == 12
    with pytest.raises(HTTPError) as large:
        content_length(b"101", 100)
    assert large.value.status == 413
    with pytest.raises(HTTPError) as bad:
        content_length(b"1x", 100)
    assert (bad.value.status, "'1x'" in bad.value.reason) == (400, True)


def test_tokens() -> None:
    assert is_token(b"PURGE-ALL")
    assert not is_token(b"")
    assert not is_token(b"G(T")


@pytest.mark.parametrize(
    ("target", "method", "expected"),
    [
        (b"/a?b", "GET", (b"/a?b", None)),
        (b"/a#frag", "GET", (b"/a", None)),
        (b"*", "OPTIONS", (b"*", None)),
        (b"http://h.example/p", "GET", (b"/p", b"h.example")),
        (b"HTTPS://h.example:8443", "GET", (b"/", b"h.example:8443")),
        (b"http://h.example?q=1", "GET", (b"/?q=1", b"h.example")),
    ],
)
def test_request_targets(target: bytes, method: str, expected: tuple[bytes, bytes | None]) -> None:
    assert request_target(target, method) == expected


@pytest.mark.parametrize("target", [b"*", b"ftp://h/p", b"http://user@h/p", b"http:///p", b"p"])
def test_bad_request_targets(target: bytes) -> None:
    with pytest.raises(HTTPError) as refused:
        request_target(target, "GET")
    assert refused.value.status == 400


def test_parser_messages_map_to_statuses() -> None:
    assert parser_error("Invalid HTTP version").status == 505
    assert parser_error("Duplicate Content-Length").status == 400
    assert parser_error("Request has invalid `Transfer-Encoding`").status == 501
    unknown = parser_error("Something new")
    assert (unknown.status, "Something new" in unknown.reason) == (400, True)


@given(target=st.binary(max_size=64), method=st.sampled_from(["GET", "OPTIONS", "FROB"]))
def test_any_target_is_accepted_in_origin_form_or_refused_with_400(
    target: bytes, method: str
) -> None:
    try:
        path, _ = request_target(target, method)
    except HTTPError as exc:
        assert exc.status == 400
    else:
        assert path.startswith(b"/") or path == b"*"
        assert b"#" not in path
