"""What a response says about its own caching, read once when it arrives.

RFC 9213 §2.1: a cache on a targeted field's list uses the first such field that is present,
valid and non-empty and then ignores both Cache-Control and Expires. This cache's list is the
configured field, then CDN-Cache-Control, then the older Surrogate-Control (Edge Architecture
1.0), which is written in Cache-Control's syntax rather than as a Structured Field. Without
any of them, Cache-Control and Expires speak (RFC 9111 §5.2, §5.3).
"""

from __future__ import annotations

from dataclasses import dataclass

import http_sf

from edgeworks.cache.rules.dates import parse_age, parse_http_date
from edgeworks.cache.rules.directives import Directives, parse_cache_control
from edgeworks.http.headers import Headers, get, get_all

CDN_CACHE_CONTROL = b"cdn-cache-control"
SURROGATE_CONTROL = b"surrogate-control"
# RFC 9213 §2.1: in a targeted field these take Integers; any other type invalidates the field.
INTEGER_DIRECTIVES = frozenset({"max-age", "s-maxage", "stale-while-revalidate", "stale-if-error"})


@dataclass(frozen=True, slots=True)
class ResponseFacts:
    """The caching facts of one response.

    Attributes:
        directives: the directives this cache obeys (targeted field or Cache-Control).
        targeted: whether they came from a targeted field (RFC 9213).
        date: the Date field as POSIX time, or None.
        expires: the Expires field, or None when absent; invalid counts as the epoch (§5.3).
        age: the origin's Age in seconds, or None.
        last_modified: the Last-Modified field, or None.
        has_expires: whether an Expires field was present and not ignored.
    """

    directives: Directives
    targeted: bool
    date: float | None
    expires: float | None
    age: int | None
    last_modified: float | None
    has_expires: bool


def targeted_names(configured: str) -> tuple[bytes, ...]:
    """Return the targeted fields this cache obeys, most specific first (RFC 9213 §2.1)."""
    own = configured.strip().lower().encode("latin-1")
    shared = (CDN_CACHE_CONTROL, SURROGATE_CONTROL)
    return shared if not own or own in shared else (own, *shared)


def read_response(
    headers: Headers,
    targeted: tuple[bytes, ...],
    known: tuple[Directives, bool] | None = None,
) -> ResponseFacts:
    """Read the caching facts of a response (RFC 9111 §4.2, RFC 9213 §2.1).

    Args:
        headers: the response fields.
        targeted: the targeted field names, most specific first.
        known: what :func:`read_directives` already returned for these fields, if called.
    """
    directives, from_target = known or read_directives(headers, targeted)
    expires_value = None if from_target else get(headers, b"expires")
    expires = parse_http_date(expires_value)
    if expires_value is not None and expires is None:
        expires = 0.0  # RFC 9111 §5.3: an invalid Expires means "already expired".
    return ResponseFacts(
        directives=directives,
        targeted=from_target,
        date=parse_http_date(get(headers, b"date")),
        expires=expires,
        age=parse_age(get_all(headers, b"age")),
        last_modified=parse_http_date(get(headers, b"last-modified")),
        has_expires=expires_value is not None,
    )


def undated(directives: Directives, targeted: bool) -> ResponseFacts:
    """Return facts that carry only the directives: enough for the checks that read no date."""
    return ResponseFacts(directives, targeted, None, None, None, None, False)


def read_directives(headers: Headers, targeted: tuple[bytes, ...]) -> tuple[Directives, bool]:
    """Return the directives this cache obeys and whether a targeted field gave them."""
    # One pass over the fields: most responses carry no targeted field at all.
    control: list[bytes] = []
    present: dict[bytes, list[bytes]] = {}
    for name, value in headers:
        if name == b"cache-control":
            control.append(value)
        elif name in targeted:
            present.setdefault(name, []).append(value)
    for name in targeted if present else ():
        lines = present.get(name)
        if not lines:
            continue
        if name == SURROGATE_CONTROL:
            surrogate = parse_cache_control(lines)
            parsed = surrogate if surrogate.values else None
        else:
            parsed = parse_targeted(lines)
        if parsed is not None:
            return parsed, True
    return _cache_control(control), False


# Origins repeat a handful of Cache-Control values: each short one is parsed once. Directives
# are only read, so one instance serves every response that carries the same value.
_PARSED: dict[bytes, Directives] = {}
_PARSED_MAX = 256
_PARSED_LONGEST = 200


def _cache_control(lines: list[bytes]) -> Directives:
    if len(lines) != 1 or len(lines[0]) > _PARSED_LONGEST:
        return parse_cache_control(lines)
    line = lines[0]
    parsed = _PARSED.get(line)
    if parsed is None:
        parsed = parse_cache_control(lines)
        if len(_PARSED) < _PARSED_MAX:
            _PARSED[line] = parsed
    return parsed


def parse_targeted(lines: list[bytes]) -> Directives | None:
    """Parse a targeted cache field (RFC 9213 §2.1), or None when absent, empty or invalid.

    The field is a Structured Field Dictionary (RFC 8941 §3.2): keys are lower-case, numbers
    are Integers and bare directives are Booleans. A value that does not parse as one makes
    the cache ignore the whole field, as if it were absent.
    """
    if not lines:
        return None
    try:
        parsed = http_sf.parse(b", ".join(lines), tltype="dictionary")
    except (http_sf.StructuredFieldError, ValueError):
        return None
    if not isinstance(parsed, dict) or not parsed:
        return None
    values: dict[str, str | None] = {}
    for name, member in parsed.items():
        value = member[0] if isinstance(member, tuple) else member
        if value is False:
            continue  # ?0: the directive is switched off
        if name in INTEGER_DIRECTIVES and (isinstance(value, bool) or not isinstance(value, int)):
            return None  # a freshness directive of another type makes the field invalid
        values[name] = _argument(value)
    return Directives(values) if values else None


def _argument(value: object) -> str | None:
    if value is True:
        return None
    if isinstance(value, int):
        return str(value)  # a negative Integer fails delta-seconds and counts as stale
    if isinstance(value, str):
        return value
    return ""  # a Decimal, Byte Sequence or Inner List is no valid argument
