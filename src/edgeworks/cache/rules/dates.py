"""HTTP-date and Age parsing (RFC 9110 §5.6.7, RFC 9111 §5.1, §5.3).

Dates come in the preferred IMF-fixdate form and two obsolete forms (RFC 850 and asctime); all
three are accepted. A value that fits none of them is reported as None, which the freshness
rules read as "already expired" for Expires (RFC 9111 §5.3).
"""

from __future__ import annotations

import calendar
import re

from edgeworks.cache.rules.directives import DELTA_SECONDS_CAP

_MONTHS = {
    name: index
    for index, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_TIME = r"(\d\d):(\d\d):(\d\d)"
# Names of days, months and the zone are matched without regard to case; everything else
# (separators, single spaces, two-digit fields, "GMT" and no other zone) is as RFC 9110 §5.6.7
# writes it, and anything looser is an invalid date.
_IMF = re.compile(rf"[A-Za-z]{{3}}, (\d\d) ([A-Za-z]{{3}}) (\d{{4}}) {_TIME} (?i:GMT)")
_RFC850 = re.compile(rf"[A-Za-z]{{6,9}}, (\d\d)-([A-Za-z]{{3}})-(\d\d) {_TIME} (?i:GMT)")
_ASCTIME = re.compile(rf"[A-Za-z]{{3}} ([A-Za-z]{{3}}) ([ \d]\d) {_TIME} (\d{{4}})")

# RFC 9110 §5.6.7: a two-digit year more than 50 years ahead means the previous century. The
# pivot is fixed rather than read from a clock so that parsing stays pure.
_TWO_DIGIT_PIVOT = 76


def parse_http_date(value: bytes | None) -> float | None:
    """Return the POSIX time of an HTTP-date, or None when it is absent or invalid.

    Args:
        value: the raw field value.
    """
    if value is None:
        return None
    text = value.decode("latin-1").strip()
    parts = _match(text)
    if parts is None:
        return None
    day, month_name, year, hour, minute, second = parts
    month = _MONTHS.get(month_name.lower())
    if month is None or not (1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        return None
    try:
        return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)))
    except (OverflowError, ValueError):
        return None


def _match(text: str) -> tuple[int, str, int, int, int, int] | None:
    if found := _IMF.fullmatch(text):
        day, month, year, hour, minute, second = found.groups()
        return int(day), month, int(year), int(hour), int(minute), int(second)
    if found := _RFC850.fullmatch(text):
        day, month, short, hour, minute, second = found.groups()
        year = int(short) + (2000 if int(short) <= _TWO_DIGIT_PIVOT else 1900)
        return int(day), month, year, int(hour), int(minute), int(second)
    if found := _ASCTIME.fullmatch(text):
        month, day, hour, minute, second, year = found.groups()
        return int(day), month, int(year), int(hour), int(minute), int(second)
    return None


def format_http_date(when: float) -> bytes:
    """Format a POSIX time as an IMF-fixdate (RFC 9110 §5.6.7)."""
    from email.utils import formatdate

    return formatdate(when, usegmt=True).encode("ascii")


def parse_age(values: list[bytes]) -> int | None:
    """Return the Age in seconds from its field lines, or None when absent or invalid.

    RFC 9111 §5.1: Age is a single delta-seconds; a cache ignores a value that is not one. When
    the field appears more than once only the first member is used.
    """
    if not values:
        return None
    first = values[0].split(b",")[0].strip()
    if not first.isdigit():
        return None
    return min(int(first), DELTA_SECONDS_CAP)
