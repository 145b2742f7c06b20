"""The payload size limit (the guide: Quotas; States.DataLimitExceeded).

Inputs, outputs, task results and variables are each limited to 256 KiB of UTF-8 JSON. The
failure is terminal: States.ALL does not catch it (only its own name does).
"""

from __future__ import annotations

import json
from typing import Any

from edgeworks.states.language import errors

MAX_PAYLOAD_BYTES = 256 * 1024


def payload_size(value: Any) -> int:
    """Bytes of ``value`` serialized as compact UTF-8 JSON."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def within_limit(value: Any) -> bool:
    """Whether ``value`` fits the 256 KiB payload limit."""
    return payload_size(value) <= MAX_PAYLOAD_BYTES


def check_payload(value: Any, what: str = "state output") -> None:
    """Raise States.DataLimitExceeded when ``value`` serializes past 256 KiB.

    Args:
        value: the input, output, result or variables to check.
        what: what the value is, for the cause ("state output", "task input", ...).
    """
    size = payload_size(value)
    if size > MAX_PAYLOAD_BYTES:
        cause = (
            f"The {what} of {size} bytes exceeds the maximum number of bytes service limit "
            f"of {MAX_PAYLOAD_BYTES} bytes."
        )
        raise errors.StatesFailure(errors.DATA_LIMIT_EXCEEDED, cause)


def check_task_result(value: Any, resource: str) -> None:
    """Raise States.DataLimitExceeded, worded as the service does, for a task result past
    256 KiB; ``resource`` is the Task's Resource ("lambda" style names or full ARNs)."""
    if not within_limit(value):
        cause = (
            f"The state/task '{resource}' returned a result with a size exceeding the maximum "
            "number of bytes service limit."
        )
        raise errors.StatesFailure(errors.DATA_LIMIT_EXCEEDED, cause)
