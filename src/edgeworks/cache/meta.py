"""The facade's metadata as bytes, so that storage tiers can keep it opaque.

Two kinds of record live in storage under a URL's cache key:

- an entry record (``E``): one stored response, when the response had no Vary;
- a variants record (``V``): the Vary name sets seen for the key, newest first, and an epoch.
  Each variant then lives under its own key, derived from the cache key, the epoch, the names
  and the normalised request values (RFC 9111 §4.1). A new epoch after a removal makes every
  older variant unreachable, so an invalidated variant never comes back.

Records are JSON after a one-byte tag; header bytes travel as Latin-1 text.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from edgeworks.cache.entry import Entry, shared
from edgeworks.cache.rules.freshness import Freshness
from edgeworks.cache.storage import DiskObject

ENTRY_TAG = b"E"
VARIANTS_TAG = b"V"
# Distinct Vary name sets remembered per key; older ones fall out of the record.
MAX_NAME_SETS = 4
# A variant key is the cache key, "\x00v" and a digest of this many bytes.
_DIGEST = 16
_VARIANT_SUFFIX = 2 + _DIGEST


@dataclass(frozen=True, slots=True)
class Variants:
    """The Vary name sets seen for one cache key (newest first) and the key epoch."""

    epoch: str
    name_sets: tuple[tuple[bytes, ...], ...]

    def __post_init__(self) -> None:
        # Most URLs of a site vary on the same names: keep those sets once.
        object.__setattr__(self, "name_sets", shared(self.name_sets))

    def with_names(self, names: tuple[bytes, ...]) -> Variants:
        """Return the record with ``names`` moved to the front."""
        rest = tuple(found for found in self.name_sets if found != names)
        return Variants(self.epoch, ((names, *rest))[:MAX_NAME_SETS])


def new_epoch() -> str:
    """Return a new variants epoch (random, so no older variant key can collide)."""
    return os.urandom(6).hex()


def variant_key(
    key: bytes, epoch: str, values: tuple[bytes | None, ...], names: tuple[bytes, ...]
) -> bytes:
    """Return the storage key of one variant of ``key`` (RFC 9111 §4.1 selection)."""
    digest = hashlib.blake2b(digest_size=_DIGEST)
    digest.update(epoch.encode("ascii"))
    for name, value in zip(names, values, strict=True):
        digest.update(b"\x00%s\x01%s" % (name, b"\x02" if value is None else b"\x03" + value))
    return key + b"\x00v" + digest.digest()


def encode_variants(record: Variants) -> bytes:
    """Serialise a variants record."""
    sets = [[_text(name) for name in names] for names in record.name_sets]
    return VARIANTS_TAG + json.dumps({"epoch": record.epoch, "sets": sets}).encode("ascii")


def decode_variants(meta: bytes) -> Variants | None:
    """Parse a variants record, or None when ``meta`` is not one."""
    if not meta.startswith(VARIANTS_TAG):
        return None
    try:
        data = json.loads(meta[1:])
        sets = tuple(tuple(_bytes(name) for name in names) for names in data["sets"])
        return Variants(str(data["epoch"]), sets)
    except (ValueError, KeyError, TypeError):
        return None


def encode_entry(entry: Entry) -> bytes:
    """Serialise everything about an entry except its body and length."""
    fresh = entry.freshness
    data = {
        "status": entry.status,
        "reason": _text(entry.reason),
        "stored": [[_text(n), _text(v)] for n, v in entry.stored],
        "hidden": sorted(_text(n) for n in entry.viewer_fields),
        "times": [entry.request_time, entry.response_time, entry.initial_age],
        "fresh": [
            fresh.lifetime,
            fresh.revalidate_always,
            fresh.stale_allowed,
            fresh.stale_while_revalidate,
            fresh.stale_if_error,
        ],
        "vary": [_text(n) for n in entry.vary],
        "values": [None if v is None else _text(v) for v in entry.vary_values],
        "ttls": list(entry.ttls),
        "url": None if entry.url is None else _text(entry.url),
    }
    return ENTRY_TAG + json.dumps(data, separators=(",", ":")).encode("ascii")


def decode_entry(
    meta: bytes, body: bytes | None, length: int, disk: DiskObject | None = None
) -> Entry | None:
    """Rebuild an entry from its record, or None when ``meta`` is not a valid entry record."""
    if not meta.startswith(ENTRY_TAG):
        return None
    try:
        return _entry(json.loads(meta[1:]), body, length, disk)
    except (ValueError, KeyError, TypeError):
        return None


def _entry(data: Any, body: bytes | None, length: int, disk: DiskObject | None) -> Entry:
    request_time, response_time, initial_age = (float(t) for t in data["times"])
    lifetime, revalidate, stale_allowed, swr, sie = data["fresh"]
    min_ttl, default_ttl, max_ttl = (float(t) for t in data["ttls"])
    return Entry(
        status=int(data["status"]),
        reason=_bytes(data["reason"]),
        source=[(_bytes(n), _bytes(v)) for n, v in data["stored"]],
        viewer_fields=(frozenset(_bytes(n) for n in data["hidden"])),
        body=body,
        length=length,
        request_time=request_time,
        response_time=response_time,
        initial_age=initial_age,
        freshness=(Freshness(float(lifetime), bool(revalidate), bool(stale_allowed), swr, sie)),
        vary=tuple(_bytes(n) for n in data["vary"]),
        vary_values=tuple(None if v is None else _bytes(v) for v in data["values"]),
        ttls=((min_ttl, default_ttl, max_ttl)),
        disk=disk,
        url=_url(data.get("url")),
    )


def url_keys(skey: bytes, meta: bytes) -> tuple[bytes, tuple[bytes, ...]] | None:
    """Return the URL an entry record under ``skey`` was stored for, and its keys.

    The keys are ``skey`` and, for a variant, the cache key its variants record lives under
    (see :func:`variant_key`). None for variants records and records without a URL.
    """
    if not meta.startswith(ENTRY_TAG):
        return None
    try:
        data = json.loads(meta[1:])
        url = _url(data.get("url"))
        varies = bool(data.get("vary"))
    except (ValueError, AttributeError):
        return None
    if url is None:
        return None
    if varies and skey[-_VARIANT_SUFFIX:-_DIGEST] == b"\x00v":
        return url, (skey, skey[:-_VARIANT_SUFFIX])
    return url, (skey,)


def _url(value: object) -> bytes | None:
    return _bytes(value) if isinstance(value, str) else None


def _text(value: bytes) -> str:
    return value.decode("latin-1")


def _bytes(value: str) -> bytes:
    return value.encode("latin-1")
