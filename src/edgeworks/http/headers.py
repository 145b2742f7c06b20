"""Header shapes shared by the server, the origin client and the cache.

Headers travel as a list of ``(name, value)`` byte pairs in wire order, names lower-cased on
receipt (field names are case-insensitive, RFC 9110 §5.1). Values are kept as received.
"""

from __future__ import annotations

from collections.abc import Iterable

Headers = list[tuple[bytes, bytes]]

# RFC 9110 §7.6.1: connection-specific fields a proxy never forwards, plus the ones that the
# Connection field names (see :func:`hop_by_hop_names`).
HOP_BY_HOP: frozenset[bytes] = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)


def get(headers: Headers, name: bytes) -> bytes | None:
    """Return the first value of ``name`` (lower-case), or None."""
    for key, value in headers:
        if key == name:
            return value
    return None


def get_all(headers: Headers, name: bytes) -> list[bytes]:
    """Return every value of ``name`` (lower-case), in order."""
    return [value for key, value in headers if key == name]


def joined(headers: Headers, name: bytes) -> bytes | None:
    """Return all values of a list-valued field joined by ``", "`` (RFC 9110 §5.3)."""
    values = get_all(headers, name)
    return b", ".join(values) if values else None


def hop_by_hop_names(headers: Headers) -> frozenset[bytes]:
    """Return the fixed hop-by-hop names plus those listed in ``Connection``."""
    named = {
        token.strip().lower()
        for value in get_all(headers, b"connection")
        for token in value.split(b",")
        if token.strip()
    }
    return HOP_BY_HOP | named


def without(headers: Headers, names: Iterable[bytes]) -> Headers:
    """Return ``headers`` less every field whose lower-case name is in ``names``."""
    drop = frozenset(names)
    return [(key, value) for key, value in headers if key not in drop]


def end_to_end(headers: Headers) -> Headers:
    """Return ``headers`` with every hop-by-hop field removed (RFC 9110 §7.6.1)."""
    return without(headers, hop_by_hop_names(headers))
