"""Variants (RFC 9111 §4.1), HEAD (§4, §4.3.5) and ranges from stored responses (RFC 9110 §14)."""

from __future__ import annotations

import pytest

from .client import fetch_pipelined
from .conftest import Edge
from .origin import reply

DIGITS = b"0123456789"


def test_two_variants_coexist(edge: Edge, path: str) -> None:
    """RFC 9111 §4.1: responses for different Accept-Language values are kept side by side."""
    english = reply(200, "Cache-Control: max-age=60", "Vary: Accept-Language", body=b"hello")
    french = reply(200, "Cache-Control: max-age=60", "Vary: Accept-Language", body=b"bonjour")
    edge.origin.script(path, english, french)
    edge.get(path, "Accept-Language: en")
    edge.get(path, "Accept-Language: fr")
    assert edge.get(path, "Accept-Language: en").body == b"hello"
    assert edge.get(path, "Accept-Language: fr").body == b"bonjour"
    assert edge.origin.count(path) == 2


def test_variant_not_matching_goes_to_origin(edge: Edge, path: str) -> None:
    """RFC 9111 §4.1: a stored variant answers only requests whose Vary fields match."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "Vary: Accept-Language"))
    edge.get(path, "Accept-Language: en")
    assert edge.get(path, "Accept-Language: de").x_cache == "Miss"


def test_variant_field_absent_does_not_match_present(edge: Edge, path: str) -> None:
    """RFC 9111 §4.1: a field present when stored and absent now does not match."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "Vary: Accept-Language"))
    edge.get(path, "Accept-Language: en")
    assert edge.get(path).x_cache == "Miss"


@pytest.mark.parametrize("vary", ["*", "Accept-Language, *"])
def test_vary_star_is_never_served(edge: Edge, path: str, vary: str) -> None:
    """RFC 9111 §4.1: a Vary containing * always fails to match."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", f"Vary: {vary}"))
    edge.get(path)
    edge.get(path)
    assert edge.origin.count(path) == 2


def test_vary_values_normalised(edge: Edge, path: str) -> None:
    """RFC 9111 §4.1: values differing only in whitespace after commas match (RFC 9110 §5.6.1)."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "Vary: Accept-Language"))
    edge.get(path, "Accept-Language: en, fr")
    assert edge.get(path, "Accept-Language: en,fr").x_cache == "Hit"


def test_vary_accept_encoding_members_compared_loosely(edge: Edge, path: str) -> None:
    """RFC 9111 §4.1, RFC 9110 §12.5.3: codings are case-insensitive; the order carries no
    preference (q-values do), so the same set in another order and case matches.
    """
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "Vary: Accept-Encoding"))
    edge.get(path, "Accept-Encoding: gzip, br")
    assert edge.get(path, "Accept-Encoding: BR,gzip").x_cache == "Hit"


def test_vary_field_lines_combined(edge: Edge, path: str) -> None:
    """RFC 9111 §4.1, RFC 9110 §5.3: two request lines of a field equal the one combined line."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "Vary: Accept-Language"))
    edge.get(path, "Accept-Language: en", "Accept-Language: fr")
    assert edge.get(path, "Accept-Language: en, fr").x_cache == "Hit"


def test_vary_field_name_case_insensitive(edge: Edge, path: str) -> None:
    """RFC 9111 §4.1, RFC 9110 §5.1: field names in Vary are case-insensitive."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "Vary: ACCEPT-LANGUAGE"))
    edge.get(path, "accept-language: en")
    assert edge.get(path, "Accept-Language: en").x_cache == "Hit"


def test_vary_on_two_fields(edge: Edge, path: str) -> None:
    """RFC 9111 §4.1: every field named in Vary must match."""
    edge.origin.script(
        path, reply(200, "Cache-Control: max-age=60", "Vary: Accept-Language, X-Kind")
    )
    edge.get(path, "Accept-Language: en", "X-Kind: a")
    assert edge.get(path, "Accept-Language: en", "X-Kind: a").x_cache == "Hit"
    assert edge.get(path, "Accept-Language: en", "X-Kind: b").x_cache == "Miss"


def test_head_answered_from_stored_get(edge: Edge, path: str) -> None:
    """RFC 9111 §4, RFC 9110 §9.3.2: a stored GET response answers HEAD, without a body."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", body=DIGITS))
    edge.get(path)
    head = edge.get(path, method="HEAD")
    assert (head.status, head.body, head.x_cache) == (200, b"", "Hit")
    assert head.header("content-length") == "10"
    assert edge.origin.count(path) == 1


def test_head_response_does_not_poison_get(edge: Edge, path: str) -> None:
    """RFC 9111 §3, §4.3.5: a response to HEAD never becomes a body-less GET entry."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", body=DIGITS))
    edge.get(path, method="HEAD")
    got = edge.get(path)
    assert (got.status, got.body) == (200, DIGITS)


