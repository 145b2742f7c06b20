"""HTTPS origins: the certificate is verified against the origin's host name (SNI)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time

import pytest
import trustme

from edgeworks.config.model import Origin
from edgeworks.origin import OriginClient, OriginError
from origin.servers import ScriptedOrigin, run

HOST = [(b"host", b"localhost")]


def contexts(name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for ``name`` and a client trusting its CA."""
    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(name).configure_cert(server)
    client = ssl.create_default_context()
    authority.configure_trust(client)
    return server, client


async def fetch_twice(server: ssl.SSLContext, client_tls: ssl.SSLContext) -> tuple[bytes, int]:
    async with ScriptedOrigin(tls=server) as origin:
        config = Origin("o", "https", "127.0.0.1", origin.port)
        client = OriginClient({"o": config}, tls=client_tls)
        try:
            bodies = b""
            for _ in range(2):
                bodies += await (await client.request("o", "GET", b"/", HOST)).read()
        finally:
            await client.aclose()
        return bodies, origin.connections


def test_https_origin_with_a_matching_certificate_is_used_and_kept_alive() -> None:
    server, client = contexts("127.0.0.1")
    assert run(fetch_twice(server, client)) == (b"hellohello", 1)


def test_a_certificate_for_another_name_is_a_502() -> None:
    server, client = contexts("other.example")
    with pytest.raises(OriginError) as raised:
        run(fetch_twice(server, client))
    assert (raised.value.status, raised.value.reason, raised.value.kind) == (
        502,
        "TLS handshake with the origin failed",
        "OriginConnectError",
    )


def test_a_connection_that_opens_after_the_client_closed_is_shut() -> None:
    server_tls, client_tls = contexts("127.0.0.1")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def slow_handshake() -> None:
        # Accept at once but hold the TLS handshake back, so the client is still opening.
        sock, _ = listener.accept()
        time.sleep(1.0)
        with contextlib.suppress(OSError), server_tls.wrap_socket(sock, server_side=True) as tls:
            tls.recv(1024)

    thread = threading.Thread(target=slow_handshake, daemon=True)
    thread.start()

    async def scenario() -> tuple[str, int]:
        config = Origin("o", "https", "127.0.0.1", port, connection_attempts=1)
        client = OriginClient({"o": config}, tls=client_tls)
        task = asyncio.create_task(client.request("o", "GET", b"/", HOST))
        await asyncio.sleep(0.1)
        await client.aclose(grace=0)
        with pytest.raises(OriginError) as raised:
            await task
        return raised.value.reason, client.stats("o").idle

    try:
        assert run(scenario()) == ("origin client is closed", 0)
    finally:
        thread.join(timeout=5)
        listener.close()
