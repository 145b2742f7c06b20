"""The pure steps of the edge pipeline: routing a request and shaping what crosses the proxy.

Nothing here touches a socket or a clock. :func:`route` decides which behaviour a request falls
under and whether it may pass; :func:`origin_request` builds the target and fields sent to the
origin; :func:`viewer_fields` builds the fields sent back. The proxy (``edgeworks.edge.proxy``)
is the adapter that runs these around the origin client and the cache.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from email.utils import formatdate

from edgeworks.cache import Lookup
from edgeworks.config.keys import cache_key, origin_request_parts
from edgeworks.config.match import match_behavior
from edgeworks.config.model import Behavior, Distribution, Origin
from edgeworks.http.headers import Headers, get, get_all
from edgeworks.http.request import Request

SUFFIX = b" from edgeworks"
HIT = b"Hit" + SUFFIX
MISS = b"Miss" + SUFFIX
REFRESH_HIT = b"RefreshHit" + SUFFIX
REDIRECT = b"Redirect" + SUFFIX
ERROR = b"Error" + SUFFIX

# RFC 9110 §9.2.1: methods that do not change the origin's state; the others invalidate.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Only GET and HEAD are answered from the cache (RFC 9111 §4, and CloudFront's CachedMethods).
LOOKUP_METHODS = frozenset({"GET", "HEAD"})
# CONNECT asks for a tunnel, which a reverse proxy does not open, whatever the behaviour allows.
NEVER_FORWARDED = frozenset({"CONNECT"})
# CloudFront's ViewerProtocolPolicy: what happens to a request that came over plain HTTP.
_INSECURE = {"redirect-to-https": "redirect", "https-only": "refuse"}
# Fields the proxy writes itself on the origin request, and Expect, which the edge already
# answered toward the viewer by sending 100 Continue when the body was read (RFC 9110 §10.1.1).
_REBUILT = frozenset({b"via", b"x-forwarded-for", b"expect"})


@dataclass(slots=True)
class Route:
    """Where a request goes, decided once and kept on ``request.state``.

    Attributes:
        behavior: The matched cache behaviour.
        allowed: Whether the behaviour lets the method through.
        key: The cache key, or None when the method is not looked up in the cache.
        found: The cache lookup, once done.
        origin_host: The Host sent to the origin that answered, once one did.
        insecure: ``"redirect"`` or ``"refuse"`` when the behaviour's ViewerProtocolPolicy
            does not take this plain-HTTP request; empty otherwise.
    """

    behavior: Behavior
    allowed: bool
    key: bytes | None
    found: Lookup | None = None
    origin_host: bytes = b""
    insecure: str = ""


def route(dist: Distribution, request: Request) -> Route:
    """Match the behaviour, check protocol and method, and compute the cache key if it applies."""
    behavior = match_behavior(dist, request.path)
    insecure = ""
    if request.scheme == "http":
        insecure = _INSECURE.get(behavior.viewer_protocol_policy, "")
    method = request.method
    allowed = behavior.allows(method) and method not in NEVER_FORWARDED
    key = None
    if insecure:
        return Route(behavior, allowed, None, insecure=insecure)
    if allowed and method in LOOKUP_METHODS and method in behavior.cached_methods:
        key = cache_key(
            behavior.cache_policy,
            method,
            request.host,
            request.path,
            request.query,
            request.headers,
        )
    return Route(behavior, allowed, key)


def https_location(request: Request) -> bytes:
    """The ``Location`` of the HTTPS twin of a plain-HTTP request (redirect-to-https)."""
    return b"https://" + request.host + request.target


@functools.lru_cache(maxsize=8)
def via(node_name: str) -> bytes:
    """The ``Via`` member naming this node (RFC 9110 §7.6.3)."""
    return b"1.1 " + node_name.encode("ascii", "replace")


def origin_request(
    request: Request, behavior: Behavior, origin: Origin, node_name: str
) -> tuple[bytes, Headers]:
    """Return the target and fields to send to ``origin`` for ``request``.

    Hop-by-hop fields are dropped by the policy step (RFC 9110 §7.6.1), Host is the origin's
    authority unless a policy forwards the viewer's, ``Via`` and ``X-Forwarded-For`` are
    extended with this hop (RFC 9110 §7.6.3).
    """
    parts = origin_request_parts(behavior, request.query, request.headers)
    target = request.path + b"?" + parts.query if parts.query else request.path
    headers = [(name, value) for name, value in parts.headers if name not in _REBUILT]
    if not any(name == b"host" for name, _ in headers):
        headers.insert(0, (b"host", origin.authority.encode("ascii")))
    headers.append((b"via", _extended(request.headers, b"via", via(node_name))))
    client = request.client[0].encode("ascii", "replace")
    headers.append((b"x-forwarded-for", _extended(request.headers, b"x-forwarded-for", client)))
    return target, headers


def viewer_fields(
    origin_fields: Headers, node_name: str, x_cache: bytes, received: float
) -> Headers:
    """Return the fields sent to the viewer: the origin's, ``Via`` extended, ``X-Cache`` added.

    A response that came without ``Date`` gets the time it was ``received`` (RFC 9110 §6.6.1:
    a recipient with a clock adds it to what it forwards or stores).
    """
    fields = [(name, value) for name, value in origin_fields if name not in _OWN_VIEWER]
    if get(origin_fields, b"date") is None:
        fields.append((b"date", http_date(received)))
    fields.append((b"via", _extended(origin_fields, b"via", via(node_name))))
    fields.append((b"x-cache", x_cache))
    return fields


def http_date(now: float) -> bytes:
    """Format ``now`` as an IMF-fixdate (RFC 9110 §5.6.7), once per second."""
    return _imf_fixdate(int(now))


@functools.lru_cache(maxsize=4)
def _imf_fixdate(second: int) -> bytes:
    return formatdate(second, usegmt=True).encode("ascii")


def origin_ids(dist: Distribution, target_id: str) -> tuple[str, ...]:
    """Return the origins to try for ``target_id``: itself, or a group's primary then secondary."""
    group = dist.origin_groups.get(target_id)
    if group is None:
        return (target_id,)
    return (group.primary, group.secondary)


def failover_statuses(dist: Distribution, target_id: str) -> frozenset[int]:
    """Return the statuses on which an origin group moves on to its secondary origin."""
    group = dist.origin_groups.get(target_id)
    return group.failover_statuses if group is not None else frozenset()


def _extended(headers: Headers, name: bytes, member: bytes) -> bytes:
    earlier = get_all(headers, name)
    return b", ".join([*earlier, member]) if earlier else member


_OWN_VIEWER = frozenset({b"via", b"x-cache", b"content-length"})
