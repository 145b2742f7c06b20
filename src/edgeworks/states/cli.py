"""Sub-commands of the states area (filled in by that area)."""

from __future__ import annotations

from typing import Any


def register(commands: Any) -> None:
    """Add this area's sub-commands to the top-level parser."""
    del commands
