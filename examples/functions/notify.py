"""Sample function: pretend to notify a guest; returns what it would have sent."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Return the message for ``guest`` built from ``status``."""
    status = event.get("status", "unknown")
    return {"to": event.get("guest", "guest"), "message": f"Your booking is {status}."}
