"""The cache as the edge sees it: lookup, answer, store, refresh, invalidate.

The facade owns no HTTP rules of its own: it reads requests and responses with
``edgeworks.cache.rules``, keeps entries on the storage tiers (``edgeworks.cache.store``), and
turns the rules' decisions into the ``Lookup`` kinds and prepared bytes described in
docs/design/contracts.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Literal

from edgeworks.cache import meta
from edgeworks.cache.entries import new_entry, refreshed, still_storable, with_cookies
from edgeworks.cache.entry import Entry
from edgeworks.cache.errors import CacheError
from edgeworks.cache.refresh import Refreshes
from edgeworks.cache.respond import respond, small_disk_body
from edgeworks.cache.rules import conditional, reuse, storable
from edgeworks.cache.rules.invalidation import invalidated
from edgeworks.cache.rules.request import RequestFacts, read_request
from edgeworks.cache.rules.response import (
    read_directives,
    read_response,
    targeted_names,
    undated,
)
from edgeworks.cache.store import TieredStore
from edgeworks.cache.streaming import Streamed, stream
from edgeworks.cache.urls import UrlIndex, url_of
from edgeworks.cache.writer import Writer
from edgeworks.config.model import CachePolicy, CacheStorage
from edgeworks.http.headers import Headers, get

logger = logging.getLogger(__name__)

Kind = Literal["hit", "stale", "revalidate", "miss", "unsatisfiable"]
_LOOKUP_COUNTERS: dict[str, str] = {
    kind: f"lookup_{kind}" for kind in ("hit", "stale", "revalidate", "miss", "unsatisfiable")
}


@dataclass(slots=True)
class Lookup:
    """The outcome of :meth:`Cache.lookup`.

    Attributes:
        kind: hit, stale, revalidate, miss or unsatisfiable (see the contract).
        entry: the selected entry; on a miss it may be a stale entry kept for stale-if-error.
        conditional: fields to add to the origin request when ``kind`` is revalidate.
        request: the request's cache directives.
    """

    kind: Kind
    entry: Entry | None = None
    conditional: Headers = field(default_factory=list)
    request: RequestFacts = field(default_factory=RequestFacts)


class Cache:
    """A shared HTTP cache (RFC 9111) under CloudFront's expiration rules."""

    def __init__(
        self, storage: CacheStorage, node_name: str = "edgeworks", *, workers: int = 1
    ) -> None:
        """Create a cache on a memory tier and, when configured, a disk tier.

        Args:
            storage: sizes, disk directory, error-caching TTL and the targeted field name.
            node_name: the node's name, used in diagnostics.
            workers: how many workers of the node each run a cache on the same storage; the
                memory and disk bounds are divided between them.

        Raises:
            CacheError: ``workers`` is not a positive integer.
        """
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise CacheError(f"cache workers must be a positive integer, got {workers!r}")
        self._config = storage
        self._node_name = node_name
        self._targeted = targeted_names(storage.targeted_cache_control)
        self._urls = UrlIndex(_url_capacity(storage, workers))
        self._store = TieredStore(storage, workers, on_load=self._loaded)
        self._refreshes = Refreshes()
        self._counts: dict[str, int] = {}
        logger.debug(
            "cache of %s: memory %d bytes, disk %s, shared by %d workers",
            node_name,
            storage.memory_bytes,
            storage.disk_path or "none",
            workers,
        )

    @property
    def hidden_fields(self) -> frozenset[bytes]:
        """The response fields meant for this cache alone (RFC 9213 targeted fields).

        Entries never show them; the edge removes them from responses it relays on a miss.
        """
        return frozenset(self._targeted)

    def lookup(
        self,
        key: bytes,
        method: str,
        request_headers: Headers,
        policy: CachePolicy,
        now: float,
    ) -> Lookup:
        """Find how ``key`` may be answered (RFC 9111 §4).

        Args:
            key: the cache key (GET and HEAD share it).
            method: the request method; only GET and HEAD are answered from the cache.
            request_headers: the viewer's request fields.
            policy: the behaviour's cache policy (its TTLs were applied when storing).
            now: the current time.
        """
        request = read_request(request_headers)
        if method not in ("GET", "HEAD"):
            return self._count(Lookup("miss", request=request))
        entry = self._store.select(key, request_headers)
        if entry is not None and request.plain and entry.plainly_fresh(now):
            # The common hit: fresh, and the request narrows nothing (RFC 9111 §4.2).
            return self._count(Lookup("hit", entry, [], request))
        if entry is not None and request.origin_preconditions:
            return self._count(Lookup("miss", entry, request=request))
        outcome = reuse.decide(request, entry.state(now) if entry else None)
        if outcome is reuse.Reuse.STALE and entry is not None:
            outcome = self._refreshes.claim(key, entry, now)
        wanted: Headers = []
        if outcome is reuse.Reuse.MUST_REVALIDATE and entry is not None:
            wanted = conditional.validators(entry.stored)
        return self._count(Lookup(outcome.value, entry, wanted, request))

    def holds_nothing(self, key: bytes, request_headers: Headers) -> bool:
        """Whether nothing stored under ``key`` suits these request fields (RFC 9111 §4.1).

        For a caller that already knows the lookup of an identical request found nothing:
        while this holds, :meth:`lookup` would find nothing again, and it is counted as the
        miss that lookup would have counted.
        """
        store = self._store
        if not store.surely_lacks(key) and store.select(key, request_headers) is not None:
            return False
        self._bump("lookup_miss")
        return True

    def answer(
        self,
        found: Lookup,
        method: str,
        request_headers: Headers,
        now: float,
        x_cache: bytes,
    ) -> list[bytes] | None:
        """Return the complete response bytes from a stored entry, or None to stream from disk.

        Handles the viewer's If-None-Match / If-Modified-Since (304), Range and If-Range (206,
        416) and HEAD. A body on disk is read now when it is small (whole up to
        ``SMALL_DISK_BODY``, ranges up to ``MAX_RANGE_READ``); None means it is larger, and the
        edge streams it with :meth:`stream`.

        Args:
            found: a lookup that carries an entry (hit, stale, or one kept for stale-if-error).
            method: GET or HEAD.
            request_headers: the viewer's fields.
            now: the current time, for Age.
            x_cache: the X-Cache value, e.g. ``b"Hit from edgeworks"``.

        Raises:
            CacheError: ``found`` carries no entry.
        """
        entry = found.entry
        if entry is None:
            raise CacheError(f"answer() needs a lookup with an entry, got kind {found.kind!r}")
        plain = read_request(request_headers).plain
        if plain and method == "GET":
            # The common hit: the whole body, held in memory or small on disk.
            body = entry.body if entry.body is not None else small_disk_body(entry)
            if body is not None:
                if entry.disk is not None:
                    self._bump("disk_answered")
                tail = b"age: %d\r\nx-cache: %s\r\n\r\n" % (entry.age(now), x_cache)
                return [entry.head, tail, body]
        parts = respond(entry, method, request_headers, entry.age(now), x_cache)
        if parts is not None and entry.disk is not None:
            self._bump("disk_answered")
        return parts

    def stream(
        self,
        found: Lookup,
        method: str,
        request_headers: Headers,
        now: float,
        x_cache: bytes,
    ) -> Streamed:
        """Return the answer as a head and body chunks, a disk body read as it is sent.

        For a body on disk: the whole object, or the requested ranges of it (RFC 9110 §14:
        206 with Content-Range, or multipart/byteranges), read from the open file chunk by
        chunk. Everything :meth:`answer` builds whole comes back as one chunk.

        Raises:
            CacheError: ``found`` carries no entry.
        """
        entry = found.entry
        if entry is None:
            raise CacheError(f"stream() needs a lookup with an entry, got kind {found.kind!r}")
        if entry.disk is not None:
            self._bump("disk_streamed")
        return stream(entry, method, request_headers, entry.age(now), x_cache)

    def open_writer(  # noqa: PLR0917 - the positional shape is the edge's contract
        self,
        key: bytes,
        method: str,
        request_headers: Headers,
        status: int,
        response_headers: Headers,
        policy: CachePolicy,
        request_time: float,
        response_time: float,
        *,
        host: bytes | None = None,
        path: bytes | None = None,
    ) -> Writer | None:
        """Return a writer for a storable response, or None when it may not be stored (§3).

        ``host`` and ``path`` (without query) let :meth:`invalidate` find the entry later
        (RFC 9111 §4.4); without them it is only replaced or evicted.
        """
        known = read_directives(response_headers, self._targeted)
        exchange = storable.Exchange(
            method=method,
            status=status,
            request=read_request(request_headers),
            response=undated(*known),
            response_headers=response_headers,
            policy=policy,
            error_ttl=self._config.error_caching_ttl,
        )
        # Refusals that need no date come first: a no-store response parses none.
        reason = storable.refused_early(exchange)
        if reason:
            logger.debug("not storing %r: %s", key, reason)
            return None
        facts = read_response(response_headers, self._targeted, known)
        exchange = replace(exchange, response=facts)
        verdict, reason = storable.decide(exchange)
        if verdict is storable.Storing.NO_STORE:
            logger.debug("not storing %r: %s", key, reason)
            return None

        times = (request_time, response_time)
        template = new_entry(exchange, request_headers, times, self._targeted)
        url = url_of(host, path) if host is not None and path is not None else None
        template.url = url
        if not reuse.ever_reusable(template.freshness, template.has_validator):
            logger.debug("not storing %r: never reusable without the origin", key)
            return None
        opened = self._urls.generation

        def admit() -> bool:
            """Whether the URL was not invalidated while the response was in flight (§4.4)."""
            return host is None or path is None or self._urls.unchanged_since(host, path, opened)

        def stored() -> None:
            """Index the URL, count the store and end any background refresh of the variant."""
            if url is not None:
                self._urls.add(url, key)
            self._refreshes.done(key, template.vary_values)
            self._bump("stores")

        expected = _content_length(response_headers)
        return Writer(self._store, key, template, expected, admit=admit, on_commit=stored)

    def freshen(
        self,
        entry: Entry,
        key: bytes,
        response_headers: Headers,
        request_time: float,
        response_time: float,
    ) -> Entry | None:
        """Update a stored entry from a 304 (RFC 9111 §4.3.4, §3.2).

        Returns:
            The refreshed entry, or None when the 304 validates another representation than
            the stored one; that entry is then removed and the edge asks again in full.
        """
        if not conditional.updates(entry.stored, response_headers):
            self._store.remove(self._store.storage_key(key, entry)[0])
            return None
        fresh = self._refresh(key, entry, response_headers, (request_time, response_time))
        self._bump("refreshes")
        # The viewer whose request was validated still gets the cookies the 304 sets; the
        # stored entry keeps none (see fields.COOKIES).
        return with_cookies(fresh, response_headers)

    def update_from_head(  # noqa: PLR0917 - the same shape as open_writer
        self,
        key: bytes,
        request_headers: Headers,
        status: int,
        response_headers: Headers,
        request_time: float,
        response_time: float,
    ) -> Entry | None:
        """Update the stored GET response a HEAD response speaks for (RFC 9111 §4.3.5).

        Returns:
            The updated entry, or None when nothing was updated. A stored response whose
            validators or length disagree with the HEAD response is removed, since it is
            to be treated as stale.
        """
        entry = self._store.select(key, request_headers) if status == 200 else None
        if entry is None:
            return None
        if not conditional.head_updates(entry.stored, entry.length, response_headers):
            self._store.remove(self._store.storage_key(key, entry)[0])
            return None
        fresh = self._refresh(key, entry, response_headers, (request_time, response_time))
        self._bump("head_updates")
        return fresh

    def stale_if_error(
        self, found: Lookup, now: float, *, disconnected: bool = False
    ) -> Entry | None:
        """Return the entry to serve when the origin failed or was unreachable (RFC 5861 §4).

        None when there is no entry or its stale-if-error window (or the viewer's) is over.
        Under a policy with TTLs of its own, CloudFront keeps serving an expired object while
        its origin fails, so the window does not apply there; nor does it when the origin could
        not be reached at all (``disconnected``: refused, reset, timed out), where RFC 9111
        §4.2.4 lets a disconnected cache serve stale. Stale use the response forbids is never
        served.
        """
        entry = found.entry
        if entry is None:
            return None
        min_ttl, default_ttl, _ = entry.ttls
        keeps_serving = disconnected or min_ttl > 0 or default_ttl > 0
        if not reuse.stale_if_error(found.request, entry.state(now), keeps_serving):
            return None
        self._bump("stale_if_error")
        return entry

    def invalidate(
        self,
        method: str,
        status: int,
        host: bytes,
        path: bytes,
        response_headers: Headers,
        *,
        origin_host: bytes | None = None,
    ) -> int:
        """Remove what an unsafe request changed (RFC 9111 §4.4); return how many keys went.

        ``origin_host`` is the Host sent to the origin: absolute Location and Content-Location
        values naming it count as the same origin as the viewer's ``host``.
        """
        removed = 0
        targets = invalidated(
            method, status, host, path, response_headers, origin_host=origin_host
        )
        for url_host, url_path in targets:
            for key in self._urls.pop(url_host, url_path):
                removed += self._store.remove(key)
        self._bump("invalidated", removed)
        return removed

    def stats(self) -> dict[str, int]:
        """Return counters: lookups by kind, stores, refreshes and the tiers' sizes.

        For a disk body: ``disk_answered`` counts answers :meth:`answer` built whole,
        ``disk_streamed`` the answers :meth:`stream` gave; ``disk_open_files`` is how many
        files the disk tier keeps open, ``disk_files_opened`` how many reads had to open one.
        """
        out = {**self._counts}
        out["memory_entries"] = len(self._store.memory)
        out["memory_bytes"] = self._store.memory.bytes_used
        disk = self._store.disk
        if disk is not None:
            out["disk_entries"] = len(disk)
            out["disk_bytes"] = disk.bytes_used
            out["disk_open_files"] = disk.open_files
            out["disk_files_opened"] = disk.stats.opened
        return out

    def _loaded(self, skey: bytes, record: bytes) -> None:
        # A restarted node finds its URLs again in the records the disk tier reads at start-up,
        # so unsafe requests still invalidate what it stored before (RFC 9111 §4.4).
        found = meta.url_keys(skey, record)
        if found is not None:
            url, keys = found
            for key in keys:
                self._urls.add(url, key)

    def _refresh(
        self, key: bytes, entry: Entry, response: Headers, times: tuple[float, float]
    ) -> Entry:
        error_ttl = self._config.error_caching_ttl
        fresh = refreshed(entry, response, times, self._targeted, error_ttl)
        if still_storable(fresh, self._targeted, error_ttl):
            self._store.rewrite(key, fresh)
        else:
            self._store.remove(self._store.storage_key(key, entry)[0])
        return fresh

    def _count(self, found: Lookup) -> Lookup:
        self._bump(_LOOKUP_COUNTERS[found.kind])
        return found

    def _bump(self, name: str, by: int = 1) -> None:
        self._counts[name] = self._counts.get(name, 0) + by


def _url_capacity(storage: CacheStorage, workers: int) -> int:
    # Room in the URL index for about as many URLs as this worker's memory share and the whole
    # shared disk can hold small objects (1 KiB in memory, 16 KiB on disk: every worker learns
    # every URL on disk at start-up), within bounds; past it the oldest URLs are forgotten and
    # their entries only age out.
    disk = storage.disk_bytes // 16384 if storage.disk_path else 0
    return min(max(storage.memory_bytes // 1024 // workers + disk, 4096), 1 << 21)


def _content_length(headers: Headers) -> int | None:
    value = get(headers, b"content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)
