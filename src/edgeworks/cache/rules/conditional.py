"""Validation (RFC 9111 §4.3) and conditional requests answered from the cache (RFC 9110 §13).

- §4.3.1: the conditional request a cache sends carries the stored ETag and Last-Modified.
- §4.3.2 / RFC 9110 §13.2.2: a viewer's If-None-Match (weak comparison) decides first; only
  without it does If-Modified-Since count, against Last-Modified, else Date. If-Match and
  If-Unmodified-Since only apply to an origin, so such requests go there.
- §4.3.4: a 304 updates the stored response it validates, chosen by its validators.
- §3.2: the 304's fields replace the stored ones, except the ones a cache never stores and
  Content-Length, which belongs to the stored body.
- §4.3.5: a 200 response to HEAD updates a stored GET response the same way when its
  validators and Content-Length agree with it.
"""

from __future__ import annotations

from edgeworks.cache.rules.dates import parse_http_date
from edgeworks.cache.rules.fields import (
    EntityTag,
    parse_entity_tags,
    stored_fields,
    strong_match,
    weak_match,
)
from edgeworks.http.headers import Headers, get

# §3.2: fields a 304 never changes in a stored response (the body's own framing).
KEPT_ON_UPDATE = frozenset({b"content-length", b"content-range", b"transfer-encoding"})


def origin_only(request_headers: Headers) -> bool:
    """Return whether the request has preconditions only an origin evaluates (§4.3.2)."""
    return any(name in (b"if-match", b"if-unmodified-since") for name, _ in request_headers)


def validators(stored: Headers) -> Headers:
    """Return the conditional fields for revalidating a stored response (§4.3.1)."""
    out: Headers = []
    tags = parse_entity_tags(get(stored, b"etag"))
    if tags:
        # Sent in canonical form, so an ETag the origin wrote without quotes still validates.
        weak, opaque = tags[0]
        out.append((b"if-none-match", b"W/" + opaque if weak else opaque))
    modified = get(stored, b"last-modified")
    if modified is not None and parse_http_date(modified) is not None:
        out.append((b"if-modified-since", modified))
    return out


def not_modified(request_headers: Headers, stored: Headers, response_time: float) -> bool:
    """Return whether a stored response lets the cache answer the viewer 304 (§4.3.2).

    Args:
        request_headers: the viewer's fields.
        stored: the stored response's fields.
        response_time: when the stored response arrived (the last resort for its date).
    """
    if_none_match = get(request_headers, b"if-none-match")
    if if_none_match is not None:
        wanted = parse_entity_tags(if_none_match)
        if wanted is None:
            return False
        tags = parse_entity_tags(get(stored, b"etag")) or []
        current: EntityTag | None = tags[0] if tags else None
        if not wanted:
            return True  # "*" matches any current representation.
        return current is not None and any(weak_match(tag, current) for tag in wanted)
    since = parse_http_date(get(request_headers, b"if-modified-since"))
    if since is None:
        return False
    modified = parse_http_date(get(stored, b"last-modified"))
    if modified is None:
        modified = parse_http_date(get(stored, b"date"))
    return (modified if modified is not None else response_time) <= since


def updates(stored: Headers, response_304: Headers) -> bool:
    """Return whether a 304 validates this stored response (§4.3.4)."""
    new_tags = parse_entity_tags(get(response_304, b"etag")) or []
    old_tags = parse_entity_tags(get(stored, b"etag")) or []
    old_tag = old_tags[0] if old_tags else None
    new_modified = get(response_304, b"last-modified")
    old_modified = get(stored, b"last-modified")
    if new_tags and not new_tags[0][0]:
        # A strong validator names exactly the representation to update.
        return old_tag is not None and strong_match(new_tags[0], old_tag)
    if new_tags:
        return old_tag is not None and weak_match(new_tags[0], old_tag)
    if new_modified is not None:
        return new_modified == old_modified
    # Neither carries a validator: the one stored response is the one validated.
    return old_tag is None and old_modified is None


def head_updates(stored: Headers, length: int, response_head: Headers) -> bool:
    """Return whether a 200 response to HEAD may update a stored GET response (§4.3.5).

    Every validator the HEAD response carries (ETag, Last-Modified) must equal the stored one,
    and its Content-Length, when present, the stored body's length. Otherwise the stored
    response is to be treated as stale.
    """
    for name in (b"etag", b"last-modified"):
        value = get(response_head, name)
        if value is not None and value.strip() != (get(stored, name) or b"").strip():
            return False
    declared = get(response_head, b"content-length")
    return declared is None or declared.strip() == str(length).encode("ascii")


def merge(stored: Headers, response_304: Headers) -> Headers:
    """Return the stored fields updated with a 304's fields (§3.2), in the stored order."""
    incoming: dict[bytes, list[bytes]] = {}
    for name, value in stored_fields(response_304):
        if name not in KEPT_ON_UPDATE:
            incoming.setdefault(name, []).append(value)
    merged: Headers = []
    for name, value in stored:
        if name not in incoming:
            merged.append((name, value))
        elif incoming[name]:
            merged.extend((name, new) for new in incoming[name])
            incoming[name] = []
    merged.extend((name, value) for name, values in incoming.items() for value in values)
    return merged
