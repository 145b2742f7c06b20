"""CloudFront's managed cache and origin request policies, built in by name and by id.

Settings follow the CloudFront developer guide pages "Use managed cache policies" and "Use
managed origin request policies"; real distributions reference these ids directly.
"""

from __future__ import annotations

from typing import TypeVar

from edgeworks.config.model import CachePolicy, OriginRequestPolicy, Selection

_Policy = TypeVar("_Policy", CachePolicy, OriginRequestPolicy)

YEAR = 31536000.0
DAY = 86400.0

_NONE = Selection()
_ALL = Selection("all")


def _headers(*names: str) -> Selection:
    return Selection("whitelist", tuple(name.lower() for name in names))


CACHE_POLICIES: tuple[CachePolicy, ...] = (
    CachePolicy(
        "658327ea-f89d-4fab-a63d-7e88639e58f6",
        "CachingOptimized",
        min_ttl=1.0,
        default_ttl=DAY,
        max_ttl=YEAR,
        accept_encoding_gzip=True,
        accept_encoding_brotli=True,
    ),
    CachePolicy(
        "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
        "CachingOptimizedForUncompressedObjects",
        min_ttl=1.0,
        default_ttl=DAY,
        max_ttl=YEAR,
    ),
    CachePolicy(
        "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        "CachingDisabled",
        min_ttl=0.0,
        default_ttl=0.0,
        max_ttl=0.0,
    ),
    CachePolicy(
        "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
        "UseOriginCacheControlHeaders",
        min_ttl=0.0,
        default_ttl=0.0,
        max_ttl=YEAR,
        headers=_headers(
            "host", "origin", "x-http-method-override", "x-http-method", "x-method-override"
        ),
        cookies=_ALL,
        accept_encoding_gzip=True,
        accept_encoding_brotli=True,
    ),
    CachePolicy(
        "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
        "UseOriginCacheControlHeaders-QueryStrings",
        min_ttl=0.0,
        default_ttl=0.0,
        max_ttl=YEAR,
        headers=_headers(
            "host", "origin", "x-http-method-override", "x-http-method", "x-method-override"
        ),
        cookies=_ALL,
        query_strings=_ALL,
        accept_encoding_gzip=True,
        accept_encoding_brotli=True,
    ),
    CachePolicy(
        "08627262-05a9-4f76-9ded-b50ca2e3a84f",
        "Elemental-MediaPackage",
        min_ttl=0.0,
        default_ttl=DAY,
        max_ttl=YEAR,
        headers=_headers("origin"),
        query_strings=Selection("whitelist", ("aws.manifestfilter", "start", "end", "m")),
        accept_encoding_gzip=True,
    ),
    CachePolicy(
        "2e54312d-136d-493c-8eb9-b001f22f67d2",
        "Amplify",
        min_ttl=2.0,
        default_ttl=2.0,
        max_ttl=600.0,
        headers=_headers("authorization", "cloudfront-viewer-country", "host"),
        cookies=_ALL,
        query_strings=_ALL,
        accept_encoding_gzip=True,
        accept_encoding_brotli=True,
    ),
)

ORIGIN_REQUEST_POLICIES: tuple[OriginRequestPolicy, ...] = (
    OriginRequestPolicy(
        "216adef6-5c7f-47e4-b989-5492eafa07d3",
        "AllViewer",
        headers=Selection("allViewer"),
        cookies=_ALL,
        query_strings=_ALL,
    ),
    OriginRequestPolicy(
        "b689b0a8-53d0-40ab-baf2-68738e2966ac",
        "AllViewerExceptHostHeader",
        headers=Selection("allExcept", ("host",)),
        cookies=_ALL,
        query_strings=_ALL,
    ),
    OriginRequestPolicy(
        "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
        "CORS-S3Origin",
        headers=_headers(
            "origin", "access-control-request-headers", "access-control-request-method"
        ),
    ),
    OriginRequestPolicy(
        "59781a5b-3903-41f3-afcb-af62929ccde1",
        "CORS-CustomOrigin",
        headers=_headers("origin"),
    ),
    OriginRequestPolicy(
        "acba4595-bd28-49b8-b9fe-13317c0390fa",
        "UserAgentRefererHeaders",
        headers=_headers("user-agent", "referer"),
        query_strings=_ALL,
    ),
    OriginRequestPolicy(
        "33f36d7e-f396-46d9-90e0-52428a34d9dc",
        "AllViewerAndCloudFrontHeaders-2022-06",
        headers=Selection("allViewerAndWhitelistCloudFront", ()),
        cookies=_ALL,
        query_strings=_ALL,
    ),
    OriginRequestPolicy(
        "775133bc-15f2-49f9-abea-afb2e0bf67d2",
        "Elemental-MediaTailor-PersonalizedManifests",
        headers=_headers(
            "origin",
            "access-control-request-headers",
            "x-forwarded-for",
            "access-control-request-method",
            "user-agent",
        ),
        query_strings=_ALL,
    ),
)


FOLLOW_ORIGIN = CachePolicy(
    "edgeworks-follow-origin",
    "Edgeworks-FollowOrigin",
    min_ttl=0.0,
    default_ttl=0.0,
    max_ttl=YEAR,
    headers=_headers("origin", "x-http-method-override", "x-http-method", "x-method-override"),
    cookies=_ALL,
    query_strings=_ALL,
    accept_encoding_gzip=True,
    accept_encoding_brotli=True,
)
"""Edgeworks' own default: UseOriginCacheControlHeaders-QueryStrings less the viewer's Host.

The node caches only for as long as the origin's headers say. Host stays in every cache key
anyway; leaving it out of the policy lets the origin receive its own name rather than the
viewer's, which is what a reverse proxy in front of one origin needs.
"""


def _index(policies: tuple[_Policy, ...]) -> dict[str, _Policy]:
    table: dict[str, _Policy] = {}
    for policy in policies:
        table[policy.id] = policy
        table[policy.name] = policy
        # The API lists managed policies with this prefix, and exported configurations use it.
        table[f"Managed-{policy.name}"] = policy
    return table


MANAGED_CACHE_POLICIES: dict[str, CachePolicy] = _index((*CACHE_POLICIES, FOLLOW_ORIGIN))
"""Managed cache policies under their id, their name and their ``Managed-`` name."""

MANAGED_ORIGIN_REQUEST_POLICIES: dict[str, OriginRequestPolicy] = _index(ORIGIN_REQUEST_POLICIES)
"""Managed origin request policies under their id, their name and their ``Managed-`` name."""
