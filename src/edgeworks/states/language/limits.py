"""The payload size limit (the guide: Quotas; States.DataLimitExceeded)."""

from __future__ import annotations

import json
from typing import Any

from edgeworks.states.language import errors

MAX_PAYLOAD_BYTES = 256 * 1024


def payload_size(value: Any) -> int:
    """Bytes of ``value`` serialized as compact UTF-8 JSON."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def check_payload(value: Any, what: str = "state output") -> None:
    """Raise States.DataLimitExceeded when ``value`` serializes past 256 KiB.

    Args:
        value: the input, output, result or variables to check.
        what: what the value is, for the cause ("state output", "task result", ...).
    """
    size = payload_size(value)
    if size > MAX_PAYLOAD_BYTES:
        cause = (
            f"The {what} of {size} bytes exceeds the maximum number of bytes service limit "
            f"of {MAX_PAYLOAD_BYTES} bytes."
        )
        raise errors.StatesFailure(errors.DATA_LIMIT_EXCEEDED, cause)
