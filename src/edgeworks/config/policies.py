"""Cache policies and origin request policies defined in the document, and legacy settings.

A policy is written in the API's shape (``{"Id": ..., "CachePolicyConfig": {...}}``) or with its
config fields inline next to an optional ``Id``; without an ``Id`` its ``Name`` serves as one.
Behaviours reference policies by id or name: the document's own first, then the managed ones.
A behaviour with the legacy ``ForwardedValues`` and TTL fields gets an equivalent cache policy.
"""

from __future__ import annotations

from typing import Any

from edgeworks.config.model import CachePolicy, OriginRequestPolicy, Selection
from edgeworks.config.reader import Reader, join
from edgeworks.config.values import FIELD_NAME

YEAR = 31536000.0
DAY = 86400.0

CACHE_CONFIG_FIELDS = (
    "Name", "Comment", "MinTTL", "DefaultTTL", "MaxTTL",
    "ParametersInCacheKeyAndForwardedToOrigin",
)  # fmt: skip
PARAMETER_FIELDS = (
    "EnableAcceptEncodingGzip", "EnableAcceptEncodingBrotli",
    "HeadersConfig", "CookiesConfig", "QueryStringsConfig",
)  # fmt: skip
REQUEST_CONFIG_FIELDS = ("Name", "Comment", "HeadersConfig", "CookiesConfig", "QueryStringsConfig")
POLICY_ENVELOPE = ("Id", "LastModifiedTime")

SELECTIONS = ("none", "whitelist", "allExcept", "all")
REQUEST_HEADER_SELECTIONS = (
    "none", "whitelist", "allViewer", "allViewerAndWhitelistCloudFront", "allExcept",
)  # fmt: skip

# (config field, behaviour field, names field) for each family.
HEADERS = ("HeadersConfig", "HeaderBehavior", "Headers")
COOKIES = ("CookiesConfig", "CookieBehavior", "Cookies")
QUERY_STRINGS = ("QueryStringsConfig", "QueryStringBehavior", "QueryStrings")


def parse_selection(
    reader: Reader, value: Any, path: str, family: tuple[str, str, str], allowed: tuple[str, ...]
) -> Selection:
    """Return one family's selection (``HeadersConfig``, ``CookiesConfig``, ...)."""
    _, behavior_key, names_key = family
    if value is None:
        return Selection()
    doc = reader.mapping(value, path, (behavior_key, names_key), required=(behavior_key,))
    if doc is None:
        return Selection()
    behavior = reader.choice(doc, behavior_key, path, allowed, "none")
    items = reader.string_items(doc.get(names_key), join(path, names_key))
    names = [name for _, name in items]
    is_headers = names_key == "Headers"
    for item_path, name in items:
        if is_headers and not FIELD_NAME.fullmatch(name):
            reader.problem(item_path, name, "must be a valid header name")
    listing = behavior in ("whitelist", "allExcept", "allViewerAndWhitelistCloudFront")
    if behavior == "whitelist" and not names:
        reader.problem(
            join(path, names_key), doc.get(names_key), "whitelist needs at least one name"
        )
    if names and not listing:
        reader.problem(
            join(path, names_key), doc.get(names_key), f"names are unused with {behavior!r}"
        )
    stored = tuple(name.lower() for name in names) if is_headers else tuple(names)

    return Selection(behavior, stored if listing else ())


def _config(
    reader: Reader, value: Any, path: str, key: str, fields: tuple[str, ...]
) -> tuple[str | None, dict[str, Any] | None, str]:
    """Split a policy entry into (Id, config mapping, config path)."""
    if isinstance(value, dict) and key in value:
        outer = reader.mapping(value, path, (*POLICY_ENVELOPE, key))
        config_path = join(path, key)
        inner = reader.mapping(value[key], config_path, fields, required=("Name",))
        policy_id = reader.text(outer, "Id", path) if outer else None
        return policy_id, inner, config_path
    doc = reader.mapping(value, path, (*POLICY_ENVELOPE, *fields), required=("Name",))
    policy_id = reader.text(doc, "Id", path) if doc else None
    return policy_id, doc, path


