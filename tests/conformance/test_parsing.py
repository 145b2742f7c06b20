"""Parsing the fields that carry caching rules, seen through their effect on the wire.

HTTP-date formats (RFC 9110 §5.6.7), delta-seconds limits (RFC 9111 §1.2.2), combined field
lines (RFC 9110 §5.3) and directive spelling (RFC 9111 §5.2).
"""

from __future__ import annotations

import time

import pytest

from .conftest import Edge
from .origin import reply


def twice(edge: Edge, path: str) -> int:
    """Ask for ``path`` twice; return how many requests reached the origin."""
    edge.get(path)
    edge.get(path)
    return edge.origin.count(path)


def rfc850(offset: float) -> str:
    """The obsolete RFC 850 form of a date ``offset`` seconds from now."""
    return time.strftime("%A, %d-%b-%y %H:%M:%S GMT", time.gmtime(time.time() + offset))


def asctime(offset: float) -> str:
    """The obsolete asctime() form of a date ``offset`` seconds from now."""
    return time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(time.time() + offset))


@pytest.mark.parametrize("form", [rfc850, asctime])
def test_obsolete_date_forms_accepted_in_expires(edge: Edge, path: str, form: object) -> None:
    """RFC 9110 §5.6.7: recipients MUST accept all three HTTP-date formats (Expires here)."""
    assert callable(form)
    edge.origin.script(path, reply(200, f"Expires: {form(3600)}"))
    assert twice(edge, path) == 1


INVALID_EXPIRES = [
    "0",
    "-1",
    "soon",
    "Thu, 01 Jan 2099",  # no time
    "Thu, 01 Jan 2099 00:00:00 UTC",  # a zone other than GMT
    "Thu,01 Jan 2099 00:00:00 GMT",  # no space after the comma
    "Thu, 01 Jan 2099 00:00 GMT",  # no seconds
    "Thu, 1 Jan 2099 00:00:00 GMT",  # one-digit day in the preferred form
]


@pytest.mark.parametrize("value", INVALID_EXPIRES)
def test_invalid_expires_is_stale(edge: Edge, path: str, value: str) -> None:
    """RFC 9111 §5.3: a cache recipient MUST treat an invalid Expires as already expired."""
    edge.origin.script(path, reply(200, f"Expires: {value}"))
    assert twice(edge, path) == 2


def test_age_beyond_integer_range_is_stale(edge: Edge, path: str) -> None:
    """RFC 9111 §1.2.2: an overflowing delta-seconds counts as 2147483648 (Age: very old)."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "Age: 99999999999999"))
    assert twice(edge, path) == 2


def test_max_age_beyond_integer_range_is_fresh(edge: Edge, path: str) -> None:
    """RFC 9111 §1.2.2: an overflowing max-age counts as 2147483648 seconds, not as invalid."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=99999999999999"))
    assert twice(edge, path) == 1


def test_cache_control_lines_combine(edge: Edge, path: str) -> None:
    """RFC 9110 §5.3: several Cache-Control lines are one list; no-store on the second counts."""
    edge.origin.script(path, reply(200, "Cache-Control: max-age=60", "Cache-Control: no-store"))
    assert twice(edge, path) == 2


def test_freshness_from_second_cache_control_line(edge: Edge, path: str) -> None:
    """RFC 9110 §5.3: max-age on a second Cache-Control line gives freshness."""
    edge.origin.script(path, reply(200, "Cache-Control: public", "Cache-Control: max-age=60"))
    assert twice(edge, path) == 1


def test_unknown_directives_ignored(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.3: unrecognised directives are ignored; the known ones still apply."""
    edge.origin.script(path, reply(200, 'Cache-Control: frobnicate, max-age=60, x-y="z"'))
    assert twice(edge, path) == 1


def test_no_cache_case_insensitive(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2: No-Cache is no-cache: the stored response is validated before reuse."""
    edge.origin.script(path, reply(200, "Cache-Control: No-Cache, max-age=60", 'ETag: "a"'))
    assert twice(edge, path) == 2


def test_private_case_insensitive(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2: PRIVATE is private: not stored by a shared cache."""
    edge.origin.script(path, reply(200, "Cache-Control: PRIVATE, max-age=60"))
    assert twice(edge, path) == 2


def test_quoted_max_age_accepted(edge: Edge, path: str) -> None:
    """RFC 9111 §5.2.2.9 (and §5.2.2.1): the quoted form of the argument is accepted."""
    edge.origin.script(path, reply(200, 'Cache-Control: max-age="60"'))
    assert twice(edge, path) == 1
