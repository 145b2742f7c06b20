"""Freshness on the wire: RFC 9111 §4.2 (lifetime, heuristics, age).

A response made stale on arrival uses the origin's own ``Age`` or an old ``Date`` (§4.2.3), so
no test waits for a lifetime to run out; only the growth of ``Age`` is watched in real time.
"""

from __future__ import annotations

import time

from .conftest import Edge
from .origin import reply
from .support import http_date


def twice(edge: Edge, path: str) -> int:
    """Ask for ``path`` twice; return how many requests reached the origin."""
    edge.get(path)
    edge.get(path)
    return edge.origin.count(path)


def test_max_age_fresh_response_is_reused(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.1: a response fresh by max-age answers without the origin."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", body=b"first"))
    assert edge.get(path).x_cache == "Miss"
    second = edge.get(path)
    assert (second.x_cache, second.body, edge.origin.count(path)) == ("Hit", b"first", 1)


def test_max_age_stale_response_goes_to_origin(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.1, §4.2.3: max-age=10 with Age: 15 from upstream is already stale."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=10", "Age: 15"))
    assert twice(edge, path) == 2


def test_s_maxage_overrides_max_age_for_longer_life(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.10: a shared cache uses s-maxage over max-age (stale by max-age)."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=1, s-maxage=60", "Age: 5"))
    assert twice(edge, path) == 1


def test_s_maxage_overrides_max_age_for_shorter_life(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.10: s-maxage=1 wins over max-age=60 in a shared cache."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60, s-maxage=1", "Age: 5"))
    assert twice(edge, path) == 2


def test_expires_gives_freshness(edge: Edge, path: str) -> None:
    """RFC 9111 §5.3, §4.2.1: Expires after Date makes the response fresh."""
    edge.origin.script(path, reply(200, f"Expires: {http_date(60)}"))
    assert twice(edge, path) == 1


def test_max_age_overrides_expires(edge: Edge, path: str) -> None:
    """RFC 9111 §5.3: with max-age present, Expires is ignored."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", f"Expires: {http_date(-60)}"))
    assert twice(edge, path) == 1


def test_expires_in_the_past_is_stale(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.1: Expires before Date gives a lifetime of zero."""
    edge.origin.script(path, reply(200, f"Expires: {http_date(-60)}"))
    assert twice(edge, path) == 2


def test_expires_invalid_means_expired(edge: Edge, path: str) -> None:
    """RFC 9111 §5.3: an invalid Expires ("0") represents a time in the past."""
    edge.origin.script(path, reply(200, "Expires: 0"))
    assert twice(edge, path) == 2


def test_expires_equal_to_date_is_stale(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.1: Expires equal to Date gives a lifetime of zero."""
    now = http_date()
    edge.origin.script(path, reply(200, f"Date: {now}", f"Expires: {now}"))
    assert twice(edge, path) == 2


def test_date_absent_uses_receipt_time(edge: Edge, path: str) -> None:
    """RFC 9110 §6.6.1, RFC 9111 §4.2.3: no Date means the time received; max-age still counts."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", date=False))
    assert twice(edge, path) == 1


def test_date_absent_with_expires(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.1: Expires is compared with the receipt time when Date is absent."""
    edge.origin.script(path, reply(200, f"Expires: {http_date(60)}", date=False))
    assert twice(edge, path) == 1


def test_origin_age_counts_toward_current_age(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.3: the Age received is part of corrected_initial_age."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=600", "Age: 30"))
    edge.get(path)
    hit = edge.get(path)
    assert hit.x_cache == "Hit"
    assert hit.age is not None and 30 <= hit.age < 40


def test_old_date_counts_toward_current_age(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.3: apparent_age = response_time - Date; an old Date makes it stale."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=10", f"Date: {http_date(-30)}"))
    assert twice(edge, path) == 2


def test_age_grows_while_stored(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.3, §5.1: a hit's Age is the current age, growing with resident time."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    edge.get(path)
    first = edge.get(path)
    time.sleep(2.1)
    later = edge.get(path)
    assert first.age is not None and later.age is not None
    assert later.age >= first.age + 2


def test_hit_carries_age(edge: Edge, path: str) -> None:
    """RFC 9111 §5.1: a response served from cache carries Age."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60"))
    assert edge.get(path).age is None
    assert edge.get(path).age is not None


def test_expired_by_time_goes_to_origin(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2: once max-age has passed in real time, the entry is not used."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=1"))
    edge.get(path)
    time.sleep(2.1)
    assert edge.get(path).x_cache == "Miss"
    assert edge.origin.count(path) == 2


def test_heuristic_freshness_from_last_modified(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.2: a 200 with only Last-Modified (a day old) may be heuristically fresh."""
    edge.origin.script(path, reply(200, f"Last-Modified: {http_date(-86400)}"))
    assert twice(edge, path) == 1


def test_heuristic_freshness_bounded_by_last_modified_age(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.2: a tenth of Date - Last-Modified (10 s here), used up by Age: 20."""
    edge.origin.script(path, reply(200, f"Last-Modified: {http_date(-100)}", "Age: 20"))
    assert twice(edge, path) == 2


def test_no_heuristic_freshness_for_status_not_cacheable_by_default(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.2: heuristics only for statuses cacheable by default (not 202)."""
    edge.origin.script(path, reply(202, f"Last-Modified: {http_date(-86400)}"))
    assert twice(edge, path) == 2


def test_no_freshness_without_any_information(edge: Edge, path: str) -> None:
    """RFC 9111 §4.2.2: without explicit freshness or Last-Modified nothing is reused."""
    edge.origin.script(path, reply(200))
    assert twice(edge, path) == 2


def test_max_age_zero_is_stale_at_once(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.1, §4.2.1: max-age=0 gives a lifetime of zero."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=0"))
    assert twice(edge, path) == 2


def test_negative_max_age_is_stale(edge: Edge, path: str) -> None:
    """RFC 9111 §1.2.2, §4.2.1: max-age=-1 is not a valid delta-seconds: treat it as stale."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=-1"))
    assert twice(edge, path) == 2


def test_directive_names_case_insensitive(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2: directive names are case-insensitive (MAX-AGE is max-age)."""
    edge.origin.script(path, reply(200, "Cache-Control: MAX-AGE=60"))
    assert twice(edge, path) == 1
