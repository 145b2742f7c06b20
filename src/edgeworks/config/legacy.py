"""The legacy cache settings: ``ForwardedValues`` with ``MinTTL``/``DefaultTTL``/``MaxTTL``.

CloudFront still accepts these on a behaviour in place of a cache policy, and many real
configurations use them. They become an equivalent cache policy: what is forwarded is also
what is in the key. The one exception is ``QueryStringCacheKeys``: every query string goes to
the origin but only the listed ones enter the key, which an origin request policy expresses.
"""

from __future__ import annotations

from typing import Any

from edgeworks.config.model import CachePolicy, OriginRequestPolicy, Selection
from edgeworks.config.policies import parse_ttls
from edgeworks.config.reader import Reader, join

FORWARDED_FIELDS = ("QueryString", "Cookies", "Headers", "QueryStringCacheKeys")
COOKIE_FIELDS = ("Forward", "WhitelistedNames")


def legacy_policy(
    reader: Reader, behavior: dict[str, Any], path: str, compress: bool
) -> tuple[CachePolicy, OriginRequestPolicy | None]:
    """Return the policies that a behaviour's ``ForwardedValues`` and TTLs describe.

    Args:
        reader: Collects problems.
        behavior: The behaviour's mapping (it holds ``ForwardedValues`` and the TTL fields).
        path: The behaviour's field path.
        compress: The behaviour's ``Compress``; legacy behaviours key on the normalised
            ``Accept-Encoding`` when they compress.
    """
    forwarded_path = join(path, "ForwardedValues")
    doc = reader.mapping(
        behavior["ForwardedValues"], forwarded_path, FORWARDED_FIELDS, ("QueryString", "Cookies")
    )
    doc = doc or {}
    min_ttl, default_ttl, max_ttl = parse_ttls(reader, behavior, path)
    query = _query(reader, doc, forwarded_path)
    policy = CachePolicy(
        id=f"ForwardedValues:{path}",
        name=f"legacy settings of {path}",
        min_ttl=min_ttl,
        default_ttl=default_ttl,
        max_ttl=max_ttl,
        headers=_headers(reader, doc.get("Headers"), join(forwarded_path, "Headers")),
        cookies=_cookies(reader, doc.get("Cookies"), join(forwarded_path, "Cookies")),
        query_strings=query,
        accept_encoding_gzip=compress,
        accept_encoding_brotli=compress,
    )

    if query.behavior != "whitelist":
        return policy, None
    every_query = OriginRequestPolicy(policy.id, policy.name, query_strings=Selection("all"))

    return policy, every_query


def _headers(reader: Reader, value: Any, path: str) -> Selection:
    names = reader.strings(value, path)
    if "*" in names:
        # Legacy "*" forwards every header, and so keys on every header.
        return Selection("all")
    return Selection("whitelist", tuple(n.lower() for n in names)) if names else Selection()


def _cookies(reader: Reader, value: Any, path: str) -> Selection:
    doc = reader.mapping(value, path, COOKIE_FIELDS, ("Forward",)) if value is not None else None
    if doc is None:
        return Selection()
    forward = reader.choice(doc, "Forward", path, ("none", "whitelist", "all"), "none")
    names = reader.strings(doc.get("WhitelistedNames"), join(path, "WhitelistedNames"))
    if forward == "whitelist":
        if not names:
            message = "whitelist needs at least one name"
            reader.problem(join(path, "WhitelistedNames"), doc.get("WhitelistedNames"), message)
        return Selection("whitelist", tuple(names))
    return Selection(forward)


def _query(reader: Reader, doc: dict[str, Any], path: str) -> Selection:
    forward = reader.flag(doc, "QueryString", path)
    names = reader.strings(doc.get("QueryStringCacheKeys"), join(path, "QueryStringCacheKeys"))
    if not forward:
        return Selection()
    return Selection("whitelist", tuple(names)) if names else Selection("all")
