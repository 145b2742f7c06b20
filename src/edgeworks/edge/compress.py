"""Compression at the edge, as a behaviour's ``Compress`` asks (CloudFront's rules).

:func:`choose` decides, from the request and the origin's response head alone, whether the
edge compresses a response and with which coding; :class:`Encoder` then turns the body into
that coding chunk by chunk, so that a large body never sits whole in memory. Both are pure:
the proxy calls them around the origin client and the cache.

The rules, in CloudFront's words where it has them:

- The behaviour has ``Compress: true`` and its cache policy enables the coding
  (``EnableAcceptEncodingBrotli`` / ``EnableAcceptEncodingGzip``); the viewer accepts it
  (the normalised ``Accept-Encoding``, which is part of the cache key). Brotli wins when both
  are accepted. An HTTP/1.0 viewer gets nothing compressed.
- The response is a 200, 403 or 404 with a body, its ``Content-Length`` between 1,000 and
  10,000,000 bytes (without a length the edge cannot tell, and does not compress), no
  ``Content-Encoding`` of its own, and a media type from :data:`COMPRESSIBLE`.
- ``Cache-Control: no-transform`` forbids it (RFC 9110 §7.7: a proxy MUST NOT transform).

A compressed response loses its ``Content-Length`` (the new length is known only at the end;
it goes out chunked and is stored with its real length), gains ``Content-Encoding`` and
``Vary: Accept-Encoding`` (RFC 9110 §12.5.5), and a strong ``ETag`` becomes weak (RFC 9110
§8.8.1: the bytes differ, the meaning does not). Ranges of a stored compressed response are
ranges of its compressed bytes, as RFC 9110 §14.1.2 defines them.
"""

from __future__ import annotations

import zlib
from typing import Literal, Protocol

import brotli

from edgeworks.config.model import Behavior
from edgeworks.config.selection import accepted_encodings
from edgeworks.http.headers import Headers, get, get_all

Coding = Literal["br", "gzip"]

MIN_SIZE = 1_000
MAX_SIZE = 10_000_000
STATUSES = frozenset({200, 403, 404})
# CloudFront's list of the media types it compresses.
COMPRESSIBLE = frozenset(
    {
        b"application/dash+xml",
        b"application/eot",
        b"application/font",
        b"application/font-sfnt",
        b"application/javascript",
        b"application/json",
        b"application/opentype",
        b"application/otf",
        b"application/pdf",
        b"application/pkcs7-mime",
        b"application/protobuf",
        b"application/rss+xml",
        b"application/truetype",
        b"application/ttf",
        b"application/vnd.apple.mpegurl",
        b"application/vnd.mapbox-vector-tile",
        b"application/vnd.ms-fontobject",
        b"application/wasm",
        b"application/xhtml+xml",
        b"application/xml",
        b"application/x-font-opentype",
        b"application/x-font-truetype",
        b"application/x-font-ttf",
        b"application/x-httpd-cgi",
        b"application/x-javascript",
        b"application/x-mpegurl",
        b"application/x-opentype",
        b"application/x-otf",
        b"application/x-perl",
        b"application/x-ttf",
        b"font/eot",
        b"font/opentype",
        b"font/otf",
        b"font/ttf",
        b"image/svg+xml",
        b"text/css",
        b"text/csv",
        b"text/html",
        b"text/javascript",
        b"text/js",
        b"text/plain",
        b"text/richtext",
        b"text/tab-separated-values",
        b"text/xml",
        b"text/x-component",
        b"text/x-java-source",
        b"text/x-script",
        b"vnd.apple.mpegurl",
    }
)
# Brotli quality 5 and gzip level 6: most of the size gain for a small part of the top
# levels' CPU, since the edge compresses on the miss path while the viewer waits.
BROTLI_QUALITY = 5
GZIP_LEVEL = 6