def parse_families(
    reader: Reader, doc: dict[str, Any], path: str, header_choices: tuple[str, ...]
) -> tuple[Selection, Selection, Selection]:
    """Return the (headers, cookies, query strings) selections of a policy config."""
    found = []
    for family, choices in (
        (HEADERS, header_choices),
        (COOKIES, SELECTIONS),
        (QUERY_STRINGS, SELECTIONS),
    ):
        key = family[0]
        found.append(parse_selection(reader, doc.get(key), join(path, key), family, choices))
    return found[0], found[1], found[2]


def parse_cache_policy(reader: Reader, value: Any, path: str) -> CachePolicy | None:
    """Return a cache policy from a ``CachePolicy`` or ``CachePolicyConfig`` shaped entry."""
    policy_id, doc, path = _config(reader, value, path, "CachePolicyConfig", CACHE_CONFIG_FIELDS)
    if doc is None:
        return None
    name = reader.text(doc, "Name", path)
    min_ttl, default_ttl, max_ttl = parse_ttls(reader, doc, path)
    params_key = "ParametersInCacheKeyAndForwardedToOrigin"
    params_path = join(path, params_key)
    params = reader.mapping(doc.get(params_key, {}), params_path, PARAMETER_FIELDS) or {}
    headers, cookies, query = parse_families(reader, params, params_path, SELECTIONS)
    gzip = reader.flag(params, "EnableAcceptEncodingGzip", params_path)
    brotli = reader.flag(params, "EnableAcceptEncodingBrotli", params_path)

    if name is None:
        return None

    return CachePolicy(
        id=policy_id or name,
        name=name,
        min_ttl=min_ttl,
        default_ttl=default_ttl,
        max_ttl=max_ttl,
        headers=headers,
        cookies=cookies,
        query_strings=query,
        accept_encoding_gzip=gzip,
        accept_encoding_brotli=brotli,
    )


def parse_ttls(reader: Reader, doc: dict[str, Any], path: str) -> tuple[float, float, float]:
    """Return (MinTTL, DefaultTTL, MaxTTL) with CloudFront's defaults, checking their order.

    CloudFront: DefaultTTL defaults to one day (or MinTTL if larger), MaxTTL to one year (or
    DefaultTTL if larger); MinTTL <= DefaultTTL <= MaxTTL must hold.
    """
    min_ttl = reader.seconds(doc, "MinTTL", path, 0.0)
    default_ttl = reader.seconds(doc, "DefaultTTL", path, max(DAY, min_ttl))
    max_ttl = reader.seconds(doc, "MaxTTL", path, max(YEAR, default_ttl))
    if min_ttl > default_ttl:
        message = f"must be at least MinTTL ({min_ttl:g})"
        reader.problem(join(path, "DefaultTTL"), doc.get("DefaultTTL"), message)
    if default_ttl > max_ttl:
        message = f"must be at least DefaultTTL ({default_ttl:g})"
        reader.problem(join(path, "MaxTTL"), doc.get("MaxTTL"), message)
    return min_ttl, default_ttl, max_ttl


def parse_origin_request_policy(
    reader: Reader, value: Any, path: str
) -> OriginRequestPolicy | None:
    """Return an origin request policy from an API-shaped or inline entry."""
    key = "OriginRequestPolicyConfig"
    policy_id, doc, path = _config(reader, value, path, key, REQUEST_CONFIG_FIELDS)
    if doc is None:
        return None
    name = reader.text(doc, "Name", path)
    headers, cookies, query = parse_families(reader, doc, path, REQUEST_HEADER_SELECTIONS)
    if name is None:
        return None
    return OriginRequestPolicy(policy_id or name, name, headers, cookies, query)
