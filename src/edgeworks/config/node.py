"""The ``Edgeworks`` section: what a self-hosted node needs and CloudFront has no field for.

Relative file paths (TLS files, disk cache, access log) are taken from the directory of the
configuration file when there is one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from edgeworks.config.model import TLS, CacheStorage, Limits
from edgeworks.config.reader import Reader, join, present
from edgeworks.config.values import FIELD_NAME, parse_listen, parse_size

NODE_FIELDS = ("Listen", "NodeName", "Workers", "TLS", "Limits", "Cache", "AccessLog")
TLS_FIELDS = ("Certificate", "PrivateKey")
# (document field, Limits attribute, kind) where kind is "size", "count" or "seconds".
LIMIT_FIELDS = (
    ("MaxRequestLine", "max_request_line", "size"),
    ("MaxHeaderBytes", "max_header_bytes", "size"),
    ("MaxHeaders", "max_headers", "count"),
    ("MaxBodySize", "max_body_bytes", "size"),
    ("HeaderTimeout", "header_timeout", "seconds"),
    ("IdleTimeout", "idle_timeout", "seconds"),
    ("BodyTimeout", "body_timeout", "seconds"),
    ("MaxConnections", "max_connections", "count"),
    ("DrainTimeout", "drain_timeout", "seconds"),
)
CACHE_FIELDS = ("MemorySize", "DiskPath", "DiskSize", "ErrorCachingTTL", "TargetedCacheControl")


@dataclass(frozen=True, slots=True)
class NodeSettings:
    """The parsed ``Edgeworks`` section, with the model's defaults where a field is absent."""

    listen: tuple[str, int] = ("127.0.0.1", 8080)
    node_name: str = "edgeworks"
    workers: int = 0
    tls: TLS | None = None
    limits: Limits = field(default_factory=Limits)
    cache: CacheStorage = field(default_factory=CacheStorage)
    access_log: str | None = "-"


def parse_node(reader: Reader, value: Any, path: str, base: str | None) -> NodeSettings:
    """Return the node settings from the ``Edgeworks`` section (absent: all defaults)."""
    if value is None:
        return NodeSettings()
    doc = reader.mapping(value, path, NODE_FIELDS)
    if doc is None:
        return NodeSettings()
    listen = ("127.0.0.1", 8080)
    if "Listen" in doc:
        listen = parse_listen(doc["Listen"], join(path, "Listen"), reader.problems) or listen

    return NodeSettings(
        listen=listen,
        node_name=_node_name(reader, doc, path),
        workers=reader.integer(doc, "Workers", path, 0, least=0, most=1024),
        tls=_tls(reader, doc.get("TLS"), join(path, "TLS"), base),
        limits=_limits(reader, doc.get("Limits"), join(path, "Limits")),
        cache=_cache(reader, doc.get("Cache"), join(path, "Cache"), base),
        access_log=_access_log(reader, doc, path, base),
    )


def _node_name(reader: Reader, doc: dict[str, Any], path: str) -> str:
    name = reader.text(doc, "NodeName", path, default="edgeworks") or "edgeworks"
    # The name goes into Via (RFC 9110 §7.6.3 pseudonym): a token, no spaces or commas.
    if not all(c.isalnum() or c in "-._" for c in name):
        reader.problem(
            join(path, "NodeName"), name, "must use only letters, digits, '-', '.', '_'"
        )
        return "edgeworks"
    return name


def resolve(path: str, base: str | None) -> str:
    """Return ``path`` made absolute against ``base`` (the configuration's directory)."""
    expanded = os.path.expanduser(path)
    return os.path.normpath(os.path.join(base, expanded)) if base else expanded


def _tls(reader: Reader, value: Any, path: str, base: str | None) -> TLS | None:
    if value is None:
        return None
    doc = reader.mapping(value, path, TLS_FIELDS, required=TLS_FIELDS)
    if doc is None:
        return None
    files = []
    for key in TLS_FIELDS:
        name = reader.text(doc, key, path)
        if name is None:
            continue
        full = resolve(name, base)
        if not os.path.isfile(full):
            reader.problem(join(path, key), name, f"no such file ({full})")
            continue
        files.append(full)

    return TLS(files[0], files[1]) if len(files) == 2 else None


def _limits(reader: Reader, value: Any, path: str) -> Limits:
    defaults = Limits()
    if value is None:
        return defaults
    doc = reader.mapping(value, path, [name for name, _, _ in LIMIT_FIELDS])
    if not doc:
        return defaults
    found: dict[str, Any] = {}
    for name, attribute, kind in LIMIT_FIELDS:
        if doc.get(name) is None:
            continue
        default = getattr(defaults, attribute)
        if kind == "seconds":
            found[attribute] = reader.seconds(doc, name, path, default, positive=True)
        elif kind == "count":
            found[attribute] = reader.integer(doc, name, path, default, least=1)
        else:
            size = parse_size(doc[name], join(path, name), reader.problems, least=1)
            found[attribute] = default if size is None else size

    return Limits(**{**_fields(defaults), **found})


def _fields(limits: Limits) -> dict[str, Any]:
    return {attribute: getattr(limits, attribute) for _, attribute, _ in LIMIT_FIELDS}


def _cache(reader: Reader, value: Any, path: str, base: str | None) -> CacheStorage:
    defaults = CacheStorage()
    doc = reader.mapping(value, path, CACHE_FIELDS) if value is not None else None
    if not doc:
        return defaults
    sizes = []
    for key, default in (("MemorySize", defaults.memory_bytes), ("DiskSize", defaults.disk_bytes)):
        size = parse_size(present(doc, key, default), join(path, key), reader.problems)
        sizes.append(default if size is None else size)
    disk_path = reader.text(doc, "DiskPath", path)

    return CacheStorage(
        memory_bytes=sizes[0],
        disk_path=resolve(disk_path, base) if disk_path else None,
        disk_bytes=sizes[1],
        error_caching_ttl=reader.seconds(doc, "ErrorCachingTTL", path, defaults.error_caching_ttl),
        targeted_cache_control=_field_name(reader, doc, path, defaults.targeted_cache_control),
    )


def _field_name(reader: Reader, doc: dict[str, Any], path: str, default: str) -> str:
    name = reader.text(doc, "TargetedCacheControl", path, default) or default
    # RFC 9213 §2: a targeted field is an ordinary field name, so a token (RFC 9110 §5.1).
    if not FIELD_NAME.fullmatch(name):
        reader.problem(join(path, "TargetedCacheControl"), name, "must be a valid header name")
        return default
    return name.lower()


def _access_log(reader: Reader, doc: dict[str, Any], path: str, base: str | None) -> str | None:
    value = doc.get("AccessLog", "-")
    if value is None or value is False:
        return None
    if value == "-":
        return "-"
    if not isinstance(value, str) or not value:
        message = "must be a file path, '-' for standard output, or false for none"
        reader.problem(join(path, "AccessLog"), value, message)
        return "-"
    return resolve(value, base)
