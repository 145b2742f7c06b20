"""Origins and origin groups, in CloudFront's ``Origin`` and ``OriginGroup`` shapes.

An origin is written either as CloudFront writes it (``DomainName`` plus ``CustomOriginConfig``
or ``S3OriginConfig``) or with Edgeworks' shorthand ``Url: http://127.0.0.1:8000/prefix``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from edgeworks.config.model import Origin, OriginGroup
from edgeworks.config.reader import Reader, join, suggestion
from edgeworks.config.values import FIELD_NAME, is_hostname, parse_origin_url

ORIGIN_FIELDS = (
    "Id",
    "DomainName",
    "Url",
    "OriginPath",
    "CustomHeaders",
    "S3OriginConfig",
    "CustomOriginConfig",
    "VpcOriginConfig",
    "ConnectionAttempts",
    "ConnectionTimeout",
    "ResponseCompletionTimeout",
    "OriginShield",
    "OriginAccessControlId",
    "MaxConnections",
)
CUSTOM_ORIGIN_FIELDS = (
    "HTTPPort",
    "HTTPSPort",
    "OriginProtocolPolicy",
    "OriginSslProtocols",
    "OriginReadTimeout",
    "OriginKeepaliveTimeout",
    "IpAddressType",
    "OriginMtlsConfig",
)
PROTOCOL_POLICIES = ("http-only", "match-viewer", "https-only")
GROUP_FIELDS = ("Id", "FailoverCriteria", "Members", "SelectionCriteria")
# CloudFront: origin failover triggers only on these status codes.
FAILOVER_STATUSES = (400, 403, 404, 416, 500, 502, 503, 504)

# Fields an origin's CustomHeaders may not set: the proxy owns them (CloudFront rejects these).
_RESERVED_HEADERS = frozenset(
    {
        "cache-control", "connection", "content-length", "cookie", "host", "if-match",
        "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "keep-alive",
        "max-forwards", "pragma", "proxy-authorization", "proxy-connection", "range",
        "request-range", "te", "trailer", "transfer-encoding", "upgrade", "via",
    }
)  # fmt: skip


def declared_ids(reader: Reader, lists: list[tuple[Any, str]]) -> list[set[str]]:
    """Return the ``Id`` values declared in each of the given lists (origins, then groups).

    Broken entries count too, so that a reference to them is not reported a second time;
    an id declared twice (origins and groups share one namespace) is noted here.
    """
    seen: dict[str, str] = {}
    found: list[set[str]] = []
    quiet = Reader()
    for value, path in lists:
        found.append(set())
        for item_path, item in quiet.items(value, path):
            declared = item.get("Id") if isinstance(item, dict) else None
            if not isinstance(declared, str):
                continue
            if declared in seen:
                message = f"duplicate id (first at {seen[declared]}; origins and groups share ids)"
                reader.problem(join(item_path, "Id"), declared, message)
            seen.setdefault(declared, item_path)
            found[-1].add(declared)

    return found


def parse_origins(reader: Reader, value: Any, path: str) -> dict[str, Origin]:
    """Return the usable origins by id, noting missing and malformed ones."""
    origins: dict[str, Origin] = {}
    noted = len(reader.problems)
    entries = reader.items(value, path)
    if value is not None and not entries and len(reader.problems) == noted:
        reader.problem(path, value, "at least one origin is required")
    for item_path, item in entries:
        origin = parse_origin(reader, item, item_path)
        if origin is not None:
            origins.setdefault(origin.id, origin)
    return origins


def parse_origin(reader: Reader, value: Any, path: str) -> Origin | None:
    """Return one origin, or None when it is too broken to use."""
    doc = reader.mapping(value, path, ORIGIN_FIELDS, required=("Id",))
    if doc is None:
        return None
    origin_id = reader.text(doc, "Id", path)
    base = _address(reader, doc, path, origin_id or "")
    headers_path = join(path, "CustomHeaders")
    custom_headers = _custom_headers(reader, doc.get("CustomHeaders"), headers_path)
    connect_timeout = reader.seconds(doc, "ConnectionTimeout", path, 10.0, positive=True)
    attempts = reader.integer(doc, "ConnectionAttempts", path, 3, least=1, most=10)
    max_connections = reader.integer(doc, "MaxConnections", path, 256, least=1)
    origin_path = _origin_path(reader, doc, path, base.path if base else "")

    if origin_id is None or base is None:
        return None

    return dataclasses.replace(
        base,
        path=origin_path,
        custom_headers=custom_headers,
        connect_timeout=connect_timeout,
        connection_attempts=attempts,
        max_connections=max_connections,
    )


def _address(reader: Reader, doc: dict[str, Any], path: str, origin_id: str) -> Origin | None:
    if "Url" in doc:
        if "DomainName" in doc or "CustomOriginConfig" in doc:
            reader.problem(join(path, "Url"), doc["Url"], "use Url or DomainName, not both")
        problems = reader.problems
        return parse_origin_url(origin_id, doc["Url"], join(path, "Url"), problems)
    domain = reader.text(doc, "DomainName", path)
    if domain is None:
        if doc.get("DomainName") is None:
            reader.problem(join(path, "DomainName"), None, "DomainName or Url is required")
        return None
    domain = domain.removeprefix("[").removesuffix("]")  # a bracketed IPv6 address
    valid = is_hostname(domain)
    if not valid:
        reader.problem(join(path, "DomainName"), domain, "must be a host name or an IP address")
    origin = _connection(reader, doc, path, origin_id, domain)

    return origin if valid else None


def _connection(
    reader: Reader, doc: dict[str, Any], path: str, origin_id: str, domain: str
) -> Origin | None:
    if "CustomOriginConfig" in doc:
        return _custom(
            reader, doc["CustomOriginConfig"], join(path, "CustomOriginConfig"), origin_id, domain
        )
    if "S3OriginConfig" in doc:
        return _bucket(
            reader, doc["S3OriginConfig"], join(path, "S3OriginConfig"), origin_id, domain
        )
    reader.problem(
        path, doc, "needs Url, CustomOriginConfig or S3OriginConfig to say how to connect"
    )
    return None


def _custom(reader: Reader, value: Any, path: str, origin_id: str, domain: str) -> Origin | None:
    doc = reader.mapping(value, path, CUSTOM_ORIGIN_FIELDS, required=("OriginProtocolPolicy",))
    if doc is None:
        return None
    http_port = reader.integer(doc, "HTTPPort", path, 80, least=1, most=65535)
    https_port = reader.integer(doc, "HTTPSPort", path, 443, least=1, most=65535)
    policy = reader.choice(doc, "OriginProtocolPolicy", path, PROTOCOL_POLICIES, "http-only")
    secure = policy == "https-only"

    return Origin(
        id=origin_id,
        scheme="https" if secure else "http",
        host=domain,
        port=https_port if secure else http_port,
        read_timeout=reader.seconds(doc, "OriginReadTimeout", path, 30.0, positive=True),
        keepalive_timeout=reader.seconds(doc, "OriginKeepaliveTimeout", path, 5.0),
        protocol_policy=policy,
        https_port=https_port,
    )


def _bucket(reader: Reader, value: Any, path: str, origin_id: str, domain: str) -> Origin | None:
    # A bucket endpoint speaks HTTPS on the standard port. The access identity is accepted
    # for compatibility and not used: Edgeworks does not sign requests to buckets.
    doc = reader.mapping(value, path, ("OriginAccessIdentity", "OriginReadTimeout"))
    if doc is None:
        return None
    timeout = reader.seconds(doc, "OriginReadTimeout", path, 30.0, positive=True)
    return Origin(
        origin_id, "https", domain, 443, read_timeout=timeout, protocol_policy="https-only"
    )


def _origin_path(reader: Reader, doc: dict[str, Any], path: str, from_url: str) -> str:
    value = reader.text(doc, "OriginPath", path, default=from_url)
    if value is None:
        return from_url
    if from_url and doc.get("OriginPath") is not None:
        message = "the Url already has a path; give the path in one place"
        reader.problem(join(path, "OriginPath"), value, message)
        return from_url
    # CloudFront: OriginPath starts with "/" and does not end with one.
    if value and (not value.startswith("/") or value.endswith("/") or "?" in value):
        reader.problem(
            join(path, "OriginPath"),
            value,
            "must start with '/', not end with '/' and have no '?'",
        )
        return from_url

    return value


def _custom_headers(reader: Reader, value: Any, path: str) -> tuple[tuple[str, str], ...]:
    headers = []
    for item_path, item in reader.items(value, path):
        doc = reader.mapping(
            item, item_path, ("HeaderName", "HeaderValue"), ("HeaderName", "HeaderValue")
        )
        if doc is None:
            continue
        name, text = doc.get("HeaderName"), doc.get("HeaderValue")
        if not isinstance(name, str) or not FIELD_NAME.fullmatch(name):
            reader.problem(join(item_path, "HeaderName"), name, "must be a valid header name")
        elif name.lower() in _RESERVED_HEADERS:
            reader.problem(join(item_path, "HeaderName"), name, "is set by the proxy itself")
        elif not isinstance(text, str) or any(c in text for c in "\r\n\x00"):
            reader.problem(
                join(item_path, "HeaderValue"), text, "must be text without CR, LF or NUL"
            )
        else:
            headers.append((name, text))
    return tuple(headers)


def parse_origin_groups(
    reader: Reader, value: Any, path: str, origin_ids: Collection[str]
) -> dict[str, OriginGroup]:
    """Return origin groups by id; members must be two declared origins (primary, secondary)."""
    groups: dict[str, OriginGroup] = {}
    for item_path, item in reader.items(value, path):
        group = _group(reader, item, item_path, origin_ids)
        if group is not None:
            groups.setdefault(group.id, group)
    return groups


def _group(
    reader: Reader, value: Any, path: str, origin_ids: Collection[str]
) -> OriginGroup | None:
    doc = reader.mapping(value, path, GROUP_FIELDS, required=("Id", "FailoverCriteria", "Members"))
    if doc is None:
        return None
    group_id = reader.text(doc, "Id", path)
    reader.choice(doc, "SelectionCriteria", path, ("default", "media-quality-based"), "default")
    statuses = _statuses(reader, doc.get("FailoverCriteria"), join(path, "FailoverCriteria"))
    members = _members(reader, doc.get("Members"), join(path, "Members"), origin_ids)
    if group_id is None or members is None:
        return None
    return OriginGroup(group_id, members[0], members[1], statuses)


def _statuses(reader: Reader, value: Any, path: str) -> frozenset[int]:
    if value is None:
        return frozenset()
    doc = reader.mapping(value, path, ("StatusCodes",), required=("StatusCodes",)) or {}
    codes_path = join(path, "StatusCodes")
    entries = reader.items(doc.get("StatusCodes"), codes_path)
    if doc.get("StatusCodes") is not None and not entries:
        reader.problem(codes_path, doc["StatusCodes"], "list at least one status code")
    found = set()
    for item_path, item in entries:
        if item in FAILOVER_STATUSES and not isinstance(item, bool):
            found.add(int(item))
        else:
            listed = ", ".join(map(str, FAILOVER_STATUSES))
            reader.problem(item_path, item, f"must be one of: {listed}")

    return frozenset(found)


def _members(
    reader: Reader, value: Any, path: str, origin_ids: Collection[str]
) -> tuple[str, str] | None:
    ids = []
    entries = reader.items(value, path)
    for item_path, item in entries:
        doc = reader.mapping(item, item_path, ("OriginId",), required=("OriginId",))
        origin_id = reader.text(doc, "OriginId", item_path) if doc else None
        if origin_id is None:
            continue
        if origin_id not in origin_ids:
            hint = suggestion(origin_id, origin_ids)
            reader.problem(join(item_path, "OriginId"), origin_id, f"no origin has this id{hint}")
        ids.append(origin_id)
    if value is not None and len(entries) != 2:
        reader.problem(path, value, f"an origin group has exactly 2 members, not {len(entries)}")
        return None
    if len(ids) == 2 and ids[0] == ids[1]:
        reader.problem(path, value, "the primary and the secondary must be different origins")
        return None

    return (ids[0], ids[1]) if len(ids) == 2 else None
