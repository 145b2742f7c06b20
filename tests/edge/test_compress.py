"""Compression decisions and encoders (CloudFront's Compress rules, RFC 9110 §7.7, §8.8.1)."""

from __future__ import annotations

import dataclasses
import gzip

import brotli
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgeworks.config import single_origin_distribution
from edgeworks.config.managed import MANAGED_CACHE_POLICIES
from edgeworks.config.model import Behavior
from edgeworks.edge.compress import (
    MAX_SIZE,
    MIN_SIZE,
    choose,
    compressed_fields,
    encoder,
)
from edgeworks.http.headers import Headers

BASE = single_origin_distribution("http://127.0.0.1:9").default_behavior
OPTIMIZED = MANAGED_CACHE_POLICIES["CachingOptimized"]
DISABLED = MANAGED_CACHE_POLICIES["CachingDisabled"]
COMPRESSING = dataclasses.replace(BASE, compress=True, cache_policy=OPTIMIZED)
TEXT: Headers = [(b"content-type", b"text/html; charset=utf-8")]


def _choose(
    behavior: Behavior = COMPRESSING,
    accepted: bytes = b"br,gzip",
    *,
    http10: bool = False,
    status: int = 200,
    headers: Headers = TEXT,
    length: int | None = 5000,
) -> str | None:
    return choose(
        behavior, accepted, http10=http10, status=status, headers=headers, content_length=length
    )


def test_brotli_wins_then_gzip() -> None:
    assert _choose() == "br"
    assert _choose(accepted=b"gzip") == "gzip"
    assert _choose(accepted=b"br") == "br"
    gzip_only = dataclasses.replace(
        OPTIMIZED, accept_encoding_brotli=False, accept_encoding_gzip=True
    )
    assert _choose(dataclasses.replace(COMPRESSING, cache_policy=gzip_only)) == "gzip"


@pytest.mark.parametrize(
    ("why", "changes"),
    [
        (
            "behaviour does not compress",
            {"behavior": dataclasses.replace(COMPRESSING, compress=False)},
        ),
        (
            "policy enables no coding",
            {"behavior": dataclasses.replace(COMPRESSING, cache_policy=DISABLED)},
        ),
        ("viewer accepts nothing", {"accepted": b""}),
        ("HTTP/1.0 viewer", {"http10": True}),
        ("status not compressed", {"status": 206}),
        ("redirect", {"status": 301}),
        ("no length", {"length": None}),
        ("too small", {"length": MIN_SIZE - 1}),
        ("too large", {"length": MAX_SIZE + 1}),
        ("already encoded", {"headers": [*TEXT, (b"content-encoding", b"gzip")]}),
        ("no-transform", {"headers": [*TEXT, (b"cache-control", b"max-age=1, No-Transform")]}),
        ("image", {"headers": [(b"content-type", b"image/png")]}),
        ("no type", {"headers": []}),
    ],
)
def test_what_is_never_compressed(why: str, changes: dict[str, object]) -> None:
    assert _choose(**changes) is None, why  # type: ignore[arg-type]


def test_bounds_are_inclusive_and_errors_compress() -> None:
    assert _choose(length=MIN_SIZE) == "br"
    assert _choose(length=MAX_SIZE) == "br"
    assert _choose(status=404) == "br"
    assert _choose(status=403) == "br"


def test_fields_of_the_compressed_representation() -> None:
    fields = compressed_fields([(b"etag", b'"abc"'), *TEXT], "gzip")
    assert (b"etag", b'W/"abc"') in fields  # RFC 9110 §8.8.1: strong becomes weak
    assert (b"content-encoding", b"gzip") in fields
    assert (b"vary", b"accept-encoding") in fields
    weak = compressed_fields([(b"etag", b'W/"x"'), (b"vary", b"Accept-Encoding, Origin")], "br")
    assert (b"etag", b'W/"x"') in weak
    assert [value for name, value in weak if name == b"vary"] == [b"Accept-Encoding, Origin"]


@given(st.lists(st.binary(max_size=3000), max_size=8))
def test_encoders_round_trip_any_chunking(chunks: list[bytes]) -> None:
    whole = b"".join(chunks)
    for coding, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        stream = encoder(coding)  # type: ignore[arg-type]
        out = b"".join(stream.feed(chunk) for chunk in chunks) + stream.finish()
        assert decode(out) == whole


def test_text_gets_smaller() -> None:
    text = b"<p>Edgeworks compresses text at the edge.</p>\n" * 200
    for coding in ("gzip", "br"):
        stream = encoder(coding)  # type: ignore[arg-type]
        out = stream.feed(text) + stream.finish()
        assert len(out) < len(text) // 10
