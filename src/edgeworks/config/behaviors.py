"""Cache behaviours: path pattern, target origin, methods and the policies that apply.

A behaviour names its cache policy and origin request policy by id or name, looked up in the
document's own policies first and then among the managed ones; or it carries the legacy
``ForwardedValues`` and TTL fields. With neither, the built-in ``Edgeworks-FollowOrigin``
policy applies: cache for as long as the origin says, never by a default of its own.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from edgeworks.config.legacy import legacy_policy
from edgeworks.config.managed import (
    FOLLOW_ORIGIN,
    MANAGED_CACHE_POLICIES,
    MANAGED_ORIGIN_REQUEST_POLICIES,
)
from edgeworks.config.model import ANY_METHOD, Behavior, CachePolicy, OriginRequestPolicy
from edgeworks.config.reader import Reader, join, present, suggestion
from edgeworks.config.values import (
    ALL_METHODS,
    ALLOWED_METHOD_SETS,
    CACHED_METHOD_SETS,
    CLOUDFRONT_METHODS,
)

DEFAULT_BEHAVIOR_FIELDS = (
    "TargetOriginId", "TrustedSigners", "TrustedKeyGroups", "ViewerProtocolPolicy",
    "AllowedMethods", "CachedMethods", "SmoothStreaming", "Compress",
    "LambdaFunctionAssociations", "FunctionAssociations", "FieldLevelEncryptionId",
    "RealtimeLogConfigArn", "CachePolicyId", "OriginRequestPolicyId", "ResponseHeadersPolicyId",
    "GrpcConfig", "ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL",
)  # fmt: skip
BEHAVIOR_FIELDS = ("PathPattern", *DEFAULT_BEHAVIOR_FIELDS)
VIEWER_PROTOCOL_POLICIES = ("allow-all", "https-only", "redirect-to-https")
LEGACY_TTLS = ("MinTTL", "DefaultTTL", "MaxTTL")

# CloudFront: up to 255 of A-Z a-z 0-9 _ - . * $ / ~ " ' @ : + ? &
PATH_PATTERN = re.compile(r"[A-Za-z0-9_\-.*$/~\"'@:+?&]{1,255}")


@dataclass(frozen=True, slots=True)
class PolicyBook:
    """Policies a behaviour can name: the document's own (by id and name), then managed ones."""

    cache: dict[str, CachePolicy]
    requests: dict[str, OriginRequestPolicy]

    def cache_policy(self, reader: Reader, value: Any, path: str) -> CachePolicy | None:
        """Return the cache policy named ``value``, noting an unknown one."""
        found = self.cache.get(value) if isinstance(value, str) else None
        found = found or (MANAGED_CACHE_POLICIES.get(value) if isinstance(value, str) else None)
        if found is None:
            known = [*self.cache, *MANAGED_CACHE_POLICIES]
            hint = suggestion(value, known) if isinstance(value, str) else ""
            reader.problem(path, value, f"no cache policy has this id or name{hint}")
        return found

    def request_policy(self, reader: Reader, value: Any, path: str) -> OriginRequestPolicy | None:
        """Return the origin request policy named ``value``, noting an unknown one."""
        found = self.requests.get(value) if isinstance(value, str) else None
        found = found or (
            MANAGED_ORIGIN_REQUEST_POLICIES.get(value) if isinstance(value, str) else None
        )
        if found is None:
            known = [*self.requests, *MANAGED_ORIGIN_REQUEST_POLICIES]
            hint = suggestion(value, known) if isinstance(value, str) else ""
            reader.problem(path, value, f"no origin request policy has this id or name{hint}")
        return found


def parse_behavior(
    reader: Reader,
    value: Any,
    path: str,
    book: PolicyBook,
    targets: Collection[str],
    *,
    default: bool = False,
) -> Behavior | None:
    """Return one behaviour (``default``: the DefaultCacheBehavior, whose pattern is ``*``)."""
    fields = DEFAULT_BEHAVIOR_FIELDS if default else BEHAVIOR_FIELDS
    required = ("TargetOriginId",) if default else ("PathPattern", "TargetOriginId")
    doc = reader.mapping(value, path, fields, required)
    if doc is None:
        return None
    pattern = "*" if default else _pattern(reader, doc, path)
    target = _target(reader, doc, path, targets)
    viewer = reader.choice(
        doc, "ViewerProtocolPolicy", path, VIEWER_PROTOCOL_POLICIES, "allow-all"
    )
    compress = reader.flag(doc, "Compress", path)
    allowed, cached = _methods(reader, doc, path)
    policies = _policies(reader, doc, path, book, compress)
    if pattern is None or target is None or policies is None:
        return None

    return Behavior(
        path_pattern=pattern,
        target_origin_id=target,
        cache_policy=policies[0],
        origin_request_policy=policies[1],
        allowed_methods=allowed,
        cached_methods=cached,
        compress=compress,
        viewer_protocol_policy=viewer,
    )


