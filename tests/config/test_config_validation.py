"""Every validation problem names its field path and the offending value."""

from __future__ import annotations

from typing import Any

import pytest
from tests.config.helpers import BASE, document, problem_at, problems_of

from edgeworks.config import ConfigError, parse_config

BEHAVIOR = {"PathPattern": "/api/*", "TargetOriginId": "app"}


def behaviors(*items: dict[str, Any]) -> dict[str, Any]:
    return document(CacheBehaviors={"Quantity": len(items), "Items": list(items)})


CASES: list[tuple[str, dict[str, Any], str, Any, str]] = [
    (
        "unknown target origin",
        behaviors({**BEHAVIOR, "TargetOriginId": "ap"}),
        "CacheBehaviors.Items[0].TargetOriginId",
        "ap",
        "did you mean 'app'",
    ),
    (
        "unknown cache policy id",
        behaviors({**BEHAVIOR, "CachePolicyId": "CachingOptimised"}),
        "CacheBehaviors.Items[0].CachePolicyId",
        "CachingOptimised",
        "did you mean 'CachingOptimized'",
    ),
    (
        "unknown origin request policy id",
        behaviors({**BEHAVIOR, "OriginRequestPolicyId": "1234"}),
        "CacheBehaviors.Items[0].OriginRequestPolicyId",
        "1234",
        "no origin request policy",
    ),
    (
        "bad URL scheme",
        document(Origins=[{"Id": "app", "Url": "ftp://x.example"}]),
        "Origins[0].Url",
        "ftp://x.example",
        "http:// or https://",
    ),
    (
        "URL without host",
        document(Origins=[{"Id": "app", "Url": "http://"}]),
        "Origins[0].Url",
        "http://",
        "host",
    ),
    (
        "URL port out of range",
        document(Origins=[{"Id": "app", "Url": "http://127.0.0.1:99999"}]),
        "Origins[0].Url",
        "http://127.0.0.1:99999",
        "not a valid URL",
    ),
    (
        "bad HTTPPort",
        document(
            Origins=[
                {
                    "Id": "app",
                    "DomainName": "origin.example",
                    "CustomOriginConfig": {"HTTPPort": 0, "OriginProtocolPolicy": "http-only"},
                }
            ]
        ),
        "Origins[0].CustomOriginConfig.HTTPPort",
        0,
        "1 to 65535",
    ),
    (
        "bad enum lists the allowed values",
        document(
            Origins=[
                {
                    "Id": "app",
                    "DomainName": "origin.example",
                    "CustomOriginConfig": {"OriginProtocolPolicy": "http"},
                }
            ]
        ),
        "Origins[0].CustomOriginConfig.OriginProtocolPolicy",
        "http",
        "http-only, match-viewer, https-only",
    ),
    (
        "viewer protocol policy",
        document(DefaultCacheBehavior={"TargetOriginId": "app", "ViewerProtocolPolicy": "https"}),
        "DefaultCacheBehavior.ViewerProtocolPolicy",
        "https",
        "allow-all, https-only, redirect-to-https",
    ),
    (
        "TTL order: MinTTL above DefaultTTL",
        document(CachePolicies=[{"Name": "p", "MinTTL": 100, "DefaultTTL": 10}]),
        "CachePolicies[0].DefaultTTL",
        10,
        "at least MinTTL",
    ),
    (
        "TTL order: DefaultTTL above MaxTTL",
        document(CachePolicies=[{"Name": "p", "MinTTL": 0, "DefaultTTL": 10, "MaxTTL": 5}]),
        "CachePolicies[0].MaxTTL",
        5,
        "at least DefaultTTL",
    ),
    (
        "negative TTL",
        document(CachePolicies=[{"Name": "p", "MinTTL": -1}]),
        "CachePolicies[0].MinTTL",
        -1,
        "seconds",
    ),
    (
        "cached methods not a subset of allowed",
        behaviors(
            {
                **BEHAVIOR,
                "AllowedMethods": ["GET", "HEAD"],
                "CachedMethods": ["GET", "HEAD", "OPTIONS"],
            }
        ),
        "CacheBehaviors.Items[0].CachedMethods",
        ["GET", "HEAD", "OPTIONS"],
        "subset of AllowedMethods",
    ),
    (
        "allowed methods not one of CloudFront's sets",
        behaviors({**BEHAVIOR, "AllowedMethods": {"Quantity": 2, "Items": ["GET", "POST"]}}),
        "CacheBehaviors.Items[0].AllowedMethods",
        {"Quantity": 2, "Items": ["GET", "POST"]},
        "GET, HEAD, OPTIONS",
    ),
    (
        "unknown method",
        behaviors({**BEHAVIOR, "AllowedMethods": ["GET", "HEAD", "FETCH"]}),
        "CacheBehaviors.Items[0].AllowedMethods[2]",
        "FETCH",
        "must be one of",
    ),
    (
        "ALL is not a cached set",
        behaviors({**BEHAVIOR, "AllowedMethods": "ALL", "CachedMethods": "ALL"}),
        "CacheBehaviors.Items[0].CachedMethods",
        "ALL",
        "must be one of these sets",
    ),
    (
        "origin group with one member",
        document(
            OriginGroups=[
                {
                    "Id": "g",
                    "FailoverCriteria": {"StatusCodes": [500]},
                    "Members": {"Quantity": 1, "Items": [{"OriginId": "app"}]},
                }
            ]
        ),
        "OriginGroups[0].Members",
        {"Quantity": 1, "Items": [{"OriginId": "app"}]},
        "exactly 2",
    ),
    (
        "origin group failover status",
        document(
            OriginGroups=[
                {
                    "Id": "g",
                    "FailoverCriteria": {"StatusCodes": [200]},
                    "Members": [{"OriginId": "app"}, {"OriginId": "app"}],
                }
            ]
        ),
        "OriginGroups[0].FailoverCriteria.StatusCodes[0]",
        200,
        "500",
    ),
    (
        "unknown key suggests the right one",
        document(DefaultCacheBehavior={"TargetOriginID": "app"}),
        "DefaultCacheBehavior.TargetOriginID",
        "app",
        "did you mean 'TargetOriginId'",
    ),
    (
        "unknown top-level key",
        document(Orgins=[]),
        "Orgins",
        [],
        "did you mean 'Origins'",
    ),
    (
        "duplicate origin id",
        document(
            Origins=[
                {"Id": "app", "Url": "http://a.example"},
                {"Id": "app", "Url": "http://b.example"},
            ]
        ),
        "Origins[1].Id",
        "app",
        "duplicate",
    ),
    (
        "origin group id taken by an origin",
        document(
            OriginGroups=[
                {
                    "Id": "app",
                    "FailoverCriteria": {"StatusCodes": [500]},
                    "Members": [{"OriginId": "app"}, {"OriginId": "app"}],
                }
            ]
        ),
        "OriginGroups[0].Id",
        "app",
        "origins and groups share ids",
    ),
    (
        "duplicate cache policy name",
        document(CachePolicies=[{"Name": "p", "MinTTL": 0}, {"Name": "p", "MinTTL": 1}]),
        "CachePolicies[1]",
        "p",
        "already has this id or name",
    ),
    (
        "duplicate origin request policy id",
        document(
            OriginRequestPolicies=[
                {"Id": "r", "Name": "one"},
                {"Id": "r", "Name": "two"},
            ]
        ),
        "OriginRequestPolicies[1]",
        "r",
        "already has this id or name",
    ),
    (
        "bad path pattern",
        behaviors({**BEHAVIOR, "PathPattern": "/a b/*"}),
        "CacheBehaviors.Items[0].PathPattern",
        "/a b/*",
        "A-Z",
    ),
    (
        "duplicate path pattern",
        behaviors(BEHAVIOR, {**BEHAVIOR, "PathPattern": "api/*"}),
        "CacheBehaviors.Items[1].PathPattern",
        "api/*",
        "duplicate",
    ),
    (
        "a mapping where a list belongs",
        document(Origins={"Id": "app", "Url": "http://a.example"}),
        "Origins",
        {"Id": "app", "Url": "http://a.example"},
        "must be a list",
    ),
    (
        "Quantity disagrees with Items",
        document(Origins={"Quantity": 2, "Items": [{"Id": "app", "Url": "http://a.example"}]}),
        "Origins.Quantity",
        2,
        "number of Items",
    ),
    (
        "whitelist without names",
        document(
            CachePolicies=[
                {
                    "Name": "p",
                    "MinTTL": 0,
                    "ParametersInCacheKeyAndForwardedToOrigin": {
                        "QueryStringsConfig": {"QueryStringBehavior": "whitelist"}
                    },
                }
            ]
        ),
        "CachePolicies[0].ParametersInCacheKeyAndForwardedToOrigin"
        ".QueryStringsConfig.QueryStrings",
        None,
        "at least one name",
    ),
    (
        "bad header name in a policy",
        document(
            CachePolicies=[
                {
                    "Name": "p",
                    "ParametersInCacheKeyAndForwardedToOrigin": {
                        "HeadersConfig": {
                            "HeaderBehavior": "whitelist",
                            "Headers": {"Quantity": 1, "Items": ["bad header"]},
                        }
                    },
                }
            ]
        ),
        "CachePolicies[0].ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers.Items[0]",
        "bad header",
        "valid header name",
    ),
    (
        "cached methods given twice",
        behaviors(
            {
                **BEHAVIOR,
                "AllowedMethods": {
                    "Quantity": 2,
                    "Items": ["GET", "HEAD"],
                    "CachedMethods": ["GET", "HEAD"],
                },
                "CachedMethods": ["GET", "HEAD"],
            }
        ),
        "CacheBehaviors.Items[0].CachedMethods",
        ["GET", "HEAD"],
        "one place",
    ),
    (
        "listen address",
        document(Edgeworks={"Listen": "localhost"}),
        "Edgeworks.Listen",
        "localhost",
        "host:port",
    ),
    (
        "size text",
        document(Edgeworks={"Cache": {"MemorySize": "many"}}),
        "Edgeworks.Cache.MemorySize",
        "many",
        "256MiB",
    ),
    (
        "limits not a mapping",
        document(Edgeworks={"Limits": []}),
        "Edgeworks.Limits",
        [],
        "mapping",
    ),
    (
        "zero request line limit",
        document(Edgeworks={"Limits": {"MaxRequestLine": 0}}),
        "Edgeworks.Limits.MaxRequestLine",
        0,
        "at least 1",
    ),
    (
        "targeted cache-control field name",
        document(Edgeworks={"Cache": {"TargetedCacheControl": "CDN Cache Control"}}),
        "Edgeworks.Cache.TargetedCacheControl",
        "CDN Cache Control",
        "valid header name",
    ),
    (
        "node name",
        document(Edgeworks={"NodeName": "edge 1"}),
        "Edgeworks.NodeName",
        "edge 1",
        "letters, digits",
    ),
    (
        "missing TLS file",
        document(
            Edgeworks={
                "TLS": {
                    "Certificate": "/nonexistent/cert.pem",
                    "PrivateKey": "/nonexistent/key.pem",
                }
            }
        ),
        "Edgeworks.TLS.Certificate",
        "/nonexistent/cert.pem",
        "no such file",
    ),
    (
        "legacy TTLs next to a cache policy",
        behaviors({**BEHAVIOR, "CachePolicyId": "CachingDisabled", "MinTTL": 5}),
        "CacheBehaviors.Items[0].MinTTL",
        5,
        "ForwardedValues",
    ),
    (
        "both cache policy and ForwardedValues",
        behaviors(
            {
                **BEHAVIOR,
                "CachePolicyId": "CachingDisabled",
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            }
        ),
        "CacheBehaviors.Items[0].CachePolicyId",
        "CachingDisabled",
        "not both",
    ),
    (
        "origin without a way to connect",
        document(Origins=[{"Id": "app", "DomainName": "origin.example"}]),
        "Origins[0]",
        {"Id": "app", "DomainName": "origin.example"},
        "CustomOriginConfig",
    ),
    (
        "empty DomainName",
        document(Origins=[{"Id": "app", "DomainName": None}]),
        "Origins[0].DomainName",
        None,
        "DomainName or Url is required",
    ),
    (
        "path given twice",
        document(Origins=[{"Id": "app", "Url": "http://a.example/x", "OriginPath": "/y"}]),
        "Origins[0].OriginPath",
        "/y",
        "one place",
    ),
    (
        "bad OriginPath",
        document(Origins=[{"Id": "app", "Url": "http://a.example", "OriginPath": "x/"}]),
        "Origins[0].OriginPath",
        "x/",
        "start with '/'",
    ),
    (
        "reserved custom header",
        document(
            Origins=[
                {
                    "Id": "app",
                    "Url": "http://a.example",
                    "CustomHeaders": {
                        "Quantity": 1,
                        "Items": [{"HeaderName": "Host", "HeaderValue": "x"}],
                    },
                }
            ]
        ),
        "Origins[0].CustomHeaders.Items[0].HeaderName",
        "Host",
        "proxy",
    ),
]


