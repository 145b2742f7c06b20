"""Files in YAML or JSON, CloudFront's API shapes and plain lists, and the Edgeworks section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trustme
from tests.config.helpers import document, problem_at

from edgeworks.config import ConfigError, load_config, parse_config
from edgeworks.config.model import ANY_METHOD

YAML_TEXT = """\
Origins:
  - Id: app
    Url: http://127.0.0.1:8000/base
DefaultCacheBehavior:
  TargetOriginId: app
  CachePolicyId: CachingOptimized
Edgeworks:
  Listen: 127.0.0.1:9090
"""

# What the API's GetDistributionConfig returns, trimmed to the fields that matter here.
API_DOCUMENT = {
    "ETag": "E2QWRUHEXAMPLE",
    "DistributionConfig": {
        "CallerReference": "ref-1",
        "Comment": "",
        "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": ["www.example.com"]},
        "PriceClass": "PriceClass_All",
        "Origins": {
            "Quantity": 2,
            "Items": [
                {
                    "Id": "web",
                    "DomainName": "origin.example.com",
                    "OriginPath": "/site",
                    "CustomHeaders": {
                        "Quantity": 1,
                        "Items": [{"HeaderName": "X-Origin-Token", "HeaderValue": "s3cret"}],
                    },
                    "CustomOriginConfig": {
                        "HTTPPort": 8080,
                        "HTTPSPort": 8443,
                        "OriginProtocolPolicy": "https-only",
                        "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                        "OriginReadTimeout": 45,
                        "OriginKeepaliveTimeout": 15,
                    },
                    "ConnectionAttempts": 2,
                    "ConnectionTimeout": 4,
                    "OriginShield": {"Enabled": False},
                },
                {
                    "Id": "bucket",
                    "DomainName": "assets.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                },
            ],
        },
        "OriginGroups": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "both",
                    "FailoverCriteria": {"StatusCodes": {"Quantity": 2, "Items": [502, 503]}},
                    "Members": {
                        "Quantity": 2,
                        "Items": [{"OriginId": "web"}, {"OriginId": "bucket"}],
                    },
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "web",
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": {
                "Quantity": 7,
                "Items": ["HEAD", "DELETE", "POST", "GET", "OPTIONS", "PUT", "PATCH"],
                "CachedMethods": {"Quantity": 3, "Items": ["HEAD", "GET", "OPTIONS"]},
            },
            "Compress": True,
            "CachePolicyId": "my-policy-id",
            "OriginRequestPolicyId": "216adef6-5c7f-47e4-b989-5492eafa07d3",
            "FunctionAssociations": {"Quantity": 0},
        },
        "CacheBehaviors": {
            "Quantity": 1,
            "Items": [
                {
                    "PathPattern": "/legacy/*",
                    "TargetOriginId": "both",
                    "ViewerProtocolPolicy": "allow-all",
                    "ForwardedValues": {
                        "QueryString": True,
                        "Cookies": {
                            "Forward": "whitelist",
                            "WhitelistedNames": {"Quantity": 1, "Items": ["sid"]},
                        },
                        "Headers": {"Quantity": 1, "Items": ["Accept-Language"]},
                        "QueryStringCacheKeys": {"Quantity": 1, "Items": ["page"]},
                    },
                    "MinTTL": 5,
                    "DefaultTTL": 60,
                    "MaxTTL": 600,
                }
            ],
        },
    },
    "CachePolicies": {
        "Quantity": 1,
        "Items": [
            {
                "Id": "my-policy-id",
                "CachePolicyConfig": {
                    "Name": "mine",
                    "MinTTL": 0,
                    "DefaultTTL": 30,
                    "MaxTTL": 300,
                    "ParametersInCacheKeyAndForwardedToOrigin": {
                        "EnableAcceptEncodingGzip": True,
                        "HeadersConfig": {
                            "HeaderBehavior": "whitelist",
                            "Headers": {"Quantity": 1, "Items": ["X-Tenant"]},
                        },
                        "CookiesConfig": {"CookieBehavior": "none"},
                        "QueryStringsConfig": {
                            "QueryStringBehavior": "allExcept",
                            "QueryStrings": {"Quantity": 1, "Items": ["utm_source"]},
                        },
                    },
                },
            }
        ],
    },
}


def test_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "dist.yaml"
    path.write_text(YAML_TEXT)
    dist = load_config(path)
    assert (dist.listen_host, dist.listen_port) == ("127.0.0.1", 9090)
    origin = dist.origins["app"]
    assert (origin.scheme, origin.host, origin.port, origin.path) == (
        "http",
        "127.0.0.1",
        8000,
        "/base",
    )


def test_json_file(tmp_path: Path) -> None:
    path = tmp_path / "dist.json"
    path.write_text(json.dumps(document()))
    assert load_config(path).default_behavior.cache_policy.name == "CachingOptimized"


@pytest.mark.parametrize("text", [json.dumps(document()), YAML_TEXT])
def test_other_extensions_are_sniffed(tmp_path: Path, text: str) -> None:
    path = tmp_path / "distribution.conf"
    path.write_text(text)
    assert load_config(path).origins["app"].port == 8000


def test_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    missing = tmp_path / "absent.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(missing)
    [problem] = caught.value.problems
    assert problem.value == str(missing)
    assert "cannot read" in problem.message


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad.json", '{"Origins": [}', "line 1, column 14"),
        ("bad.yaml", "Origins:\n  - Id: [unclosed\n", "line 3"),
    ],
)
def test_syntax_errors_name_the_place(tmp_path: Path, name: str, text: str, where: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert str(problem.value).startswith(where)
    assert "not valid" in problem.message


def test_empty_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems[0].path == "(document)"


def test_api_shaped_document() -> None:
    dist = parse_config(API_DOCUMENT)
    web = dist.origins["web"]
    assert (web.scheme, web.port, web.https_port, web.path) == ("https", 8443, 8443, "/site")
    assert web.custom_headers == (("X-Origin-Token", "s3cret"),)
    assert (web.read_timeout, web.keepalive_timeout) == (45, 15)
    assert (web.connection_attempts, web.connect_timeout) == (2, 4)
    bucket = dist.origins["bucket"]
    assert (bucket.scheme, bucket.port) == ("https", 443)
    group = dist.origin_groups["both"]
    assert (group.primary, group.secondary) == ("web", "bucket")
    assert group.failover_statuses == {502, 503}


def test_api_shaped_behaviours_and_policies() -> None:
    dist = parse_config(API_DOCUMENT)
    default = dist.default_behavior
    assert default.cache_policy.name == "mine"
    assert default.cache_policy.headers.names == ("x-tenant",)
    assert default.cache_policy.query_strings.behavior == "allExcept"
    assert default.origin_request_policy is not None
    assert default.origin_request_policy.name == "AllViewer"
    assert default.cached_methods == {"GET", "HEAD", "OPTIONS"}
    assert len(default.allowed_methods) == 7 and default.allows("DELETE")
    assert not default.allows("PURGE")
    assert default.viewer_protocol_policy == "redirect-to-https" and default.compress


def test_legacy_forwarded_values_become_a_policy() -> None:
    [legacy] = parse_config(API_DOCUMENT).behaviors
    policy = legacy.cache_policy
    assert (policy.min_ttl, policy.default_ttl, policy.max_ttl) == (5, 60, 600)
    assert policy.headers.names == ("accept-language",)
    assert policy.cookies.names == ("sid",)
    assert policy.query_strings.names == ("page",)
    assert legacy.origin_request_policy is not None
    assert legacy.origin_request_policy.query_strings.behavior == "all"


def test_legacy_star_header_keys_on_every_header() -> None:
    doc = document(
        DefaultCacheBehavior={
            "TargetOriginId": "app",
            "ForwardedValues": {
                "QueryString": False,
                "Cookies": {"Forward": "all"},
                "Headers": ["*"],
            },
            "MinTTL": 0,
        }
    )
    policy = parse_config(doc).default_behavior.cache_policy
    assert policy.headers.behavior == "all" and policy.cookies.behavior == "all"
    assert policy.query_strings.behavior == "none"


def test_inline_policies_referenced_by_name() -> None:
    doc = document(
        DefaultCacheBehavior={
            "TargetOriginId": "app",
            "CachePolicyId": "short",
            "OriginRequestPolicyId": "agent",
        },
        CachePolicies=[{"Name": "short", "MinTTL": 0, "DefaultTTL": 10, "MaxTTL": 20}],
        OriginRequestPolicies=[
            {
                "Name": "agent",
                "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["User-Agent"]},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "all"},
            }
        ],
    )
    behavior = parse_config(doc).default_behavior
    assert behavior.cache_policy.default_ttl == 10
    assert behavior.origin_request_policy is not None
    assert behavior.origin_request_policy.headers.names == ("user-agent",)


def test_ttl_defaults_follow_cloudfront() -> None:
    doc = document(CachePolicies=[{"Name": "long", "MinTTL": 100000}])
    doc["DefaultCacheBehavior"]["CachePolicyId"] = "long"
    policy = parse_config(doc).default_behavior.cache_policy
    assert (policy.default_ttl, policy.max_ttl) == (100000, 31536000)


def test_behaviour_without_a_policy_follows_the_origin() -> None:
    dist = parse_config(document(DefaultCacheBehavior={"TargetOriginId": "app"}))
    policy = dist.default_behavior.cache_policy
    assert (policy.min_ttl, policy.default_ttl) == (0, 0)
    assert dist.default_behavior.allowed_methods == {"GET", "HEAD"}


def test_allowed_methods_all_admits_extension_methods() -> None:
    doc = document(DefaultCacheBehavior={"TargetOriginId": "app", "AllowedMethods": "ALL"})
    behavior = parse_config(doc).default_behavior
    assert ANY_METHOD in behavior.allowed_methods and behavior.allows("PURGE")


def test_match_viewer_keeps_both_ports() -> None:
    doc = document(
        Origins=[
            {
                "Id": "app",
                "DomainName": "origin.example",
                "CustomOriginConfig": {
                    "HTTPPort": 8080,
                    "HTTPSPort": 8443,
                    "OriginProtocolPolicy": "match-viewer",
                },
            }
        ]
    )
    origin = parse_config(doc).origins["app"]
    assert (origin.scheme, origin.port, origin.https_port) == ("http", 8080, 8443)
    assert origin.protocol_policy == "match-viewer"


def test_edgeworks_section(tmp_path: Path) -> None:
    authority = trustme.CA()
    cert = authority.issue_cert("localhost")
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    doc = document(
        Edgeworks={
            "Listen": "[::1]:8443",
            "NodeName": "edge-7",
            "Workers": 2,
            "TLS": {"Certificate": "cert.pem", "PrivateKey": "key.pem"},
            "Limits": {
                "HeaderTimeout": 5,
                "IdleTimeout": 30,
                "BodyTimeout": 20,
                "MaxBodySize": "16MiB",
                "MaxConnections": 500,
                "MaxRequestLine": "4KiB",
                "MaxHeaderBytes": 32768,
                "MaxHeaders": 50,
            },
            "Cache": {
                "MemorySize": "64MiB",
                "DiskPath": "cache",
                "DiskSize": "2GB",
                "ErrorCachingTTL": 3,
                "TargetedCacheControl": "X-Edge-Cache-Control",
            },
            "AccessLog": "logs/access.log",
        }
    )
    dist = parse_config(doc, base_dir=str(tmp_path))
    assert (dist.listen_host, dist.listen_port) == ("::1", 8443)
    assert (dist.node_name, dist.workers) == ("edge-7", 2)
    assert dist.tls is not None and dist.tls.certificate == str(tmp_path / "cert.pem")
    limits = dist.limits
    assert (limits.header_timeout, limits.idle_timeout, limits.body_timeout) == (5, 30, 20)
    assert (limits.max_body_bytes, limits.max_request_line) == (16 << 20, 4096)
    assert (limits.max_connections, limits.max_header_bytes, limits.max_headers) == (
        500,
        32768,
        50,
    )
    assert dist.cache.memory_bytes == 64 << 20
    assert dist.cache.disk_bytes == 2_000_000_000
    assert dist.cache.disk_path == str(tmp_path / "cache")
    assert dist.cache.error_caching_ttl == 3
    assert dist.cache.targeted_cache_control == "x-edge-cache-control"
    assert dist.access_log == str(tmp_path / "logs" / "access.log")


def test_access_log_can_be_switched_off() -> None:
    assert parse_config(document(Edgeworks={"AccessLog": False})).access_log is None
    assert parse_config(document()).access_log == "-"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1024", 1024), ("1KiB", 1024), ("1.5 MiB", 1572864), ("2k", 2000), ("1G", 10**9)],
)
def test_sizes(text: str, expected: int) -> None:
    dist = parse_config(document(Edgeworks={"Cache": {"MemorySize": text}}))
    assert dist.cache.memory_bytes == expected


def test_non_mapping_document_is_a_problem() -> None:
    assert problem_at(["Origins"], "(document)").value == ["Origins"]


def test_bracketed_ipv6_domain_name() -> None:
    doc = document(
        Origins=[
            {
                "Id": "app",
                "DomainName": "[::1]",
                "CustomOriginConfig": {"HTTPPort": 8000, "OriginProtocolPolicy": "http-only"},
            }
        ]
    )
    origin = parse_config(doc).origins["app"]
    assert (origin.host, origin.authority) == ("::1", "[::1]:8000")


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("twice.yaml", "Origins: []\nEdgeworks: {}\nOrigins: [1]\n", "line 3, column 1"),
        ("twice.json", '{"Origins": [], "Origins": 1}', "Origins"),
    ],
)
def test_a_key_written_twice_is_a_problem(
    tmp_path: Path, name: str, text: str, value: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert problem.value == value
    assert "twice" in problem.message
    assert caught.value.source == str(path)


def test_yaml_merge_keys_and_x_keys_for_anchors(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text(
        "x-origin: &origin {Url: 'http://127.0.0.1:8000'}\n"
        "Origins:\n  - <<: *origin\n    Id: app\n"
        "DefaultCacheBehavior: {TargetOriginId: app}\n"
    )
    assert load_config(path).origins["app"].port == 8000


def test_a_byte_order_mark_is_not_content(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document()).encode())
    assert load_config(path).origins["app"].port == 8000
