"""Entries built from responses: a new one from a storable response, a refreshed one from a 304.

Both are pure: the exchange, the times and the configuration go in, an :class:`Entry` comes out.
"""

from __future__ import annotations

from edgeworks.cache.entry import Entry
from edgeworks.cache.rules import conditional, fields
from edgeworks.cache.rules.dates import format_http_date
from edgeworks.cache.rules.freshness import corrected_initial_age, freshness
from edgeworks.cache.rules.request import PLAIN
from edgeworks.cache.rules.response import read_response
from edgeworks.cache.rules.storable import Exchange, Storing, decide
from edgeworks.config.model import CachePolicy
from edgeworks.http.headers import Headers, get

Times = tuple[float, float]
"""(request_time, response_time) of one exchange with the origin (RFC 9111 §4.2.3)."""


def new_entry(
    exchange: Exchange, request_headers: Headers, times: Times, targeted: tuple[bytes, ...]
) -> Entry:
    """Return the entry for a storable response, without its body yet.

    Args:
        exchange: the request and response, already judged storable.
        request_headers: the request's fields, for the Vary selection (RFC 9111 §4.1).
        times: when the request went out and the response came back.
        targeted: the targeted cache fields, kept but hidden from viewers (RFC 9213).
    """
    request_time, response_time = times
    facts = exchange.response
    directives = facts.directives
    # RFC 9111 §5.2.2.4 / §5.2.2.7: qualified no-cache and private name fields not stored.
    dropped = directives.field_names("private") | directives.field_names("no-cache")
    vary = fields.vary_names(exchange.response_headers)
    policy = exchange.policy
    stored = fields.stored_fields(exchange.response_headers, dropped)
    if get(stored, b"date") is None:
        # RFC 9110 §6.6.1: a cache that stores a response without Date adds the time it
        # received it.
        stored.append((b"date", format_http_date(response_time)))
    return Entry(
        status=exchange.status,
        source=stored,
        viewer_fields=frozenset(targeted),
        body=None,
        length=0,
        request_time=request_time,
        response_time=response_time,
        initial_age=corrected_initial_age(facts, request_time, response_time),
        freshness=freshness(facts, exchange.status, policy, exchange.error_ttl, response_time),
        vary=vary,
        vary_values=fields.vary_values(vary, request_headers),
        ttls=(policy.min_ttl, policy.default_ttl, policy.max_ttl),
    )


def refreshed(
    entry: Entry,
    response_304: Headers,
    times: Times,
    targeted: tuple[bytes, ...],
    error_ttl: float,
) -> Entry:
    """Return ``entry`` updated by a 304 that validates it (RFC 9111 §4.3.4, §3.2).

    The 304's fields replace the stored ones, freshness is computed again from the merged
    fields under the policy the entry was stored with, and the age restarts from the 304's own
    Date and Age.
    """
    request_time, response_time = times
    merged = conditional.merge(entry.stored, response_304)
    facts = read_response(merged, targeted)
    own = read_response(response_304, targeted)
    lifetime = freshness(facts, entry.status, _policy(entry.ttls), error_ttl, response_time)
    initial_age = corrected_initial_age(own, request_time, response_time)
    return entry.evolve(
        source=merged, times=(request_time, response_time, initial_age), freshness=lifetime
    )


def still_storable(entry: Entry, targeted: tuple[bytes, ...], error_ttl: float) -> bool:
    """Return whether a refreshed entry may stay stored (RFC 9111 §3, §4.3.4).

    A 304 can change the stored fields so that the response may no longer be stored (a new
    ``no-store`` or ``private``); the refreshed response then answers its own request only.
    """
    stored = entry.stored
    exchange = Exchange(
        method="GET",
        status=entry.status,
        request=PLAIN,
        response=read_response(stored, targeted),
        response_headers=stored,
        policy=_policy(entry.ttls),
        error_ttl=error_ttl,
    )
    return decide(exchange)[0] is Storing.STORE


def with_cookies(entry: Entry, response: Headers) -> Entry:
    """Return ``entry`` with the cookies ``response`` sets, for the one viewer it answers.

    Stored entries never keep cookies (``fields.COOKIES``); a response going to the viewer
    whose request fetched or validated it carries them all the same.
    """
    cookies = [(name, value) for name, value in response if name in fields.COOKIES]
    if not cookies:
        return entry
    return entry.evolve(source=[*entry.stored, *cookies])


def _policy(ttls: tuple[float, float, float]) -> CachePolicy:
    min_ttl, default_ttl, max_ttl = ttls
    return CachePolicy(
        id="stored", name="stored", min_ttl=min_ttl, default_ttl=default_ttl, max_ttl=max_ttl
    )
