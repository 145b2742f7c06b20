"""A stored response, ready to be written to a viewer.

An :class:`Entry` keeps the times needed for the age calculation (RFC 9111 §4.2.3), the
freshness fixed when it was stored, its Vary selection (§4.1) and the response head, prepared
once at store time so that a hit writes ``head + Age + X-Cache + CRLF + body`` without touching
the fields again.

The prepared head is also the entry's only copy of its stored fields (§3.1): the fields a viewer
sees are its lines, and the few a viewer never sees (targeted fields, RFC 9213) are kept beside
it. Only conditional, range and refresh answers need the fields as a list, and they parse them
back from the head when asked. An entry in memory therefore costs little more than its head:
one object with slots, a few floats, and values most entries share (freshness, TTLs, names)
held once.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import TypeVar, cast

from edgeworks.cache.rules.directives import DELTA_SECONDS_CAP
from edgeworks.cache.rules.fields import EntityTag, parse_entity_tags
from edgeworks.cache.rules.freshness import Freshness, current_age
from edgeworks.cache.rules.reuse import Stored
from edgeworks.cache.storage import DiskObject
from edgeworks.http.headers import Headers, get

DEFAULT_TTLS = (0.0, 0.0, 31536000.0)
_NO_HEADERS: tuple[tuple[bytes, bytes], ...] = ()
_CONTENT_LENGTH = b"content-length"
_T = TypeVar("_T")
# Values most entries share (hidden names, freshness, TTLs, Vary names and values) are kept
# once, up to this many distinct values; past it new values are kept per entry.
_MAX_SHARED = 4096
_SHARED: dict[object, object] = {}
# Disk bodies up to this size are read whole with one os.pread and answered at once; larger
# ones stream. Measured with the disk-tier cases of bench/edge_vs_nginx.py: see docs/caching.md.
SMALL_DISK_BODY = 256 * 1024


class Entry:
    """One stored response (a single variant of one cache key).

    Attributes:
        status: the stored status code.
        head: prepared status line and fields, without Age, X-Cache and the final CRLF
            (Content-Length set from the body; targeted cache fields left out).
        hidden: stored fields a viewer never sees (RFC 9213 targeted fields), usually empty.
        viewer_fields: the names left out of what viewers see.
        body: the whole body when held in memory, else None.
        length: the body length in bytes.
        request_time: when the request that fetched it was sent.
        response_time: when its response arrived.
        initial_age: corrected_initial_age (RFC 9111 §4.2.3).
        freshness: lifetime and stale permissions.
        vary: the lower-case names listed by Vary (sorted).
        vary_values: the normalised request values of those names when it was stored.
        ttls: the policy's (MinTTL, DefaultTTL, MaxTTL) it was stored under, for refreshes.
        disk: the open disk object holding the body when it is not held in memory, else None
            (owned by the disk tier, see :meth:`read_small_body`).
        has_validator: it carries an ETag or Last-Modified (RFC 9111 §4.3.1).
        url: the viewer's host and path it was stored for (see ``edgeworks.cache.urls``), kept
            in its record so that a restarted node can still invalidate it (RFC 9111 §4.4).
    """

    __slots__ = (
        "body",
        "disk",
        "freshness",
        "has_validator",
        "head",
        "hidden",
        "initial_age",
        "length",
        "request_time",
        "response_time",
        "status",
        "ttls",
        "url",
        "vary",
        "vary_values",
        "viewer_fields",
    )

    def __init__(
        self,
        *,
        status: int,
        source: Headers,
        viewer_fields: frozenset[bytes],
        body: bytes | None,
        length: int,
        request_time: float,
        response_time: float,
        initial_age: float,
        freshness: Freshness,
        reason: bytes = b"",
        vary: tuple[bytes, ...] = (),
        vary_values: tuple[bytes | None, ...] = (),
        ttls: tuple[float, float, float] = DEFAULT_TTLS,
        disk: DiskObject | None = None,
        url: bytes | None = None,
    ) -> None:
        """Build an entry from its stored fields (``source``) and the facts kept beside them."""
        self.status = status
        self.viewer_fields = shared(viewer_fields)
        self.body = body
        self.length = length
        self.request_time = request_time
        self.response_time = response_time
        self.initial_age = initial_age
        self.freshness = shared(freshness)
        self.vary = shared(vary)
        self.vary_values = shared(vary_values)
        self.ttls = shared(ttls)
        self.disk = disk
        self.url = url
        hidden = [(n, v) for n, v in source if n in viewer_fields]
        self.hidden = tuple(hidden) if hidden else _NO_HEADERS
        self.head = build_head(status, reason, self.fields(source))
        has_etag = bool(parse_entity_tags(get(source, b"etag")))
        self.has_validator = has_etag or get(source, b"last-modified") is not None

    @property
    def stored(self) -> Headers:
        """Every stored field, targeted cache fields included (RFC 9111 §3.1, RFC 9213).

        Parsed back from the prepared head on each call. Content-Length is left out: a viewer
        gets the stored body's length (:meth:`fields`).
        """
        return [*_head_fields(self.head), *self.hidden]

    @property
    def reason(self) -> bytes:
        """The reason phrase of the prepared status line."""
        status_line = self.head[: self.head.find(b"\r\n")]
        return status_line.split(b" ", 2)[2] if status_line.count(b" ") >= 2 else b""

    @property
    def path(self) -> str | None:
        """The file holding the body on disk, else None."""
        return self.disk.path if self.disk is not None else None

    @property
    def offset(self) -> int:
        """Where the body starts in :attr:`path`."""
        return self.disk.body_offset if self.disk is not None else 0

    def fields(self, stored: Headers | None = None) -> Headers:
        """Return the fields a viewer gets, with Content-Length set to the body length."""
        stored = self.stored if stored is None else stored
        hidden = self.viewer_fields
        visible = [(n, v) for n, v in stored if n != _CONTENT_LENGTH and n not in hidden]
        if self.status not in (204, 304) and self.status >= 200:
            visible.append((_CONTENT_LENGTH, str(self.length).encode("ascii")))
        return visible

    def evolve(
        self,
        *,
        source: Headers | None = None,
        body: bytes | None = None,
        length: int | None = None,
        times: tuple[float, float, float] | None = None,
        freshness: Freshness | None = None,
    ) -> Entry:
        """Return a copy with the given parts replaced; the head is prepared again.

        Args:
            source: new stored fields.
            body: a new in-memory body (the disk body, if any, is kept otherwise).
            length: a new body length.
            times: new (request_time, response_time, initial_age).
            freshness: a new freshness.
        """
        request_time, response_time, initial_age = times or (
            self.request_time,
            self.response_time,
            self.initial_age,
        )
        return Entry(
            status=self.status,
            reason=self.reason,
            source=self.stored if source is None else source,
            viewer_fields=self.viewer_fields,
            body=self.body if body is None else body,
            length=self.length if length is None else length,
            request_time=request_time,
            response_time=response_time,
            initial_age=initial_age,
            freshness=self.freshness if freshness is None else freshness,
            vary=self.vary,
            vary_values=self.vary_values,
            ttls=self.ttls,
            disk=self.disk,
            url=self.url,
        )

    def close(self) -> None:
        """Nothing to release: the disk tier owns the file behind a disk body.

        Kept so that callers written for entries that held a file of their own stay correct.
        """

    def read_small_body(self) -> bytes | None:
        """Return the whole body now: held in memory, or read from disk with one ``os.pread``.

        Safe to call at any later time: None when the body is on disk and larger than
        :data:`SMALL_DISK_BODY`, or when the disk tier has let the file go since (replaced,
        deleted, evicted, corrupt, or closed to stay within its bound of open files); the
        caller then looks the key up again. A file another process sharing the directory
        replaced is seen within the tier's recheck interval (a second by default), not at once.
        """
        if self.body is not None:
            return self.body
        disk = self.disk
        if disk is None or self.length > SMALL_DISK_BODY:
            return None
        return disk.read_current()

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


def shared(value: _T) -> _T:
    """Return the one kept instance equal to ``value`` (``value`` itself the first time)."""
    found = _SHARED.get(value)
    if found is not None:
        return cast(_T, found)
    if len(_SHARED) < _MAX_SHARED:
        _SHARED[value] = value
    return value


def _head_fields(head: bytes) -> Iterator[tuple[bytes, bytes]]:
    # The head is written by build_head alone: "name: value" lines after the status line.
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b": ")
        if name and name != _CONTENT_LENGTH:
            yield name, value
