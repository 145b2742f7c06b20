"""Readers for single values: URLs, listen addresses, ports, sizes, durations, method sets.

Each reader takes the raw value and its field path, appends a :class:`Problem` for anything
wrong and returns the parsed value or ``None``, so a caller collects every problem in one pass.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from edgeworks.config.errors import Problem
from edgeworks.config.model import ANY_METHOD, Origin

CLOUDFRONT_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE")
ALL_METHODS: frozenset[str] = frozenset({*CLOUDFRONT_METHODS, ANY_METHOD})
"""Edgeworks' ``AllowedMethods: ALL``: CloudFront's seven and every extension method."""

# CloudFront allows exactly these sets (API: AllowedMethods, CachedMethods).
ALLOWED_METHOD_SETS: tuple[frozenset[str], ...] = (
    frozenset({"GET", "HEAD"}),
    frozenset({"GET", "HEAD", "OPTIONS"}),
    frozenset(CLOUDFRONT_METHODS),
    ALL_METHODS,
)
CACHED_METHOD_SETS: tuple[frozenset[str], ...] = ALLOWED_METHOD_SETS[:2]

FIELD_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
"""A field name: an RFC 9110 §5.6.2 token."""
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?\s*", re.IGNORECASE)
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_hostname(text: str) -> bool:
    """Return True for a DNS name or an IP address (RFC 1123 §2.1, RFC 4291 §2.2)."""
    try:
        ipaddress.ip_address(text.strip("[]"))
        return True
    except ValueError:
        pass
    labels = text.removesuffix(".").split(".")
    return len(text) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in labels)


def parse_origin_url(
    origin_id: str, url: Any, path: str, problems: list[Problem]
) -> Origin | None:
    """Return an origin from ``http[s]://host[:port][/path]``, or None after noting why not."""
    if not isinstance(url, str):
        problems.append(Problem(path, url, "must be a URL such as http://127.0.0.1:8000"))
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        problems.append(Problem(path, url, f"is not a valid URL ({exc})"))
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        problems.append(Problem(path, url, "must start with http:// or https://"))
        return None
    host = parts.hostname or ""
    if not is_hostname(host):
        problems.append(Problem(path, url, "must name a host, such as http://127.0.0.1:8000"))
        return None
    if parts.query or parts.fragment or parts.username or parts.password:
        problems.append(Problem(path, url, "must not carry a query, fragment or user info"))
        return None

    return Origin(
        id=origin_id,
        scheme="https" if scheme == "https" else "http",
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        path=parts.path.rstrip("/"),
    )


def parse_listen(value: Any, path: str, problems: list[Problem]) -> tuple[str, int] | None:
    """Return ``(host, port)`` from ``host:port`` (``[v6]:port`` for IPv6), or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"127.0.0.1:{value}"
    if not isinstance(value, str) or ":" not in value:
        problems.append(Problem(path, value, "must be host:port, such as 127.0.0.1:8080"))
        return None
    host, _, port_text = value.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    port = int(port_text) if port_text.isdigit() else -1
    if not is_hostname(host):
        problems.append(Problem(path, value, "host must be a name or an IP address"))
        return None
    if not 0 <= port <= 65535:
        problems.append(Problem(path, value, "port must be a number from 0 to 65535"))
        return None

    return host, port


def parse_size(value: Any, path: str, problems: list[Problem], least: int = 0) -> int | None:
    """Return a size in bytes from a number or text like ``256MiB``, ``1.5 GB`` or ``64k``.

    ``KiB``/``MiB``/``GiB``/``TiB`` are powers of 1024 (IEC 80000-13); ``kB``/``MB``/``GB``/``TB``
    and the bare letters are powers of 1000. Sizes below ``least`` are refused.
    """
    size = None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and (found := _SIZE.fullmatch(value)):
        unit = (found.group(2) or "").lower()
        base = 1024 if unit.endswith(("ib", "i")) else 1000
        power = "bkmgt".index(unit[0]) if unit else 0
        size = int(float(found.group(1)) * base**power)
    if size is None or size < least:
        floor = f" of at least {least}" if least else ""
        message = f"must be a size in bytes{floor}, such as 1048576 or 256MiB"
        problems.append(Problem(path, value, message))
        return None

    return size
