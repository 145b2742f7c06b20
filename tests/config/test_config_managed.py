"""Managed policies resolve by name, by ``Managed-`` name and by id, with CloudFront's settings."""

from __future__ import annotations

import pytest
from tests.config.helpers import document, problem_at

from edgeworks.config import parse_config
from edgeworks.config.managed import CACHE_POLICIES, ORIGIN_REQUEST_POLICIES

CACHE_IDS = {
    "CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "CachingOptimizedForUncompressedObjects": "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
    "CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    "UseOriginCacheControlHeaders": "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
    "UseOriginCacheControlHeaders-QueryStrings": "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
    "Elemental-MediaPackage": "08627262-05a9-4f76-9ded-b50ca2e3a84f",
    "Amplify": "2e54312d-136d-493c-8eb9-b001f22f67d2",
}
REQUEST_IDS = {
    "AllViewer": "216adef6-5c7f-47e4-b989-5492eafa07d3",
    "AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    "CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
    "CORS-CustomOrigin": "59781a5b-3903-41f3-afcb-af62929ccde1",
    "UserAgentRefererHeaders": "acba4595-bd28-49b8-b9fe-13317c0390fa",
    "AllViewerAndCloudFrontHeaders-2022-06": "33f36d7e-f396-46d9-90e0-52428a34d9dc",
    "Elemental-MediaTailor-PersonalizedManifests": "775133bc-15f2-49f9-abea-afb2e0bf67d2",
}


def with_policies(cache: str, request: str | None = None) -> dict[str, object]:
    behavior = {"TargetOriginId": "app", "CachePolicyId": cache}
    if request is not None:
        behavior["OriginRequestPolicyId"] = request
    return document(DefaultCacheBehavior=behavior)


def test_every_managed_policy_is_built_in() -> None:
    assert {p.name: p.id for p in CACHE_POLICIES} == CACHE_IDS
    assert {p.name: p.id for p in ORIGIN_REQUEST_POLICIES} == REQUEST_IDS


@pytest.mark.parametrize("name", sorted(CACHE_IDS))
def test_cache_policy_by_name_managed_name_and_id(name: str) -> None:
    found = {
        parse_config(with_policies(ref)).default_behavior.cache_policy.id
        for ref in (name, f"Managed-{name}", CACHE_IDS[name])
    }
    assert found == {CACHE_IDS[name]}


@pytest.mark.parametrize("name", sorted(REQUEST_IDS))
def test_origin_request_policy_by_name_and_id(name: str) -> None:
    for ref in (name, f"Managed-{name}", REQUEST_IDS[name]):
        policy = parse_config(with_policies("CachingDisabled", ref)).default_behavior
        assert policy.origin_request_policy is not None
        assert policy.origin_request_policy.id == REQUEST_IDS[name]


def test_caching_optimized_settings() -> None:
    policy = parse_config(with_policies("CachingOptimized")).default_behavior.cache_policy
    assert (policy.min_ttl, policy.default_ttl, policy.max_ttl) == (1, 86400, 31536000)
    assert policy.accept_encoding_gzip and policy.accept_encoding_brotli
    assert policy.headers.behavior == policy.cookies.behavior == "none"
    assert policy.query_strings.behavior == "none"


def test_caching_disabled_has_zero_ttls() -> None:
    policy = parse_config(with_policies("CachingDisabled")).default_behavior.cache_policy
    assert (policy.min_ttl, policy.default_ttl, policy.max_ttl) == (0, 0, 0)


def test_origin_cache_control_policies_add_no_default_ttl() -> None:
    plain = parse_config(with_policies("UseOriginCacheControlHeaders")).default_behavior
    query = parse_config(with_policies("UseOriginCacheControlHeaders-QueryStrings"))
    assert plain.cache_policy.default_ttl == 0 and plain.cache_policy.min_ttl == 0
    assert plain.cache_policy.query_strings.behavior == "none"
    assert query.default_behavior.cache_policy.query_strings.behavior == "all"
    assert "host" in plain.cache_policy.headers.names
    assert plain.cache_policy.cookies.behavior == "all"


def test_media_package_keys_on_its_query_strings() -> None:
    policy = parse_config(with_policies("Elemental-MediaPackage")).default_behavior.cache_policy
    assert policy.query_strings.names == ("aws.manifestfilter", "start", "end", "m")
    assert policy.accept_encoding_gzip and not policy.accept_encoding_brotli


def test_document_policy_wins_over_a_managed_name() -> None:
    doc = with_policies("CachingOptimized")
    doc["CachePolicies"] = [{"Name": "CachingOptimized", "MinTTL": 5, "DefaultTTL": 5}]
    assert parse_config(doc).default_behavior.cache_policy.min_ttl == 5


def test_unknown_managed_id_is_a_problem() -> None:
    doc = with_policies("658327ea-f89d-4fab-a63d-7e88639e58f7")
    problem = problem_at(doc, "DefaultCacheBehavior.CachePolicyId")
    assert problem.value == "658327ea-f89d-4fab-a63d-7e88639e58f7"
