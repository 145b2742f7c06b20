"""The Pass state: hands its input, or a fixed Result, on to the next state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edgeworks.states.language.base import ABSENT, State


@dataclass(frozen=True)
class PassState(State):
    """States Language: Pass State. ``result`` is ABSENT when the definition has no Result."""

    result: Any = ABSENT
