"""Compress through real sockets: the edge compresses, stores and serves compressed bodies."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import threading

import brotli
import pytest

from edge.test_proxy_support import OriginApp, Stack, fetch
from edgeworks.config.model import Distribution
from edgeworks.http.request import Request
from edgeworks.http.response import Response

PAGE = b"<p>Edgeworks sends this page compressed when the viewer accepts it.</p>\n" * 100


class TextOrigin(OriginApp):
    """Serves ``/page`` as cacheable HTML, and variants that must not be compressed."""

    async def handle(self, request: Request, response: Response) -> None:
        """Answer ``/page...`` itself; everything else as the usual test origin does."""
        if not request.path.startswith(b"/page"):
            await super().handle(request, response)
            return
        self.seen.append(request)
        if request.query == b"slow=1":
            await asyncio.sleep(0.5)  # long enough for every viewer of the test to join
        fields = [(b"content-type", b"text/html; charset=utf-8"), (b"etag", b'"p1"')]
        control = b"max-age=60, no-transform" if request.path == b"/page/keep" else b"max-age=60"
        fields.append((b"cache-control", control))
        body = PAGE
        if request.path == b"/page/gzipped":
            body = gzip.compress(PAGE)
            fields.append((b"content-encoding", b"gzip"))
        response.write_head(200, b"OK", fields, len(body))
        await response.write(body)
        response.end()


def _compressing(dist: Distribution) -> Distribution:
    behavior = dataclasses.replace(dist.default_behavior, compress=True)
    return dataclasses.replace(dist, default_behavior=behavior)


@pytest.fixture
def stack() -> Stack:
    with Stack(TextOrigin(), shape=_compressing) as running:
        yield running


def test_brotli_when_accepted_stored_and_served_again(stack: Stack) -> None:
    conn = stack.client()
    accept = {"Accept-Encoding": "gzip, deflate, br"}
    first, body = fetch(conn, "GET", "/page", accept)
    assert first.getheader("content-encoding") == "br"
    assert first.getheader("vary") == "accept-encoding"
    assert first.getheader("etag") == 'W/"p1"'  # RFC 9110 §8.8.1
    assert first.getheader("x-cache") == "Miss from edgeworks"
    assert brotli.decompress(body) == PAGE
    assert len(body) < len(PAGE) // 5
    second, again = fetch(conn, "GET", "/page", accept)
    assert second.getheader("x-cache") == "Hit from edgeworks"
    assert second.getheader("content-length") == str(len(body))
    assert again == body
    assert len(stack.origin.seen) == 1


def test_each_coding_is_its_own_entry(stack: Stack) -> None:
    conn = stack.client()
    gzipped, body = fetch(conn, "GET", "/page", {"Accept-Encoding": "gzip"})
    assert gzipped.getheader("content-encoding") == "gzip"
    assert gzip.decompress(body) == PAGE
    plain, raw = fetch(conn, "GET", "/page", {"Accept-Encoding": "identity"})
    assert plain.getheader("content-encoding") is None
    assert raw == PAGE
    assert plain.getheader("etag") == '"p1"'
    refused, raw = fetch(conn, "GET", "/page", {"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert refused.getheader("content-encoding") is None and raw == PAGE
    assert len(stack.origin.seen) == 2  # gzip, then identity; the last is identity's key


@pytest.mark.parametrize("path", ["/page/keep", "/page/gzipped"])
def test_no_transform_and_encoded_bodies_pass_as_they_are(stack: Stack, path: str) -> None:
    reply, body = fetch(stack.client(), "GET", path, {"Accept-Encoding": "br"})
    if path == "/page/keep":  # RFC 9110 §7.7: a proxy MUST NOT transform
        assert reply.getheader("content-encoding") is None and body == PAGE
    else:
        assert reply.getheader("content-encoding") == "gzip"
        assert gzip.decompress(body) == PAGE


def test_without_compress_the_body_passes_as_it_is() -> None:
    with Stack(TextOrigin()) as plain:
        reply, body = fetch(plain.client(), "GET", "/page", {"Accept-Encoding": "br"})
    assert reply.getheader("content-encoding") is None
    assert body == PAGE


def test_concurrent_misses_share_one_compressed_fetch(stack: Stack) -> None:
    results: list[bytes] = []

    def one() -> None:
        conn = stack.client()
        _, body = fetch(conn, "GET", "/page?slow=1", {"Accept-Encoding": "br"})
        results.append(body)

    threads = [threading.Thread(target=one) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(results) == 5
    assert {brotli.decompress(body) for body in results} == {PAGE}
    assert len(stack.origin.seen) == 1  # the followers took the filler's compressed bytes