def test_head_with_changed_validator_drops_stored_get(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.5: a HEAD response whose ETag differs makes the stored GET stale."""
    first = reply(200, "Cache-Control: max-age=60", 'ETag: "v1"', body=b"old")
    changed = reply(200, "Cache-Control: max-age=60", 'ETag: "v2"', body=b"new")
    edge.origin.script(path, first, changed)
    edge.get(path)
    edge.get(path, "Cache-Control: no-cache", method="HEAD")
    assert edge.get(path).body == b"new"


def test_head_response_updates_stored_fields(edge: Edge, path: str) -> None:
    """RFC 9111 §4.3.5, §3.2: a HEAD response matching the stored GET updates its fields."""
    first = reply(200, "Cache-Control: max-age=60", 'ETag: "v1"', "X-Version: one")
    update = reply(200, "Cache-Control: max-age=60", 'ETag: "v1"', "X-Version: two")
    edge.origin.script(path, first, update)
    edge.get(path)
    edge.get(path, "Cache-Control: no-cache", method="HEAD")
    later = edge.get(path)
    assert (later.x_cache, later.header("x-version")) == ("Hit", "two")


def stored_digits(edge: Edge, path: str) -> None:
    """Store the ten digits under ``path`` with a strong ETag."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", 'ETag: "d"', body=DIGITS))
    edge.get(path)


def test_single_range_from_cache(edge: Edge, path: str) -> None:
    """RFC 9110 §14.2, §15.3.7: one range of a stored response is answered 206 by the cache."""
    stored_digits(edge, path)
    part = edge.get(path, "Range: bytes=2-5")
    assert (part.status, part.body, part.header("content-range")) == (206, b"2345", "bytes 2-5/10")
    assert edge.origin.count(path) == 1


def test_suffix_range_from_cache(edge: Edge, path: str) -> None:
    """RFC 9110 §14.1.2: a suffix range selects the last N bytes."""
    stored_digits(edge, path)
    part = edge.get(path, "Range: bytes=-3")
    assert (part.status, part.body) == (206, b"789")


def test_multiple_ranges_from_cache(edge: Edge, path: str) -> None:
    """RFC 9110 §14.6: several ranges come as multipart/byteranges."""
    stored_digits(edge, path)
    part = edge.get(path, "Range: bytes=0-1,5-6")
    assert part.status == 206
    assert (part.header("content-type") or "").startswith("multipart/byteranges; boundary=")
    assert b"Content-Range: bytes 0-1/10" in part.body.replace(b"content-range", b"Content-Range")
    assert b"\r\n\r\n01\r\n" in part.body and b"\r\n\r\n56\r\n" in part.body


def test_if_range_matching_etag_gives_206(edge: Edge, path: str) -> None:
    """RFC 9110 §13.1.5: If-Range with the current strong ETag lets the range apply."""
    stored_digits(edge, path)
    assert edge.get(path, "Range: bytes=0-0", 'If-Range: "d"').status == 206


def test_if_range_other_etag_gives_whole(edge: Edge, path: str) -> None:
    """RFC 9110 §13.1.5: If-Range that does not match: the whole representation, 200."""
    stored_digits(edge, path)
    whole = edge.get(path, "Range: bytes=0-0", 'If-Range: "other"')
    assert (whole.status, whole.body) == (200, DIGITS)


def test_if_range_weak_etag_gives_whole(edge: Edge, path: str) -> None:
    """RFC 9110 §13.1.5: If-Range compares strongly, so a weak tag never lets a range apply."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", 'ETag: W/"d"', body=DIGITS))
    edge.get(path)
    whole = edge.get(path, "Range: bytes=0-0", 'If-Range: W/"d"')
    assert (whole.status, whole.body) == (200, DIGITS)


def test_if_range_date_equal_to_last_modified_gives_206(edge: Edge, path: str) -> None:
    """RFC 9110 §13.1.5: an If-Range date equal to a strong Last-Modified lets the range apply."""
    modified = "Mon, 02 Nov 2026 10:00:00 GMT"
    edge.origin.script(
        path, reply(200, "Cache-Control: max-age=60", f"Last-Modified: {modified}", body=DIGITS)
    )
    edge.get(path)
    part = edge.get(path, "Range: bytes=0-0", f"If-Range: {modified}")
    assert (part.status, part.body) == (206, b"0")


def test_unsatisfiable_range_is_416(edge: Edge, path: str) -> None:
    """RFC 9110 §15.5.17: no range satisfiable: 416 with Content-Range: bytes */length."""
    stored_digits(edge, path)
    answer = edge.get(path, "Range: bytes=20-30")
    assert (answer.status, answer.header("content-range")) == (416, "bytes */10")
    assert edge.origin.count(path) == 1


def test_malformed_range_ignored(edge: Edge, path: str) -> None:
    """RFC 9110 §14.2: a Range that does not parse is ignored: 200 with the whole body."""
    stored_digits(edge, path)
    whole = edge.get(path, "Range: bytes=five-six")
    assert (whole.status, whole.body) == (200, DIGITS)


def test_stored_answers_framed_on_one_connection(edge: Edge, path: str) -> None:
    """RFC 9110 §9.3.2, §15.4.5, RFC 9112 §6.3: answers from the cache on one kept-alive
    connection carry no body after HEAD or 304 and exactly Content-Length bytes otherwise.
    """
    stored_digits(edge, path)
    answers = fetch_pipelined(
        edge.port,
        [
            ("HEAD", path, ()),
            ("GET", path, ('If-None-Match: "d"',)),
            ("GET", path, ("Range: bytes=1-2",)),
            ("GET", path, ()),
        ],
    )
    assert [answer.status for answer in answers] == [200, 304, 206, 200]
    assert [answer.body for answer in answers] == [b"", b"", b"12", DIGITS]
