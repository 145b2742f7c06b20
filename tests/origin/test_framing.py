"""Request heads and response framing, as pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgeworks.config.model import Origin
from edgeworks.http.headers import HOP_BY_HOP
from edgeworks.origin.framing import (
    SET_APART,
    Prepared,
    chunk,
    request_head,
    response_fields,
    split_fields,
)


def prepared(path: str = "", custom: tuple[tuple[str, str], ...] = ()) -> Prepared:
    return Prepared(Origin("o", "http", "example.org", 80, path=path, custom_headers=custom))


def test_head_carries_prefix_custom_headers_and_content_length() -> None:
    prep = prepared("/prod/", (("X-Origin-Secret", "s3"),))
    head = request_head(prep, b"POST", b"/a?b=1", [(b"host", b"h"), (b"x-origin-secret", b"v")], 4)
    assert head == (
        b"POST /prod/a?b=1 HTTP/1.1\r\nhost: h\r\nx-origin-secret: s3\r\ncontent-length: 4\r\n\r\n"
    )


def test_caller_framing_fields_are_replaced_by_the_clients_own() -> None:
    fields = [
        (b"content-length", b"99"),
        (b"transfer-encoding", b"gzip"),
        (b"connection", b"x"),
        (b"upgrade", b"websocket"),
        (b"te", b"trailers"),
    ]
    head = request_head(prepared(), b"PUT", b"/", fields, -1)
    assert head == b"PUT / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        (b"GET", b"GET / HTTP/1.1\r\n\r\n"),
        (b"POST", b"POST / HTTP/1.1\r\ncontent-length: 0\r\n\r\n"),
    ],
)
def test_bodiless_requests_declare_zero_only_where_a_body_is_expected(
    method: bytes, expected: bytes
) -> None:
    assert request_head(prepared(), method, b"/", [], None) == expected


def test_asterisk_target_is_not_prefixed() -> None:
    head = request_head(prepared("/p"), b"OPTIONS", b"*", [], None)
    assert head.startswith(b"OPTIONS * HTTP/1.1\r\n")


@pytest.mark.parametrize(
    ("method", "target", "named"),
    [
        (b"GET", b"/a b", b"/a b"),
        (b"GET", b"/a\r\nx: y", b"x: y"),
        (b"GET", b"http://other/", b"http://other/"),
        (b"GE T", b"/", b"GE T"),
        (b"", b"/", b"''"),
    ],
)
def test_illegal_request_lines_are_refused_naming_the_value(
    method: bytes, target: bytes, named: bytes
) -> None:
    with pytest.raises(ValueError) as raised:
        request_head(prepared(), method, target, [], None)
    assert named.decode() in str(raised.value)


def test_chunk_frames_length_in_hex() -> None:
    assert chunk(b"x" * 26) == b"1a\r\n" + b"x" * 26 + b"\r\n"


def test_response_fields_drop_hop_by_hop_and_connection_named_fields() -> None:
    fields = [
        (b"connection", b"keep-alive, X-Private"),
        (b"keep-alive", b"timeout=5"),
        (b"x-private", b"1"),
        (b"content-length", b"12"),
        (b"cache-control", b"max-age=60"),
        (b"upgrade", b"h2c"),
    ]
    assert response_fields(fields) == ([(b"cache-control", b"max-age=60")], 12, False)


def test_chunked_response_has_no_length() -> None:
    assert response_fields([(b"transfer-encoding", b"Chunked")]) == ([], None, True)


@pytest.mark.parametrize("coding", [b"gzip", b"gzip, chunked", b"identity"])
def test_transfer_codings_other_than_chunked_are_refused(coding: bytes) -> None:
    with pytest.raises(ValueError, match="transfer-encoding"):
        response_fields([(b"transfer-encoding", coding)])


@pytest.mark.parametrize(
    ("path", "custom", "named"),
    [
        ("/a\r\nb", (), "path"),
        ("", (("X-A", "v\nw"),), "X-A"),
        ("", (("X-A", "snow \u2603"),), "X-A"),
    ],
)
def test_configuration_that_cannot_go_on_the_wire_is_refused_naming_it(
    path: str, custom: tuple[tuple[str, str], ...], named: str
) -> None:
    with pytest.raises(ValueError, match=f"origin 'o': {named}"):
        prepared(path, custom)


NAMES_LIST = [b"connection", b"keep-alive", b"te", b"trailer", b"upgrade", b"x-a", b"x-b", b"etag"]
NAMES = st.sampled_from(NAMES_LIST)
VALUES = st.sampled_from([b"x-a", b"close", b"x-b, keep-alive", b"1", b""])


@given(st.lists(st.tuples(NAMES, VALUES), max_size=12))
def test_response_fields_never_keep_a_hop_by_hop_or_connection_named_field(
    fields: list[tuple[bytes, bytes]],
) -> None:
    kept, length, chunked = response_fields(fields)
    named = {
        token.strip()
        for name, value in fields
        if name == b"connection"
        for token in value.split(b",")
    }
    assert not {name for name, _ in kept} & (HOP_BY_HOP | named)
    assert [pair for pair in fields if pair in kept] == kept
    assert (length, chunked) == (None, False)


@given(
    st.binary(min_size=1, max_size=20).filter(lambda b: b"\r" not in b and b"\n" not in b),
    st.lists(st.tuples(st.sampled_from([b"host", b"x-a"]), st.binary(max_size=10)), max_size=4),
)
def test_every_head_is_one_request_line_fields_and_a_blank_line(
    path: bytes, fields: list[tuple[bytes, bytes]]
) -> None:
    target = b"/" + bytes(byte for byte in path if 0x21 <= byte <= 0x7E)
    head = request_head(prepared("/p"), b"GET", target, fields, None)
    assert head.startswith(b"GET /p" + target + b" HTTP/1.1\r\n")
    assert head.endswith(b"\r\n\r\n")


@given(st.lists(st.tuples(st.sampled_from([*NAMES_LIST, b"content-length"]), VALUES), max_size=12))
def test_fields_set_apart_on_arrival_split_as_a_whole_head_does(
    fields: list[tuple[bytes, bytes]],
) -> None:
    fields = [(n, b"7" if n == b"content-length" else v) for n, v in fields]
    kept = [pair for pair in fields if pair[0] not in SET_APART]
    apart = [pair for pair in fields if pair[0] in SET_APART]
    assert split_fields(kept, apart) == response_fields(fields)
