"""Cache keys, from a behaviour's cache policy; runs on every request, so it stays lean.

A cache key is bytes built from, in order and separated by NUL (which no valid request line or
field can carry): the method class (``GET`` and ``HEAD`` share one, since a HEAD is answered
from a GET entry), the lower-cased ``Host``, the path, then one section per family the cache
policy selects (query strings, headers, cookies) and the normalised ``Accept-Encoding`` when the
policy enables gzip or Brotli. A section starts with its family letter and a colon (``q:``,
``h:``, ``c:``, ``e:``) so keys from different selections never collide.

Canonical order: query-string pairs, headers and cookies are sorted by name, so ``?a=1&b=2``
and ``?b=2&a=1`` share an entry; pairs with the same name keep the order they were sent in,
since origins may read repeated parameters as an ordered list. Values are kept byte for byte as
the viewer sent them.

Policies compile once into a :class:`KeyPlan`; a request then costs one pass over its fields
and one join. A policy that selects nothing beyond the URL (CachingDisabled, for one) costs a
single join.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from edgeworks.config.forward import OriginRequestParts, origin_request_parts
from edgeworks.config.model import CachePolicy
from edgeworks.config.selection import (
    Members,
    accepted_encodings,
    by_name,
    compile_selection,
    cookie_pairs,
    query_pairs,
)
from edgeworks.http.headers import Headers

__all__ = ["SEP", "KeyPlan", "OriginRequestParts", "cache_key", "key_plan", "origin_request_parts"]

SEP = b"\x00"


Sections = Callable[[bytes, Headers], bytes]
"""Builds the key's selected sections (with a leading separator) from a query and fields."""


@dataclass(frozen=True, slots=True)
class KeyPlan:
    """A cache policy compiled for the per-request work.

    Attributes:
        policy: The policy compiled (the plan is reused only for this very object).
        sections: Builds the sections after the path; None when the key is only the method,
            host and path.
    """

    policy: CachePolicy
    sections: Sections | None


# Plans by policy identity; each entry holds its policy, so the id cannot be reused meanwhile.
_plans: dict[int, KeyPlan] = {}
_MAX_PLANS = 256


def key_plan(policy: CachePolicy) -> KeyPlan:
    """Return the compiled plan of ``policy``, compiling it on first use."""
    plan = _plans.get(id(policy))
    if plan is not None and plan.policy is policy:
        return plan
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()
    offered = ((b"br", policy.accept_encoding_brotli), (b"gzip", policy.accept_encoding_gzip))
    encodings = tuple(name for name, enabled in offered if enabled)
    query = _family(compile_selection(policy.query_strings))
    headers = _family(compile_selection(policy.headers, lower=True))
    cookies = _family(compile_selection(policy.cookies))
    plain = not encodings and query is headers is cookies is None
    plan = KeyPlan(policy, None if plain else _compile(query, headers, cookies, encodings))
    _plans[id(policy)] = plan

    return plan


def _family(members: Members) -> Members | None:
    return None if members.empty else members


def _compile(
    query: Members | None,
    headers: Members | None,
    cookies: Members | None,
    encodings: tuple[bytes, ...],
) -> Sections:
    """Return a function building the sections; its state sits in locals for speed."""
    if query is headers is cookies is None:
        return _encodings_only(encodings)
    scan = headers is not None or cookies is not None or bool(encodings)
    keyed = headers is not None
    every = headers.every if headers is not None else False
    names = headers.names if headers is not None else frozenset()

    labels = [(b"q:", query), (b"h:", headers), (b"c:", cookies), (b"e:", encodings or None)]
    empty = b"".join(SEP + label for label, family in labels if family is not None)

    def sections(raw_query: bytes, fields: Headers) -> bytes:
        # A plain loop first: a request with no query and none of the selected fields (the
        # common case) gets the all-empty sections without building any list.
        if query is None or not raw_query:
            for name, _ in fields:
                if name in (b"cookie", b"accept-encoding") or (
                    keyed
                    and name != b"host"
                    and ((name not in names) if every else (name in names))
                ):
                    break
            else:
                return empty

        parts = [b""]
        if query is not None:
            parts.append(b"q:" + (_query_section(query, raw_query) if raw_query else b""))
        if not scan:
            return SEP.join(parts)

        # One pass over the fields gathers the three remaining families.
        chosen: list[tuple[bytes, bytes]] = []
        jar: list[bytes] = []
        codings: list[bytes] = []
        for name, value in fields:
            if name == b"cookie":
                jar.append(value)
            elif name == b"accept-encoding":
                codings.append(value)
            elif keyed and name != b"host" and ((name not in names) if every else (name in names)):
                chosen.append((name, value))

        if keyed:
            parts.append(b"h:" + _header_section(chosen) if chosen else b"h:")
        if cookies is not None:
            parts.append(b"c:" + _cookie_section(cookies, jar) if jar else b"c:")
        if encodings:
            parts.append(b"e:" + accepted_encodings(codings, encodings) if codings else b"e:")
        return SEP.join(parts)

    return sections


def _encodings_only(encodings: tuple[bytes, ...]) -> Sections:
    """The sections of a policy that keys on Accept-Encoding alone (CachingOptimized)."""
    bare = SEP + b"e:"

    def sections(raw_query: bytes, fields: Headers) -> bytes:
        # A plain loop first: most requests that lack the field then cost no list at all.
        for name, _ in fields:
            if name == b"accept-encoding":
                break
        else:
            return bare
        values = [value for name, value in fields if name == b"accept-encoding"]
        return bare + accepted_encodings(values, encodings)

    return sections


def cache_key(  # noqa: PLR0917 - positional order is the documented seam with the edge
    policy: CachePolicy,
    method: str | bytes,
    host: str | bytes,
    path: str | bytes,
    query: bytes,
    headers: Headers,
) -> bytes:
    """Return the cache key of a request under ``policy``.

    Args:
        policy: The matched behaviour's cache policy.
        method: The request method; ``GET`` and ``HEAD`` share a key.
        host: The viewer's ``Host`` (lower-cased for the key).
        path: The request path without the query.
        query: The raw query string, without ``?``.
        headers: The viewer's request fields.

    Returns:
        Deterministic bytes: equal for requests the policy treats as the same object.
    """
    plan = _plans.get(id(policy))
    if plan is None or plan.policy is not policy:
        plan = key_plan(policy)
    if isinstance(method, str):
        method = _encode(method)
    if isinstance(host, str):
        host = _encode(host)
    if isinstance(path, str):
        path = _encode(path)
    head = SEP.join((b"GET" if method == b"HEAD" else method, host.lower(), path))

    if plan.sections is None:
        return head

    return head + plan.sections(query, headers)


def _encode(text: str) -> bytes:
    """Return text as bytes: UTF-8, undecodable bytes restored, stray surrogates kept."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _header_section(chosen: list[tuple[bytes, bytes]]) -> bytes:
    chosen.sort(key=by_name)
    return b"\n".join([name + b":" + value for name, value in chosen])


def _query_section(members: Members, query: bytes) -> bytes:
    if not query or (members.whole and b"&" not in query):
        return query
    pairs = [pair for pair in query_pairs(query) if pair[0] in members]
    pairs.sort(key=by_name)
    return b"&".join([piece for _, piece in pairs])


def _cookie_section(members: Members, values: list[bytes]) -> bytes:
    pairs = [pair for pair in cookie_pairs(values) if pair[0] in members]
    pairs.sort(key=by_name)
    return b";".join([piece for _, piece in pairs])