def choose(
    behavior: Behavior,
    accepted: bytes,
    *,
    http10: bool,
    status: int,
    headers: Headers,
    content_length: int | None,
) -> Coding | None:
    """Return the coding to compress this response with, or None to pass it as it is.

    Args:
        behavior: The matched cache behaviour.
        accepted: The viewer's normalised ``Accept-Encoding`` (``b"br,gzip"``, ``b"gzip"``,
            ``b"br"`` or empty), as :func:`edgeworks.config.selection.accepted_encodings`.
        http10: The viewer spoke HTTP/1.0.
        status: The origin's status code.
        headers: The origin's response fields (Content-Length already removed).
        content_length: The declared body length, None when not declared.
    """
    if not behavior.compress or http10 or not accepted:
        return None
    coding = _coding(behavior, accepted)
    if coding is None or status not in STATUSES or content_length is None:
        return None
    if not MIN_SIZE <= content_length <= MAX_SIZE:
        return None
    if get(headers, b"content-encoding") is not None or _no_transform(headers):
        return None
    media = (get(headers, b"content-type") or b"").partition(b";")[0].strip().lower()
    return coding if media in COMPRESSIBLE else None


def viewer_encodings(behavior: Behavior, request_headers: Headers) -> bytes:
    """Return the viewer's normalised ``Accept-Encoding`` under ``behavior``'s cache policy.

    The same value the cache key holds: the codings the policy enables and the viewer
    accepts, ``br`` first (``b"br,gzip"``, ``b"gzip"``, ``b"br"`` or empty).
    """
    policy = behavior.cache_policy
    offered = tuple(
        name
        for name, enabled in (
            (b"br", policy.accept_encoding_brotli),
            (b"gzip", policy.accept_encoding_gzip),
        )
        if enabled
    )
    values = get_all(request_headers, b"accept-encoding")
    return accepted_encodings(values, offered) if offered and values else b""


def compressed_fields(headers: Headers, coding: Coding) -> Headers:
    """Return the response fields of the compressed representation (see the module doc)."""
    fields: Headers = []
    varies = False
    for name, value in headers:
        if name == b"etag" and value.startswith(b'"'):
            # RFC 9110 §8.8.1: no longer byte-for-byte the same, still the same meaning.
            fields.append((name, b"W/" + value))
            continue
        if name == b"vary":
            varies = varies or _names_accept_encoding(value)
        fields.append((name, value))
    fields.append((b"content-encoding", coding.encode("ascii")))
    if not varies:
        fields.append((b"vary", b"accept-encoding"))
    return fields


class Encoder(Protocol):
    """A streaming compressor: bytes in, compressed bytes out, then the end."""

    def feed(self, chunk: bytes) -> bytes:
        """Compress ``chunk``; return what is ready (possibly nothing)."""
        ...

    def finish(self) -> bytes:
        """Return the rest of the compressed stream."""
        ...


def encoder(coding: Coding) -> Encoder:
    """Return a fresh streaming encoder for ``coding``."""
    return _Brotli() if coding == "br" else _Gzip()


class _Brotli:
    def __init__(self) -> None:
        self._compressor = brotli.Compressor(quality=BROTLI_QUALITY)

    def feed(self, chunk: bytes) -> bytes:
        return bytes(self._compressor.process(chunk))

    def finish(self) -> bytes:
        return bytes(self._compressor.finish())


class _Gzip:
    def __init__(self) -> None:
        # wbits 16 + 15: the gzip wrapper (RFC 1952) around deflate, as "gzip" means here.
        self._compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def feed(self, chunk: bytes) -> bytes:
        return self._compressor.compress(chunk)

    def finish(self) -> bytes:
        return self._compressor.flush()


def _coding(behavior: Behavior, accepted: bytes) -> Coding | None:
    policy = behavior.cache_policy
    codings = accepted.split(b",")
    if policy.accept_encoding_brotli and b"br" in codings:
        return "br"
    if policy.accept_encoding_gzip and b"gzip" in codings:
        return "gzip"
    return None


def _no_transform(headers: Headers) -> bool:
    for value in get_all(headers, b"cache-control"):
        for directive in value.split(b","):
            if directive.strip().lower() == b"no-transform":
                return True
    return False


def _names_accept_encoding(value: bytes) -> bool:
    return any(part.strip().lower() in (b"accept-encoding", b"*") for part in value.split(b","))
