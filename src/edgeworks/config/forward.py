"""What of a viewer's request goes to the origin: cache-key members plus the request policy's.

Fields in neither policy are dropped, except those CloudFront passes to custom origins anyway
(:data:`DEFAULT_FORWARDED`); hop-by-hop fields never pass (RFC 9110 §7.6.1). Runs on the way
to the origin only, not on cache hits.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgeworks.config.model import Behavior, CachePolicy, OriginRequestPolicy
from edgeworks.config.selection import (
    NOTHING,
    Members,
    accepted_encodings,
    compile_selection,
    cookie_pairs,
    query_pairs,
)
from edgeworks.http.headers import HOP_BY_HOP, Headers

# Viewer fields that reach the origin even when no policy names them: the body's description,
# the conditional and range fields and the request's cache directives, as CloudFront does for
# custom origins (developer guide, "Request and response behavior for custom origins").
# Authorization is not among them: a policy must name it, whatever the method.
DEFAULT_FORWARDED: frozenset[bytes] = frozenset(
    {
        b"cache-control", b"pragma", b"content-length", b"content-type", b"content-encoding",
        b"content-md5", b"if-match", b"if-modified-since", b"if-none-match", b"if-range",
        b"if-unmodified-since", b"range",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OriginRequestParts:
    """What of the viewer's request goes to the origin.

    Attributes:
        query: The query string to send (raw, without ``?``), possibly empty.
        headers: End-to-end viewer fields to forward; ``host`` only when a policy forwards the
            viewer's Host, otherwise the caller sets the origin's own.
    """

    query: bytes
    headers: Headers


@dataclass(frozen=True, slots=True)
class ForwardPlan:
    """Per family, what reaches the origin: the union of the cache key's selection and the
    request policy's (headers also take :data:`DEFAULT_FORWARDED`)."""

    query: Members
    headers: Members
    cookies: Members
    encodings: tuple[bytes, ...]
    raw_encoding: bool
    """The viewer's own Accept-Encoding passes (no normalised one replaces it)."""


_plans: dict[int, tuple[Behavior, ForwardPlan]] = {}
_MAX_PLANS = 256
_APART = (b"cookie", b"accept-encoding")


def union(first: Members, second: Members) -> Members:
    """Return the selection of names that ``first`` or ``second`` selects."""
    if first.every and second.every:
        return Members(True, first.names & second.names)
    if first.every or second.every:
        every, other = (first, second) if first.every else (second, first)
        return Members(True, every.names - other.names)
    return Members(False, first.names | second.names)


def forward_plan(behavior: Behavior) -> ForwardPlan:
    """Return the compiled forwarding plan of ``behavior``, compiling it on first use."""
    found = _plans.get(id(behavior))
    if found is not None and found[0] is behavior:
        return found[1]
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()

    key, request = _compiled(behavior.cache_policy), _compiled(behavior.origin_request_policy)
    cache = behavior.cache_policy
    offered = ((b"br", cache.accept_encoding_brotli), (b"gzip", cache.accept_encoding_gzip))
    encodings = tuple(name for name, enabled in offered if enabled)
    headers = union(key[1], request[1])
    plan = ForwardPlan(
        query=union(key[0], request[0]),
        headers=union(headers, Members(False, DEFAULT_FORWARDED)),
        cookies=union(key[2], request[2]),
        encodings=encodings,
        raw_encoding=not encodings and b"accept-encoding" in headers,
    )
    _plans[id(behavior)] = (behavior, plan)
    return plan


def _compiled(policy: CachePolicy | OriginRequestPolicy | None) -> tuple[Members, ...]:
    if policy is None:
        return (NOTHING, NOTHING, NOTHING)
    return (
        compile_selection(policy.query_strings),
        compile_selection(policy.headers, lower=True),
        compile_selection(policy.cookies),
    )


def origin_request_parts(behavior: Behavior, query: bytes, headers: Headers) -> OriginRequestParts:
    """Return the query and headers to forward: cache-key members plus the request policy's.

    Args:
        behavior: The matched behaviour (cache policy and origin request policy).
        query: The viewer's raw query string, without ``?``.
        headers: The viewer's request fields.
    """
    plan = forward_plan(behavior)
    return OriginRequestParts(_query(plan.query, query), _headers(plan, headers))


def _query(members: Members, query: bytes) -> bytes:
    if members.whole or not query:
        return query
    return b"&".join([piece for name, piece in query_pairs(query) if name in members])


def _headers(plan: ForwardPlan, headers: Headers) -> Headers:
    jar, codings, connection = _gather(headers)
    drop = _hop_by_hop(connection)
    every, names = plan.headers.every, plan.headers.names
    forwarded: Headers = [
        (name, value)
        for name, value in headers
        if name not in drop
        and name not in _APART
        and ((name not in names) if every else (name in names))
    ]

    # CloudFront forwards the normalised Accept-Encoding when the cache policy enables
    # compression; otherwise the viewer's field passes only if a policy selects it.
    if plan.encodings and codings:
        accepted = accepted_encodings(codings, plan.encodings)
        if accepted:
            forwarded.append((b"accept-encoding", accepted))
    elif plan.raw_encoding:
        forwarded.extend((b"accept-encoding", value) for value in codings)

    cookies = _cookies(plan.cookies, jar) if jar else b""
    if cookies:
        forwarded.append((b"cookie", cookies))
    return forwarded


def _gather(headers: Headers) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """Return the values of Cookie, Accept-Encoding and Connection, in one pass."""
    jar: list[bytes] = []
    codings: list[bytes] = []
    connection: list[bytes] = []
    for name, value in headers:
        if name == b"cookie":
            jar.append(value)
        elif name == b"accept-encoding":
            codings.append(value)
        elif name == b"connection":
            connection.append(value)
    return jar, codings, connection


def _hop_by_hop(connection: list[bytes]) -> frozenset[bytes]:
    """Return the fixed hop-by-hop names plus those ``Connection`` lists (RFC 9110 §7.6.1)."""
    if not connection:
        return HOP_BY_HOP
    listed = (token.strip().lower() for value in connection for token in value.split(b","))
    return HOP_BY_HOP | {token for token in listed if token}


def _cookies(members: Members, values: list[bytes]) -> bytes:
    if members.whole:
        return b"; ".join(values)
    return b"; ".join([piece for name, piece in cookie_pairs(values) if name in members])
