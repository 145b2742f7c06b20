"""Large bodies stream through the edge in both directions with flat memory."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

from edge.test_proxy_support import Stack, fetch
from edgeworks.config.model import CacheStorage, Distribution

SIZE = 200 * 1024 * 1024


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * 4096


def _drain_response(sock: socket.socket) -> tuple[bytes, int, int]:
    """Read a response head, then count body bytes until the declared length is reached."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    received = len(rest)
    peak = _rss()
    while received < length:
        chunk = sock.recv(1 << 20)
        assert chunk, "the edge closed before the whole body"
        received += len(chunk)
        if received % (16 << 20) < len(chunk):
            peak = max(peak, _rss())
    return head, received, peak


def test_large_response_streams_with_flat_memory() -> None:
    with Stack() as stack:
        with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=30) as sock:
            # Warm up buffers and pools so the baseline includes them.
            sock.sendall(b"GET /big?size=1048576 HTTP/1.1\r\nHost: e\r\n\r\n")
            _drain_response(sock)
            before = _rss()
            sock.sendall(b"GET /big?size=%d HTTP/1.1\r\nHost: e\r\n\r\n" % SIZE)
            head, received, peak = _drain_response(sock)
        assert b" 200 " in head.split(b"\r\n")[0]
        assert received == SIZE
        assert peak - before < 40 * 1024 * 1024


def test_large_request_body_streams_to_the_origin() -> None:
    size = 32 * 1024 * 1024
    with Stack() as stack:
        with socket.create_connection(("127.0.0.1", stack.edge_port), timeout=30) as sock:
            sock.sendall(b"POST /upload HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n")
            block = b"y" * (1 << 20)
            for _ in range(size // len(block)):
                sock.sendall(b"%x\r\n%s\r\n" % (len(block), block))
            sock.sendall(b"0\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
        assert data.startswith(b"HTTP/1.1 200")
        assert len(stack.origin.bodies[-1]) == size


def test_large_cached_object_is_served_from_disk(tmp_path: Path) -> None:
    def on_disk(dist: Distribution) -> Distribution:
        storage = CacheStorage(memory_bytes=1 << 20, disk_path=str(tmp_path), disk_bytes=64 << 20)
        return dataclasses.replace(dist, cache=storage)

    size = 3 * 1024 * 1024
    with Stack(shape=on_disk) as stack:
        conn = stack.client()
        first, body = fetch(conn, "GET", f"/big/d?size={size}&cache=1")
        assert first.getheader("x-cache") == "Miss from edgeworks"
        second, again = fetch(conn, "GET", f"/big/d?size={size}&cache=1")
        assert second.getheader("x-cache") == "Hit from edgeworks"
        assert second.getheader("age") is not None
        assert again == body
        assert len(again) == size
        part, piece = fetch(conn, "GET", f"/big/d?size={size}&cache=1", {"Range": "bytes=5-14"})
        assert (part.status, piece) == (206, b"x" * 10)
        assert part.getheader("content-range") == f"bytes 5-14/{size}"
        head, empty = fetch(conn, "HEAD", f"/big/d?size={size}&cache=1")
        assert head.getheader("content-length") == str(size)
        assert empty == b""
        assert len(stack.origin.seen) == 1
        assert stack.app is not None
        stats = stack.app.cache.stats()
        assert stats["disk_entries"] == 1
        assert stats["memory_entries"] == 0
