"""The cache as the edge sees it: lookup, answer, store, refresh, invalidate.

The facade owns no HTTP rules of its own: it reads requests and responses with
``edgeworks.cache.rules``, keeps entries in storage, and turns the rules' decisions into the
``Lookup`` kinds and prepared bytes described in docs/design/contracts.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

from edgeworks.cache.entry import Entry
from edgeworks.cache.rules import fields as rfields
from edgeworks.cache.rules import reuse, storable
from edgeworks.cache.rules.freshness import corrected_initial_age, freshness
from edgeworks.cache.rules.request import RequestFacts, read_request
from edgeworks.cache.rules.response import read_response, targeted_names
from edgeworks.cache.variants import VariantStore, select
from edgeworks.cache.writer import Writer
from edgeworks.config.model import CachePolicy, CacheStorage
from edgeworks.http.headers import Headers, get

logger = logging.getLogger(__name__)

Kind = Literal["hit", "stale", "revalidate", "miss", "unsatisfiable"]


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

    def __init__(self, storage: CacheStorage, node_name: str = "edgeworks") -> None:
        """Create a cache.

        Args:
            storage: sizes, error-caching TTL and the targeted field name.
            node_name: the node's name, used in diagnostics.
        """
        self._config = storage
        self._node_name = node_name
        self._targeted = targeted_names(storage.targeted_cache_control)
        self._store = VariantStore(storage.memory_bytes)
        self._counts: dict[str, int] = {}

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
            policy: the behaviour's cache policy.
            now: the current time.
        """
        request = read_request(request_headers)
        if method not in ("GET", "HEAD"):
            return self._count(Lookup("miss", request=request))
        entry = select(self._store.variants(key), request_headers)
        outcome = reuse.decide(request, entry.state(now) if entry else None)
        conditional = _conditional(entry) if outcome is reuse.Reuse.MUST_REVALIDATE else []
        return self._count(Lookup(outcome.value, entry, conditional, request))

    def answer(
        self,
        found: Lookup,
        method: str,
        request_headers: Headers,
        now: float,
        x_cache: bytes,
    ) -> list[bytes] | None:
        """Return the complete response bytes for a hit, or None to stream from disk.

        Args:
            found: a lookup whose kind is hit or stale.
            method: GET or HEAD (HEAD gets the head only).
            request_headers: the viewer's fields (conditionals, Range).
            now: the current time, for Age.
            x_cache: the X-Cache value, e.g. ``b"Hit from edgeworks"``.
        """
        entry = found.entry
        if entry is None:
            raise ValueError(f"answer() needs a lookup with an entry, got kind {found.kind!r}")
        tail = b"age: %d\r\nx-cache: %s\r\n\r\n" % (entry.age(now), x_cache)
        if method == "HEAD":
            return [entry.head, tail]
        if entry.body is None:
            return None
        return [entry.head, tail, entry.body]

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
    ) -> Writer | None:
        """Return a writer for a storable response, or None when it may not be stored."""
        request = read_request(request_headers)
        facts = read_response(response_headers, self._targeted)
        exchange = storable.Exchange(
            method,
            status,
            request,
            facts,
            response_headers,
            policy,
            self._config.error_caching_ttl,
        )
        verdict, reason = storable.decide(exchange)
        if verdict is storable.Storing.NO_STORE:
            logger.debug("not storing %r: %s", key, reason)
            return None

        def build(body: bytes) -> Entry:
            return self._entry(exchange, request_headers, body, (request_time, response_time))

        expected = _content_length(response_headers)
        return Writer(build, lambda entry: self._put(key, entry), expected, self._limit())

    def stats(self) -> dict[str, int]:
        """Return counters: lookups by kind, stores, entries, bytes, evictions."""
        return {
            **self._counts,
            "entries": len(self._store),
            "bytes": self._store.bytes,
            "evictions": self._store.evictions,
        }

    def _entry(
        self,
        exchange: storable.Exchange,
        request_headers: Headers,
        body: bytes,
        times: tuple[float, float],
    ) -> Entry:
        request_time, response_time = times
        facts = exchange.response
        headers = exchange.response_headers
        directives = facts.directives
        dropped = directives.field_names("private") | directives.field_names("no-cache")
        vary = rfields.vary_names(headers)
        return Entry(
            status=exchange.status,
            reason=b"",
            stored=rfields.stored_fields(headers, dropped),
            viewer_fields=frozenset(self._targeted),
            body=body,
            length=len(body),
            request_time=request_time,
            response_time=response_time,
            initial_age=corrected_initial_age(facts, request_time, response_time),
            freshness=freshness(
                facts,
                exchange.status,
                exchange.policy,
                self._config.error_caching_ttl,
                response_time,
            ),
            vary=vary,
            vary_values=rfields.vary_values(vary, request_headers),
        )

    def _put(self, key: bytes, entry: Entry) -> None:
        self._store.put(key, entry)
        self._counts["stores"] = self._counts.get("stores", 0) + 1

    def _limit(self) -> int:
        return self._config.memory_bytes

    def _count(self, found: Lookup) -> Lookup:
        name = f"lookup_{found.kind}"
        self._counts[name] = self._counts.get(name, 0) + 1
        return found


def _conditional(entry: Entry | None) -> Headers:
    # RFC 9111 §4.3.1: validate with the stored entity tag and Last-Modified.
    if entry is None:
        return []
    out: Headers = []
    etag = get(entry.stored, b"etag")
    if etag is not None:
        out.append((b"if-none-match", etag))
    modified = entry.last_modified()
    if modified is not None:
        out.append((b"if-modified-since", modified))
    return out


def _content_length(headers: Headers) -> int | None:
    value = get(headers, b"content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)
