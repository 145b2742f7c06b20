"""A whole configuration document, checked into a :class:`Distribution`.

The document is a ``DistributionConfig`` in CloudFront's names, either at the top level or
under a ``DistributionConfig`` key (as the API's GetDistributionConfig returns it, ``ETag``
included), next to three optional sections: ``CachePolicies``, ``OriginRequestPolicies`` and
``Edgeworks``. CloudFront fields that a self-hosted node does not act on (aliases, price class,
certificates from a certificate service, web ACLs, logging buckets and the like) are accepted so
that an exported configuration loads, and have no effect.
"""

from __future__ import annotations

import re
from typing import Any

from edgeworks.config.behaviors import PolicyBook, parse_behavior
from edgeworks.config.custom_errors import parse_error_responses
from edgeworks.config.errors import ConfigError, Problem
from edgeworks.config.model import (
    Behavior,
    CachePolicy,
    Distribution,
    Origin,
    OriginGroup,
    OriginRequestPolicy,
)
from edgeworks.config.node import parse_node
from edgeworks.config.origins import declared_ids, parse_origin_groups, parse_origins
from edgeworks.config.policies import parse_cache_policy, parse_origin_request_policy
from edgeworks.config.reader import Reader, join

DISTRIBUTION_FIELDS = (
    "CallerReference", "Aliases", "DefaultRootObject", "Origins", "OriginGroups",
    "DefaultCacheBehavior", "CacheBehaviors", "CustomErrorResponses", "Comment", "Logging",
    "PriceClass", "Enabled", "ViewerCertificate", "Restrictions", "WebACLId", "HttpVersion",
    "IsIPV6Enabled", "ContinuousDeploymentPolicyId", "Staging", "AnycastIpListId",
    "TenantConfig", "ConnectionMode", "ViewerMtlsConfig", "ConnectionFunctionAssociation",
    "CacheTagConfig",
)  # fmt: skip
SECTIONS = ("CachePolicies", "OriginRequestPolicies", "Edgeworks")
WRAPPED_FIELDS = ("DistributionConfig", "ETag", *SECTIONS)
REQUIRED = ("Origins", "DefaultCacheBehavior")


def parse_config(document: Any, source: str = "", base_dir: str | None = None) -> Distribution:
    """Return the distribution a parsed document describes.

    Args:
        document: The document as parsed from YAML or JSON.
        source: Where it came from, for the error message.
        base_dir: Directory that relative file paths in the document are relative to.

    Raises:
        ConfigError: With every problem found, each naming its field path and value.
    """
    reader = Reader()
    dist, path = _distribution_part(reader, document)
    sections = document if isinstance(document, dict) else {}
    book = _policy_book(reader, sections)
    origins, groups, targets = _origins(reader, dist, path)
    default, behaviors = _all_behaviors(reader, dist, path, book, targets)
    node = parse_node(reader, sections.get("Edgeworks"), "Edgeworks", base_dir)
    errors_path = join(path, "CustomErrorResponses")
    error_responses = parse_error_responses(reader, dist.get("CustomErrorResponses"), errors_path)

    if not reader.problems and default is not None:
        _check_references(reader, origins, groups, (default, *behaviors))
    if reader.problems or default is None:
        raise ConfigError(in_document_order(reader.problems, document), source)
    return Distribution(
        origins=origins,
        default_behavior=default,
        behaviors=behaviors,
        origin_groups=groups,
        listen_host=node.listen[0],
        listen_port=node.listen[1],
        node_name=node.node_name,
        workers=node.workers,
        tls=node.tls,
        limits=node.limits,
        cache=node.cache,
        access_log=node.access_log,
        error_responses=error_responses,
    )


def _origins(
    reader: Reader, dist: dict[str, Any], path: str
) -> tuple[dict[str, Origin], dict[str, OriginGroup], set[str]]:
    """Return origins, origin groups and every declared id a behaviour may target."""
    origins_path, groups_path = join(path, "Origins"), join(path, "OriginGroups")
    lists = [(dist.get("Origins"), origins_path), (dist.get("OriginGroups"), groups_path)]
    origin_ids, group_ids = declared_ids(reader, lists)
    origins = parse_origins(reader, dist.get("Origins"), origins_path)
    groups = parse_origin_groups(reader, dist.get("OriginGroups"), groups_path, origin_ids)
    return origins, groups, origin_ids | group_ids


