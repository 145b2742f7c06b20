"""HTTPS origins: the certificate is verified against the origin's host name (SNI)."""

from __future__ import annotations

import ssl

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
    assert (raised.value.status, raised.value.reason) == (
        502,
        "TLS handshake with the origin failed",
    )
