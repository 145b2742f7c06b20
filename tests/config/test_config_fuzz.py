"""Arbitrary documents and texts never raise anything but ConfigError."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.config.helpers import BASE

from edgeworks.config import ConfigError, load_config, parse_config
from edgeworks.config.behaviors import BEHAVIOR_FIELDS
from edgeworks.config.document import DISTRIBUTION_FIELDS, SECTIONS
from edgeworks.config.errors import Problem
from edgeworks.config.load import parse_text
from edgeworks.config.model import Distribution
from edgeworks.config.node import CACHE_FIELDS, NODE_FIELDS
from edgeworks.config.origins import CUSTOM_ORIGIN_FIELDS, GROUP_FIELDS, ORIGIN_FIELDS
from edgeworks.config.policies import CACHE_CONFIG_FIELDS, PARAMETER_FIELDS

# Known field names mixed with strangers, so generated documents reach deep into the parser.
FIELD_NAMES = sorted(
    {
        *DISTRIBUTION_FIELDS, *SECTIONS, *BEHAVIOR_FIELDS, *ORIGIN_FIELDS,
        *CUSTOM_ORIGIN_FIELDS, *GROUP_FIELDS, *CACHE_CONFIG_FIELDS, *PARAMETER_FIELDS,
        *NODE_FIELDS, *CACHE_FIELDS, "Quantity", "Items", "Id", "OriginId", "StatusCodes",
        "HeaderBehavior", "Headers", "CookieBehavior", "Cookies", "QueryStringBehavior",
        "QueryStrings", "HeadersConfig", "CookiesConfig", "QueryStringsConfig", "Forward",
        "CachePolicyConfig", "HeaderName", "HeaderValue", "Certificate", "PrivateKey",
    }
)  # fmt: skip
WORDS = [
    "app", "ALL", "GET", "HEAD", "OPTIONS", "POST", "*", "/a/*", "http://127.0.0.1:8000",
    "https://[::1]:99", "CachingOptimized", "AllViewer", "whitelist", "allExcept", "all",
    "none", "http-only", "match-viewer", "1KiB", "127.0.0.1:0", "-", "",
]  # fmt: skip

keys = st.sampled_from(FIELD_NAMES) | st.text(max_size=6)
leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-3, max_value=70000)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(WORDS)
    | st.text(max_size=8)
)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)


def check_outcome(document: Any) -> None:
    try:
        result = parse_config(document)
    except ConfigError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert isinstance(problem, Problem) and problem.path and problem.message
            assert str(problem)
        return
    assert isinstance(result, Distribution)
    for group in result.origin_groups.values():
        assert {group.primary, group.secondary} <= set(result.origins)
    for behavior in (result.default_behavior, *result.behaviors):
        target = behavior.target_origin_id
        assert target in result.origins or target in result.origin_groups


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, values, max_size=6))
def test_arbitrary_documents(document: dict[str, Any]) -> None:
    check_outcome(document)


RICH: dict[str, Any] = {
    **copy.deepcopy(BASE),
    "Origins": [
        {"Id": "app", "Url": "http://127.0.0.1:8000"},
        {
            "Id": "b",
            "DomainName": "b.example",
            "CustomHeaders": [{"HeaderName": "X-A", "HeaderValue": "1"}],
            "CustomOriginConfig": {"HTTPPort": 81, "OriginProtocolPolicy": "match-viewer"},
        },
    ],
    "OriginGroups": {
        "Quantity": 1,
        "Items": [
            {
                "Id": "g",
                "FailoverCriteria": {"StatusCodes": {"Quantity": 1, "Items": [502]}},
                "Members": {"Quantity": 2, "Items": [{"OriginId": "app"}, {"OriginId": "b"}]},
            }
        ],
    },
    "CacheBehaviors": [
        {
            "PathPattern": "/a/*",
            "TargetOriginId": "g",
            "AllowedMethods": {
                "Quantity": 2,
                "Items": ["GET", "HEAD"],
                "CachedMethods": ["GET", "HEAD"],
            },
            "CachePolicyId": "p",
            "OriginRequestPolicyId": "r",
        },
        {
            "PathPattern": "/b/*",
            "TargetOriginId": "b",
            "ForwardedValues": {
                "QueryString": True,
                "Cookies": {"Forward": "whitelist", "WhitelistedNames": ["s"]},
                "Headers": ["X-B"],
            },
            "MinTTL": 0,
        },
    ],
    "CachePolicies": [
        {
            "Id": "p",
            "CachePolicyConfig": {
                "Name": "p",
                "MinTTL": 0,
                "ParametersInCacheKeyAndForwardedToOrigin": {
                    "EnableAcceptEncodingGzip": True,
                    "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["X-A"]},
                    "CookiesConfig": {"CookieBehavior": "all"},
                    "QueryStringsConfig": {
                        "QueryStringBehavior": "allExcept",
                        "QueryStrings": ["u"],
                    },
                },
            },
        }
    ],
    "OriginRequestPolicies": [
        {
            "Name": "r",
            "HeadersConfig": {"HeaderBehavior": "allViewer"},
            "CookiesConfig": {"CookieBehavior": "none"},
            "QueryStringsConfig": {"QueryStringBehavior": "all"},
        }
    ],
    "CustomErrorResponses": {
        "Quantity": 2,
        "Items": [
            {"ErrorCode": 404, "ResponsePagePath": "/404.html", "ResponseCode": "404"},
            {"ErrorCode": 503, "ErrorCachingMinTTL": 1},
        ],
    },
    "Edgeworks": {
        "Listen": "127.0.0.1:0",
        "Limits": {"MaxBodySize": "1MiB", "IdleTimeout": 5},
        "Cache": {"MemorySize": 1, "DiskSize": "1GiB"},
    },
}


def test_the_rich_document_is_valid() -> None:
    assert isinstance(parse_config(RICH), Distribution)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A valid document with one field somewhere replaced by an arbitrary value."""
    doc = copy.deepcopy(RICH)
    target: Any = doc
    while True:
        children = list(target.items()) if isinstance(target, dict) else list(enumerate(target))
        key, child = draw(st.sampled_from(children))
        if not isinstance(child, dict | list) or not child or draw(st.booleans()):
            target[key] = draw(values)
            return doc
        target = child


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_mutated_valid_documents(document: dict[str, Any]) -> None:
    check_outcome(document)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    for name in ("doc.yaml", "doc.json", "doc"):
        try:
            check_outcome(parse_text(text, name))
        except ConfigError as exc:
            assert exc.problems


def test_self_referencing_yaml_is_reported_briefly(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("Origins: &loop [*loop]\nDefaultCacheBehavior: {TargetOriginId: x}\n")
    try:
        load_config(path)
    except ConfigError as exc:
        assert all(len(str(problem)) < 400 for problem in exc.problems)
    else:
        raise AssertionError("a looping document was accepted")


def test_invalid_yaml_dates_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "date.yaml"
    path.write_text("Comment: 2001-02-30\n")
    try:
        load_config(path)
    except ConfigError as exc:
        assert "not valid YAML" in exc.problems[0].message
    else:
        raise AssertionError("an impossible date was accepted")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(["d.yaml", "d.json", "d.conf"]))
def test_arbitrary_file_bytes(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        try:
            load_config(path)
        except ConfigError as exc:
            assert exc.problems
