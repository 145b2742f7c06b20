"""A stored response, ready to be written to a viewer.

An :class:`Entry` keeps the stored fields (RFC 9111 §3.1), the times needed for the age
calculation (§4.2.3), the freshness fixed when it was stored, and its Vary selection (§4.1). The
response head is prepared once, at store time, so a hit writes ``head + Age + X-Cache + CRLF +
body`` without touching the fields again.

An entry read back from storage does not keep its field list decoded: only conditional, range
and refresh answers need it, so it is decoded again from the stored record when asked for. That
keeps the memory an entry costs beside its body near the size of its prepared head.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus

from edgeworks.cache.rules.directives import DELTA_SECONDS_CAP
from edgeworks.cache.rules.fields import EntityTag, parse_entity_tags
from edgeworks.cache.rules.freshness import Freshness, current_age
from edgeworks.cache.rules.reuse import Stored
from edgeworks.cache.storage import DiskObject
from edgeworks.http.headers import Headers, get, without


@dataclass(slots=True, eq=False)
class Entry:
    """One stored response (a single variant of one cache key).

    Attributes:
        status: the stored status code.
        reason: the reason phrase sent with it.
        source: the stored fields, or the stored record they are decoded from on demand
            (see ``edgeworks.cache.meta``); read them through :attr:`stored`.
        viewer_fields: the names removed from what viewers see (targeted fields, RFC 9213).
        body: the whole body when held in memory, else None.
        path: the file holding the body on disk, else None.
        offset: where the body starts in ``path``.
        length: the body length in bytes.
        request_time: when the request that fetched it was sent.
        response_time: when its response arrived.
        initial_age: corrected_initial_age (RFC 9111 §4.2.3).
        freshness: lifetime and stale permissions.
        vary: the lower-case names listed by Vary (sorted).
        vary_values: the normalised request values of those names when it was stored.
        ttls: the policy's (MinTTL, DefaultTTL, MaxTTL) it was stored under, for refreshes.
        disk: the open disk object holding a large body, else None; closed with :meth:`close`.
        head: prepared status line and fields, without Age, X-Cache and the final CRLF.
        has_validator: it carries an ETag or Last-Modified (RFC 9111 §4.3.1).
    """

    status: int
    reason: bytes
    source: Headers | bytes
    viewer_fields: frozenset[bytes]
    body: bytes | None
    length: int
    request_time: float
    response_time: float
    initial_age: float
    freshness: Freshness
    vary: tuple[bytes, ...] = ()
    vary_values: tuple[bytes | None, ...] = ()
    ttls: tuple[float, float, float] = (0.0, 0.0, 31536000.0)
    path: str | None = None
    offset: int = 0
    disk: DiskObject | None = None
    head: bytes = field(default=b"", init=False)
    has_validator: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        stored = self.stored
        self.head = build_head(self.status, self.reason, self.fields(stored))
        has_etag = bool(parse_entity_tags(get(stored, b"etag")))
        self.has_validator = has_etag or get(stored, b"last-modified") is not None

    @property
    def stored(self) -> Headers:
        """Every stored field, targeted cache fields included (RFC 9111 §3.1, RFC 9213)."""
        source = self.source
        if isinstance(source, bytes):
            from edgeworks.cache.meta import decode_stored  # the record format lives there

            return decode_stored(source)
        return source

    def fields(self, stored: Headers | None = None) -> Headers:
        """Return the fields a viewer gets, with Content-Length set to the body length."""
        stored = self.stored if stored is None else stored
        visible = without(stored, self.viewer_fields | {b"content-length"})
        if self.status not in (204, 304) and self.status >= 200:
            visible.append((b"content-length", str(self.length).encode("ascii")))
        return visible

    def close(self) -> None:
        """Close the disk file behind a large body, if any."""
        if self.disk is not None:
            self.disk.close()

    def age(self, now: float) -> int:
        """Return the current age in whole seconds (RFC 9111 §4.2.3, §5.1).

        An age too large to send is sent as 2^31 (RFC 9111 §1.2.2).
        """
        return min(int(current_age(self.initial_age, self.response_time, now)), DELTA_SECONDS_CAP)

    def etag(self) -> EntityTag | None:
        """Return the stored entity tag, or None."""
        tags = parse_entity_tags(get(self.stored, b"etag"))
        return tags[0] if tags else None

    def last_modified(self) -> bytes | None:
        """Return the stored Last-Modified value, or None."""
        return get(self.stored, b"last-modified")

    def state(self, now: float) -> Stored:
        """Return what the reuse rules need to know at ``now``."""
        return Stored(
            age=current_age(self.initial_age, self.response_time, now),
            freshness=self.freshness,
            has_validator=self.has_validator,
        )

    def plainly_fresh(self, now: float) -> bool:
        """Whether it is fresh and needs no validation (RFC 9111 §4.2, §5.2.2.4)."""
        fresh = self.freshness
        age = self.initial_age + now - self.response_time
        return not fresh.revalidate_always and age < fresh.lifetime


def build_head(status: int, reason: bytes, fields: Headers) -> bytes:
    """Return ``HTTP/1.1 <status> <reason>`` and the fields, each line ending in CRLF."""
    if not reason:
        try:
            reason = HTTPStatus(status).phrase.encode("ascii")
        except ValueError:
            reason = b""
    lines = [b"HTTP/1.1 %d %s\r\n" % (status, reason)]
    lines.extend(b"%s: %s\r\n" % (name, value) for name, value in fields)
    return b"".join(lines)
