"""The validated configuration of a node, as plain frozen data.

The loader (``edgeworks.config.load``) turns YAML or JSON written in CloudFront's vocabulary into
these objects; everything downstream (server, behaviour matching, cache keys, origin client)
reads only these, never the raw document. Durations are seconds as floats, sizes are bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ListBehavior = Literal["none", "whitelist", "allExcept", "all"]
"""Which members of a family (headers, cookies, query strings) a policy selects."""

OriginHeaderBehavior = Literal[
    "none", "whitelist", "allViewer", "allViewerAndWhitelistCloudFront", "allExcept"
]


ANY_METHOD = "*"
"""Member of ``Behavior.allowed_methods`` that admits every method, extension methods too."""


@dataclass(frozen=True, slots=True)
class Selection:
    """A member selection of one family: behaviour plus the names it lists.

    Header names are stored lower-case; cookie and query-string names as written (they are
    case-sensitive).
    """

    behavior: str = "none"
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """A CloudFront cache policy: TTL bounds and what enters the cache key."""

    id: str
    name: str
    min_ttl: float = 0.0
    default_ttl: float = 86400.0
    max_ttl: float = 31536000.0
    headers: Selection = Selection()
    cookies: Selection = Selection()
    query_strings: Selection = Selection()
    accept_encoding_gzip: bool = False
    accept_encoding_brotli: bool = False


@dataclass(frozen=True, slots=True)
class OriginRequestPolicy:
    """A CloudFront origin request policy: what is forwarded without entering the key."""

    id: str
    name: str
    headers: Selection = Selection()
    cookies: Selection = Selection()
    query_strings: Selection = Selection()


@dataclass(frozen=True, slots=True)
class Origin:
    """One origin server (CloudFront ``Origin`` with a custom origin config)."""

    id: str
    scheme: Literal["http", "https"]
    host: str
    port: int
    path: str = ""
    custom_headers: tuple[tuple[str, str], ...] = ()
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    keepalive_timeout: float = 5.0
    connection_attempts: int = 3
    max_connections: int = 256
    protocol_policy: str = "http-only"
    """CloudFront ``OriginProtocolPolicy``; with ``match-viewer`` the scheme and port above are
    for plain-HTTP viewers and ``https_port`` serves viewers that came over TLS."""
    https_port: int = 443

    @property
    def authority(self) -> str:
        """The ``Host`` value sent to this origin; IPv6 in brackets (RFC 3986 §3.2.2)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class OriginGroup:
    """Two origins with failover on the listed status codes (CloudFront origin group)."""

    id: str
    primary: str
    secondary: str
    failover_statuses: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Behavior:
    """A cache behaviour: a path pattern and what to do with the requests it matches."""

    path_pattern: str
    target_origin_id: str
    cache_policy: CachePolicy
    origin_request_policy: OriginRequestPolicy | None = None
    allowed_methods: frozenset[str] = frozenset({"GET", "HEAD"})
    cached_methods: frozenset[str] = frozenset({"GET", "HEAD"})
    compress: bool = False
    viewer_protocol_policy: str = "allow-all"

    def allows(self, method: str) -> bool:
        """Return True when this behaviour lets ``method`` through to the origin.

        ``ANY_METHOD`` among the allowed methods (Edgeworks' ``AllowedMethods: ALL``) admits
        extension methods too.
        """
        return method in self.allowed_methods or ANY_METHOD in self.allowed_methods


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """CloudFront ``CustomErrorResponse``: how an origin's error status is cached and shown.

    Attributes:
        error_code: The origin's status this applies to.
        caching_min_ttl: Seconds to cache the error; None means ``CacheStorage.error_caching_ttl``.
        response_page_path: Path of the page to answer with instead, or None.
        response_code: Status to answer with alongside that page, or None.
    """

    error_code: int
    caching_min_ttl: float | None = None
    response_page_path: str | None = None
    response_code: int | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    """Server limits and timeouts that protect the node."""

    max_request_line: int = 8192
    max_header_bytes: int = 65536
    max_headers: int = 100
    max_body_bytes: int = 1 << 30
    header_timeout: float = 10.0
    idle_timeout: float = 60.0
    body_timeout: float = 60.0
    max_connections: int = 10000
    drain_timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class TLS:
    """A certificate chain and private key for TLS termination (PEM files)."""

    certificate: str
    private_key: str


@dataclass(frozen=True, slots=True)
class CacheStorage:
    """Where and how much the node caches."""

    memory_bytes: int = 256 << 20
    disk_path: str | None = None
    disk_bytes: int = 10 << 30
    error_caching_ttl: float = 10.0
    targeted_cache_control: str = "edgeworks-cdn-cache-control"


@dataclass(frozen=True, slots=True)
class Distribution:
    """A whole node configuration: listener, origins, behaviours and policies."""

    origins: dict[str, Origin]
    default_behavior: Behavior
    behaviors: tuple[Behavior, ...] = ()
    origin_groups: dict[str, OriginGroup] = field(default_factory=dict)
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    node_name: str = "edgeworks"
    workers: int = 0
    tls: TLS | None = None
    limits: Limits = Limits()
    cache: CacheStorage = CacheStorage()
    access_log: str | None = "-"
    error_responses: dict[int, ErrorResponse] = field(default_factory=dict)
