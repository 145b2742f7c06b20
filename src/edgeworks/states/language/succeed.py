"""The Succeed state: ends the machine (or the branch, or the iteration) successfully."""

from __future__ import annotations

from dataclasses import dataclass

from edgeworks.states.language.base import State


@dataclass(frozen=True)
class SucceedState(State):
    """States Language: Succeed State. Its output is its processed input."""