@pytest.mark.parametrize(
    ("doc", "path", "value", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_problem_names_path_and_value(
    doc: dict[str, Any], path: str, value: Any, words: str
) -> None:
    problem = problem_at(doc, path)
    assert problem.value == value
    assert words in problem.message
    assert str(problem).startswith(f"{path}: ")
    assert str(problem).endswith(f"(got: {value!r})")


def test_every_problem_is_collected_not_only_the_first() -> None:
    doc = document(
        Origins=[{"Id": "app", "Url": "ftp://a"}, {"Id": "b", "Url": "http://127.0.0.1:1"}],
        DefaultCacheBehavior={
            "TargetOriginId": "nowhere",
            "CachePolicyId": "nope",
            "Compress": "yes",
        },
        Edgeworks={"Workers": -1, "Listen": "1.2.3.4:x"},
    )
    paths = {problem.path for problem in problems_of(doc)}
    assert paths >= {
        "Origins[0].Url",
        "DefaultCacheBehavior.TargetOriginId",
        "DefaultCacheBehavior.CachePolicyId",
        "DefaultCacheBehavior.Compress",
        "Edgeworks.Workers",
        "Edgeworks.Listen",
    }


def test_missing_required_fields_are_named() -> None:
    paths = {problem.path for problem in problems_of({})}
    assert paths == {"Origins", "DefaultCacheBehavior"}


def test_a_broken_origin_is_not_reported_again_where_it_is_referenced() -> None:
    doc = document(Origins=[{"Id": "app", "Url": "gopher://x"}])
    assert [p.path for p in problems_of(doc)] == ["Origins[0].Url"]


def test_message_lists_every_problem_with_the_source() -> None:
    doc = document(Origins=[{"Id": "app", "Url": "ftp://a"}], Edgeworks={"Workers": "two"})
    with pytest.raises(ConfigError) as caught:
        parse_config(doc, source="dist.yaml")
    text = str(caught.value)
    assert text.startswith("dist.yaml: 2 configuration problems")
    assert "Origins[0].Url: must start with http:// or https:// (got: 'ftp://a')" in text
    assert "Edgeworks.Workers" in text


def test_the_base_document_is_valid() -> None:
    dist = parse_config(BASE)
    assert dist.default_behavior.target_origin_id == "app"
