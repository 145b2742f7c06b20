"""What of a viewer's request goes to the origin: cache-key members plus the request policy's.

Fields in neither policy are dropped, except those CloudFront passes to custom origins anyway
(:data:`DEFAULT_FORWARDED`); hop-by-hop fields never pass (RFC 9110 §7.6.1). Runs on the way
to the origin only, not on cache hits.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgeworks.config.model import Behavior, CachePolicy, OriginRequestPolicy
from edgeworks.config.selection import (
    EVERYTHING,
    NOTHING,
    Members,
    accepted_encodings,
    compile_selection,
    cookie_pairs,
    field_values,
    query_pairs,
)
from edgeworks.http.headers import Headers, hop_by_hop_names

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
    """The union of a behaviour's cache-key and request-policy selections, per family."""

    query: tuple[Members, Members]
    headers: tuple[Members, Members]
    cookies: tuple[Members, Members]
    encodings: tuple[bytes, ...]


_plans: dict[int, tuple[Behavior, ForwardPlan]] = {}
_MAX_PLANS = 256


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
    plan = ForwardPlan(
        (key[0], request[0]),
        (key[1], request[1]),
        (key[2], request[2]),
        tuple(name for name, enabled in offered if enabled),
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


def _either(pair: tuple[Members, Members], name: bytes) -> bool:
    return name in pair[0] or name in pair[1]


def origin_request_parts(behavior: Behavior, query: bytes, headers: Headers) -> OriginRequestParts:
    """Return the query and headers to forward: cache-key members plus the request policy's.

    Args:
        behavior: The matched behaviour (cache policy and origin request policy).
        query: The viewer's raw query string, without ``?``.
        headers: The viewer's request fields.
    """
    plan = forward_plan(behavior)
    return OriginRequestParts(_query(plan.query, query), _headers(plan, headers))


def _query(pair: tuple[Members, Members], query: bytes) -> bytes:
    if EVERYTHING in pair or not query:
        return query
    return b"&".join(piece for name, piece in query_pairs(query) if _either(pair, name))


def _headers(plan: ForwardPlan, headers: Headers) -> Headers:
    drop = hop_by_hop_names(headers)
    forwarded: Headers = [
        (name, value)
        for name, value in headers
        if name not in drop
        and name not in (b"cookie", b"accept-encoding")
        and (name in DEFAULT_FORWARDED or _either(plan.headers, name))
    ]

    # CloudFront forwards the normalised Accept-Encoding when the cache policy enables
    # compression; otherwise the viewer's field passes only if a policy selects it.
    codings = field_values(headers, b"accept-encoding")
    if plan.encodings:
        accepted = accepted_encodings(codings, plan.encodings)
        if accepted:
            forwarded.append((b"accept-encoding", accepted))
    elif _either(plan.headers, b"accept-encoding"):
        forwarded.extend((b"accept-encoding", value) for value in codings)

    cookies = _cookies(plan.cookies, field_values(headers, b"cookie"))
    if cookies:
        forwarded.append((b"cookie", cookies))
    return forwarded


def _cookies(pair: tuple[Members, Members], values: list[bytes]) -> bytes:
    if EVERYTHING in pair:
        return b"; ".join(values)
    return b"; ".join(piece for name, piece in cookie_pairs(values) if _either(pair, name))