def _pattern(reader: Reader, doc: dict[str, Any], path: str) -> str | None:
    value = doc.get("PathPattern")
    if value is None:
        return None
    if not isinstance(value, str) or not PATH_PATTERN.fullmatch(value):
        message = "must be 1 to 255 of A-Z a-z 0-9 _ - . * $ / ~ \" ' @ : + ? &"
        reader.problem(join(path, "PathPattern"), value, message)
        return None
    return value


def _target(
    reader: Reader, doc: dict[str, Any], path: str, targets: Collection[str]
) -> str | None:
    value = reader.text(doc, "TargetOriginId", path)
    if value is not None and value not in targets:
        hint = suggestion(value, targets)
        message = f"no origin or origin group has this id{hint}"
        reader.problem(join(path, "TargetOriginId"), value, message)
        return None
    return value


def _policies(
    reader: Reader, doc: dict[str, Any], path: str, book: PolicyBook, compress: bool
) -> tuple[CachePolicy, OriginRequestPolicy | None] | None:
    if "ForwardedValues" in doc:
        if "CachePolicyId" in doc:
            message = "use CachePolicyId or the legacy ForwardedValues, not both"
            reader.problem(join(path, "CachePolicyId"), doc["CachePolicyId"], message)
        if "OriginRequestPolicyId" in doc:
            message = "an origin request policy needs CachePolicyId, not ForwardedValues"
            reader.problem(
                join(path, "OriginRequestPolicyId"), doc["OriginRequestPolicyId"], message
            )
        return legacy_policy(reader, doc, path, compress)
    for key in LEGACY_TTLS:
        if key in doc:
            message = "belongs to ForwardedValues' legacy settings; set TTLs in the cache policy"
            reader.problem(join(path, key), doc[key], message)
    cache: CachePolicy | None = FOLLOW_ORIGIN
    if "CachePolicyId" in doc:
        cache = book.cache_policy(reader, doc["CachePolicyId"], join(path, "CachePolicyId"))
    request = None
    if "OriginRequestPolicyId" in doc:
        request_path = join(path, "OriginRequestPolicyId")
        request = book.request_policy(reader, doc["OriginRequestPolicyId"], request_path)

    return None if cache is None else (cache, request)


def _methods(
    reader: Reader, doc: dict[str, Any], path: str
) -> tuple[frozenset[str], frozenset[str]]:
    """Return (allowed, cached) methods, checked against CloudFront's permitted sets."""
    value = present(doc, "AllowedMethods", ["GET", "HEAD"])
    allowed_path = join(path, "AllowedMethods")
    cached_value: Any = present(doc, "CachedMethods", ["GET", "HEAD"])
    cached_path = join(path, "CachedMethods")
    # The API nests CachedMethods inside AllowedMethods; beside it is Edgeworks' spelling.
    if isinstance(value, dict) and "CachedMethods" in value:
        if doc.get("CachedMethods") is not None:
            message = "CachedMethods is also inside AllowedMethods; give it in one place"
            reader.problem(cached_path, doc["CachedMethods"], message)
        cached_value, cached_path = value["CachedMethods"], join(allowed_path, "CachedMethods")
        value = {k: v for k, v in value.items() if k != "CachedMethods"}
    allowed = _method_set(reader, value, allowed_path, ALLOWED_METHOD_SETS)
    cached = _method_set(reader, cached_value, cached_path, CACHED_METHOD_SETS)

    if allowed is None or cached is None:
        return allowed or frozenset({"GET", "HEAD"}), frozenset({"GET", "HEAD"})
    if not cached <= allowed:
        reader.problem(cached_path, cached_value, "must be a subset of AllowedMethods")
        cached = frozenset({"GET", "HEAD"})

    return allowed, cached


def _method_set(
    reader: Reader, value: Any, path: str, permitted: tuple[frozenset[str], ...]
) -> frozenset[str] | None:
    choices = "; ".join(_describe(choice) for choice in permitted)
    if value in ("ALL", ["ALL"]):
        if ALL_METHODS in permitted:
            return ALL_METHODS
        reader.problem(path, value, f"must be one of these sets: {choices}")
        return None
    names = set()
    for item_path, item in reader.items(value, path):
        if item not in CLOUDFRONT_METHODS:
            hint = suggestion(item, CLOUDFRONT_METHODS) if isinstance(item, str) else ""
            reader.problem(
                item_path, item, f"must be one of: {', '.join(CLOUDFRONT_METHODS)}{hint}"
            )
            return None
        names.add(str(item))
    found = frozenset(names)
    if found not in permitted:
        reader.problem(path, value, f"must be one of these sets: {choices}")
        return None

    return found


def _describe(methods: frozenset[str]) -> str:
    if ANY_METHOD in methods:
        return "ALL (every method, extension methods too)"
    return ", ".join(m for m in CLOUDFRONT_METHODS if m in methods)