def _check_references(
    reader: Reader,
    origins: dict[str, Origin],
    groups: dict[str, OriginGroup],
    behaviors: tuple[Behavior, ...],
) -> None:
    """Note any reference left dangling; the readers above report the cause, so this is a guard."""
    for group in groups.values():
        for member in (group.primary, group.secondary):
            if member not in origins:
                reader.problem(f"OriginGroups[{group.id!r}]", member, "member origin is unusable")
    for behavior in behaviors:
        if behavior.target_origin_id not in origins and behavior.target_origin_id not in groups:
            where = f"behaviour {behavior.path_pattern!r}"
            reader.problem(where, behavior.target_origin_id, "target origin is unusable")


def _all_behaviors(
    reader: Reader, dist: dict[str, Any], path: str, book: PolicyBook, targets: set[str]
) -> tuple[Behavior | None, tuple[Behavior, ...]]:
    """Return the default behaviour (None if missing or broken) and the ordered ones."""
    default = None
    if "DefaultCacheBehavior" in dist:
        default_path = join(path, "DefaultCacheBehavior")
        value = dist["DefaultCacheBehavior"]
        default = parse_behavior(reader, value, default_path, book, targets, default=True)
    ordered_path = join(path, "CacheBehaviors")
    return default, _behaviors(reader, dist.get("CacheBehaviors"), ordered_path, book, targets)


def in_document_order(problems: list[Problem], document: Any) -> list[Problem]:
    """Return problems ordered by the document's top-level sections, as a reader meets them.

    Policies are read first because behaviours refer to them, wherever they stand in the file.
    """
    order = (
        {key: index for index, key in enumerate(document)} if isinstance(document, dict) else {}
    )

    def position(problem: Problem) -> int:
        top = re.split(r"[.\[]", problem.path, maxsplit=1)[0]
        return order.get(top, len(order))

    return sorted(problems, key=position)


def _distribution_part(reader: Reader, document: Any) -> tuple[dict[str, Any], str]:
    """Return the DistributionConfig mapping and its path, checking the top-level keys."""
    if isinstance(document, dict):
        # Top-level "x-" keys are the document's own, a place for YAML anchors to live.
        document = {k: v for k, v in document.items() if not _extension(k)}
    if isinstance(document, dict) and "DistributionConfig" in document:
        reader.mapping(document, "", WRAPPED_FIELDS)
        path = "DistributionConfig"
        inner = reader.mapping(document["DistributionConfig"], path, DISTRIBUTION_FIELDS, REQUIRED)
        return inner or {}, path
    found = reader.mapping(document, "", (*DISTRIBUTION_FIELDS, *SECTIONS), REQUIRED)
    return found or {}, ""


def _extension(key: Any) -> bool:
    return isinstance(key, str) and key[:2] in ("x-", "X-")


def _policy_book(reader: Reader, sections: dict[str, Any]) -> PolicyBook:
    cache: dict[str, CachePolicy] = {}
    for item_path, item in reader.items(sections.get("CachePolicies"), "CachePolicies"):
        policy = parse_cache_policy(reader, item, item_path)
        if policy is not None:
            _file(reader, cache, policy, item_path)
    requests: dict[str, OriginRequestPolicy] = {}
    entries = reader.items(sections.get("OriginRequestPolicies"), "OriginRequestPolicies")
    for item_path, item in entries:
        request = parse_origin_request_policy(reader, item, item_path)
        if request is not None:
            _file(reader, requests, request, item_path)
    return PolicyBook(cache, requests)


def _file(
    reader: Reader,
    table: dict[str, Any],
    policy: CachePolicy | OriginRequestPolicy,
    path: str,
) -> None:
    """Index a policy by id and name, noting an id or name already taken."""
    for key in dict.fromkeys((policy.id, policy.name)):
        if key in table and table[key] is not policy:
            reader.problem(path, key, "another policy already has this id or name")
        table[key] = policy


def _behaviors(
    reader: Reader, value: Any, path: str, book: PolicyBook, targets: set[str]
) -> tuple[Behavior, ...]:
    behaviors: list[Behavior] = []
    seen: dict[str, str] = {}
    for item_path, item in reader.items(value, path):
        behavior = parse_behavior(reader, item, item_path, book, targets)
        if behavior is None:
            continue
        pattern = behavior.path_pattern
        if pattern.lstrip("/") in seen:
            message = f"duplicate path pattern (first at {seen[pattern.lstrip('/')]})"
            reader.problem(join(item_path, "PathPattern"), pattern, message)
        seen.setdefault(pattern.lstrip("/"), item_path)
        behaviors.append(behavior)

    return tuple(behaviors)
