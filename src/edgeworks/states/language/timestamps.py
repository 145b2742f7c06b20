"""RFC 3339 timestamps as the States Language uses them (Choice Timestamp rules, Wait)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# RFC 3339 §5.6 date-time; the States Language requires an uppercase T and Z.
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z"
)


def parse(text: object) -> datetime | None:
    """Return the aware datetime ``text`` denotes, or None when it is not an RFC 3339 string."""
    if not isinstance(text, str):
        return None
    found = _RFC3339.match(text)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(found.group(i)) for i in range(1, 7))
    fraction = found.group(7) or ""
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=_zone(found[8]))
    except ValueError:
        return None


def _zone(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = 1 if text[0] == "+" else -1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def is_timestamp(value: object) -> bool:
    """Whether ``value`` is a string holding an RFC 3339 timestamp."""
    return parse(value) is not None


def format_utc(moment: datetime) -> str:
    """Write ``moment`` as the service writes timestamps: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
