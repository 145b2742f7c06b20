"""What a distribution does with one request, in words: behaviour, origin, policies, key.

Pure: it takes a distribution and a request and returns lines of text for ``edgeworks explain``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from edgeworks.config.keys import SEP, OriginRequestParts, cache_key, origin_request_parts
from edgeworks.config.match import match_index
from edgeworks.config.model import (
    ANY_METHOD,
    Behavior,
    CachePolicy,
    Distribution,
    Origin,
    OriginRequestPolicy,
    Selection,
)
from edgeworks.config.values import CLOUDFRONT_METHODS
from edgeworks.http.headers import Headers


@dataclass(frozen=True, slots=True)
class Request:
    """The request to explain: method, Host, path, raw query and header fields."""

    method: str
    host: str
    path: str
    query: bytes
    headers: Headers


def request_from_url(
    url: str, method: str, fields: list[tuple[str, str]], default_host: str
) -> Request:
    """Return a request from a URL (or bare path), a method and ``Name: value`` fields.

    The ``Host`` field, when given, wins over the URL's authority (that is what the cache key
    uses); a bare path gets ``default_host``.
    """
    parts = urlsplit(url)
    headers: Headers = [
        (_raw(name.strip().lower()), _raw(value.strip())) for name, value in fields
    ]
    given = next((value for name, value in headers if name == b"host"), None)
    host = given.decode("utf-8", "surrogateescape") if given else parts.netloc or default_host
    if given is None:
        headers.insert(0, (b"host", _raw(host)))
    return Request(method, host, parts.path or "/", _raw(parts.query), headers)


def _raw(text: str) -> bytes:
    """Return command-line text as the bytes it came from (undecodable bytes restored)."""
    return text.encode("utf-8", "surrogateescape")


def explain(dist: Distribution, request: Request) -> list[str]:
    """Return the lines that describe how ``dist`` handles ``request``."""
    index = match_index(dist, request.path)
    behavior = dist.default_behavior if index is None else dist.behaviors[index]
    where = "DefaultCacheBehavior" if index is None else f"CacheBehaviors #{index}"
    key = cache_key(
        behavior.cache_policy,
        request.method,
        request.host,
        request.path,
        request.query,
        request.headers,
    )
    parts = origin_request_parts(behavior, request.query, request.headers)

    return [
        f"request:          {request.method} {request.host}{request.path}"
        + (f"?{request.query.decode('utf-8', 'replace')}" if request.query else ""),
        f"behaviour:        {where}, path pattern {behavior.path_pattern!r}",
        f"methods:          {_methods(behavior, request.method)}",
        f"viewer:           {behavior.viewer_protocol_policy}; "
        f"compression {'on' if behavior.compress else 'off'}",
        f"target:           {_target(dist, behavior.target_origin_id)}",
        f"cache policy:     {_cache_policy(behavior.cache_policy)}",
        f"  in the key:     {_members(behavior.cache_policy)}",
        f"request policy:   {_request_policy(behavior.origin_request_policy)}",
        f"cache key:        {printable(key)}",
        f"to the origin:    {request.method} {_origin_target(dist, behavior, request, parts)}",
        f"  with fields:    {', '.join(name.decode() for name, _ in parts.headers) or 'none'}",
    ]


def _origin_target(
    dist: Distribution, behavior: Behavior, request: Request, parts: OriginRequestParts
) -> str:
    """Return the target as the first origin tried receives it (OriginPath prefixed)."""
    group = dist.origin_groups.get(behavior.target_origin_id)
    first = dist.origins.get(group.primary if group else behavior.target_origin_id)
    prefix = first.path if first else ""
    query = parts.query.decode("utf-8", "replace")
    return prefix + request.path + (f"?{query}" if query else "")


def printable(key: bytes) -> str:
    """Return a cache key with its separators shown as `` | ``."""
    return key.replace(SEP, b" | ").decode("utf-8", "backslashreplace")


def _methods(behavior: Behavior, method: str) -> str:
    allowed = (
        "ALL" if ANY_METHOD in behavior.allowed_methods else _listed(behavior.allowed_methods)
    )
    verdict = "allowed" if behavior.allows(method) else "NOT allowed (the node answers 403)"
    cached = "cached" if method in behavior.cached_methods else "not cached"
    cached_set = _listed(behavior.cached_methods)
    return f"{method} {verdict}, {cached}; allowed {allowed}; cached {cached_set}"


def _listed(methods: frozenset[str]) -> str:
    return ", ".join(m for m in CLOUDFRONT_METHODS if m in methods)


def _origin(origin: Origin | None, origin_id: str) -> str:
    if origin is None:
        return f"{origin_id!r}"
    return f"{origin_id!r} {origin.scheme}://{origin.authority}{origin.path}"


def _target(dist: Distribution, target: str) -> str:
    group = dist.origin_groups.get(target)
    if group is None:
        return "origin " + _origin(dist.origins.get(target), target)
    statuses = ", ".join(map(str, sorted(group.failover_statuses))) or "no status codes"
    primary = _origin(dist.origins.get(group.primary), group.primary)
    secondary = _origin(dist.origins.get(group.secondary), group.secondary)
    return (
        f"origin group {target!r}: primary {primary}, secondary {secondary}; "
        f"fails over on {statuses}"
    )


def _cache_policy(policy: CachePolicy) -> str:
    ttls = f"MinTTL {_seconds(policy.min_ttl)}, DefaultTTL {_seconds(policy.default_ttl)}"
    return f"{policy.name} ({policy.id}): {ttls}, MaxTTL {_seconds(policy.max_ttl)}"


def _seconds(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def _selection(selection: Selection) -> str:
    if selection.names:
        return f"{selection.behavior} {', '.join(selection.names)}"
    return selection.behavior


def _members(policy: CachePolicy) -> str:
    codings = [
        name
        for name, on in (
            ("br", policy.accept_encoding_brotli),
            ("gzip", policy.accept_encoding_gzip),
        )
        if on
    ]
    return (
        f"headers {_selection(policy.headers)}; cookies {_selection(policy.cookies)}; "
        f"query strings {_selection(policy.query_strings)}; "
        f"Accept-Encoding {'normalised to ' + '/'.join(codings) if codings else 'not in the key'}"
    )


def _request_policy(policy: OriginRequestPolicy | None) -> str:
    if policy is None:
        return "none (cache key members and CloudFront's default fields go to the origin)"
    return (
        f"{policy.name} ({policy.id}): headers {_selection(policy.headers)}; "
        f"cookies {_selection(policy.cookies)}; query strings {_selection(policy.query_strings)}"
    )
