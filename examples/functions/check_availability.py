"""Sample function: is an apartment free on the requested dates?

Run it from a workflow with ``arn:aws:lambda:us-east-1:123456789012:function:check_availability``
or through ``arn:aws:states:::lambda:invoke`` with ``FunctionName: check_availability``.
"""

from __future__ import annotations

from typing import Any

# A stand-in for a bookings table: apartment id -> nights already taken (ISO dates).
TAKEN = {"apt-1": {"2026-12-24", "2026-12-25"}, "apt-2": set()}


class ApartmentNotFound(Exception):  # noqa: N818 (workflows match this name)
    """The apartment id is unknown; a workflow can Catch it by this name."""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Return the event with ``available`` set for its ``apartment`` and ``nights``."""
    apartment = event["apartment"]
    if apartment not in TAKEN:
        raise ApartmentNotFound(f"no apartment {apartment!r}")
    clash = sorted(TAKEN[apartment] & set(event["nights"]))
    return {**event, "available": not clash, "clash": clash}
