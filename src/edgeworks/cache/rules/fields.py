"""Which header fields a cache keeps, and how it compares request fields and entity tags.

- RFC 9111 §3.1: hop-by-hop fields and the fields named in Connection are never stored.
- RFC 9111 §5.2.2.4 and §5.2.2.7: fields named by a qualified no-cache or private are not
  stored by a shared cache.
- RFC 9111 §4.1: request fields named by Vary are compared after the normalisation their
  definitions allow (several lines combined, whitespace around commas, case of tokens).
- RFC 9110 §8.8.3: entity tags, weak and strong, and their two comparison functions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from edgeworks.http.headers import Headers, get_all, hop_by_hop_names, without

# Beyond the hop-by-hop fields: the ones the cache rewrites when it answers (Age, RFC 9111
# §5.1), the cache-result field it adds, and the fields specific to the proxy a request went
# through (RFC 9111 §3.1: Proxy-Authenticate, Proxy-Authentication-Info, Proxy-Authorization).
NOT_STORED = frozenset(
    {
        b"age",
        b"x-cache",
        b"proxy-authenticate",
        b"proxy-authentication-info",
        b"proxy-authorization",
    }
)

# A cookie is set for the viewer whose request fetched the response, never for the viewers a
# stored copy later answers: this node keeps responses that set cookies, but not the cookies.
# RFC 9111 leaves this to the cache; RFC 6265 §8 explains why sharing them is dangerous.
COOKIES = frozenset({b"set-cookie", b"set-cookie2"})

# RFC 9110 §12.5.3 (content codings), §12.5.4 (language tags) and §12.5.2 (charsets) are
# case-insensitive lists weighted by q-values, so their values may be lower-cased and their
# members reordered before a Vary comparison.
CASE_INSENSITIVE_VALUES = frozenset({b"accept-encoding", b"accept-language", b"accept-charset"})

_RUNS = re.compile(rb"[ \t]+")


def stored_fields(headers: Headers, dropped: Iterable[bytes] = ()) -> Headers:
    """Return the response fields a cache may keep (RFC 9111 §3.1).

    Args:
        headers: the response fields as received.
        dropped: more names to leave out (qualified private / no-cache, targeted fields).
    """
    return without(headers, hop_by_hop_names(headers) | NOT_STORED | COOKIES | frozenset(dropped))


def vary_names(headers: Headers) -> tuple[bytes, ...]:
    """Return the lower-cased field names listed by Vary, sorted and without duplicates.

    ``*`` is returned as a name of its own; RFC 9111 §4.1 says it never matches.
    """
    names = {
        token.strip().lower()
        for value in get_all(headers, b"vary")
        for token in value.split(b",")
        if token.strip()
    }
    return tuple(sorted(names))


def normalised(headers: Headers, name: bytes) -> bytes | None:
    """Return the value of request field ``name`` normalised for a Vary comparison (§4.1).

    Several lines are combined into one list, empty members are dropped (RFC 9110 §5.6.1),
    whitespace around members and runs of spaces inside them collapse, and the members of
    Accept-Encoding, Accept-Language and Accept-Charset are lower-cased and sorted. An absent
    field is None, which only matches another absent field.
    """
    values = [value for key, value in headers if key == name]
    if not values:
        return None
    combined = values[0] if len(values) == 1 else b",".join(values)
    if len(combined) > _MAX_REMEMBERED:
        return _normalise.__wrapped__(name, combined)
    return _normalise(name, combined)


# Viewers send few distinct values (a handful of Accept-Encoding lines): each is normalised
# once, which keeps the lookup of a varying response close to that of a plain one. Only short
# values are remembered, so odd requests cannot make the memo large.
_MAX_REMEMBERED = 256


@functools.lru_cache(maxsize=4096)
def _normalise(name: bytes, combined: bytes) -> bytes:
    members = [_member(member) for member in combined.split(b",")]
    members = [member for member in members if member]
    if name in CASE_INSENSITIVE_VALUES:
        # These lists carry their preference in q-values, not in member order, so sorting
        # the members keeps their meaning (RFC 9110 §12.4.2).
        return b",".join(sorted(member.lower() for member in members))
    return b",".join(members)


def _member(member: bytes) -> bytes:
    member = member.strip(b" \t")
    if b"  " in member or b"\t" in member:
        member = _RUNS.sub(b" ", member)
    return member


def vary_values(names: tuple[bytes, ...], request_headers: Headers) -> tuple[bytes | None, ...]:
    """Return the normalised request values of every name listed by Vary, in order."""
    return tuple(normalised(request_headers, name) for name in names)


EntityTag = tuple[bool, bytes]
"""An entity tag: (weak, opaque-tag including its quotes)."""

_TAG = re.compile(rb'\s*([Ww]/)?("[^"]*")\s*(?:,|$)')
_BARE = re.compile(rb"[!#-+\-./0-9:;<=>?@A-Z\[\]^_`a-z{|}~\x80-\xff]+")


def parse_entity_tags(value: bytes | None) -> list[EntityTag] | None:
    """Parse a list of entity tags (If-None-Match, If-Match, ETag; RFC 9110 §8.8.3).

    A lower-case ``w/`` counts as weak, and a member sent without its quotes is read as the
    quoted tag it stands for, so that a sloppy origin or viewer still validates.

    Returns:
        The tags in order, an empty list for ``*`` (any), or None when the value is absent or
        not a list of entity tags.
    """
    if value is None:
        return None
    text = value.strip()
    if text == b"*":
        return []
    tags: list[EntityTag] = []
    position = 0
    while position < len(text):
        found = _TAG.match(text, position)
        if found is None:
            return _bare_tags(text)
        tags.append((found.group(1) is not None, found.group(2)))
        position = found.end()
    return tags or None


def _bare_tags(text: bytes) -> list[EntityTag] | None:
    members = [member.strip() for member in text.split(b",")]
    if not all(_BARE.fullmatch(member) for member in members):
        return None
    return [(False, b'"%s"' % member) for member in members]


def weak_match(left: EntityTag, right: EntityTag) -> bool:
    """RFC 9110 §8.8.3.2 weak comparison: opaque tags equal, weakness ignored."""
    return left[1] == right[1]


def strong_match(left: EntityTag, right: EntityTag) -> bool:
    """RFC 9110 §8.8.3.2 strong comparison: both strong and opaque tags equal."""
    return not left[0] and not right[0] and left[1] == right[1]
