"""The Parallel state: runs every branch on the same input; the output lists their outputs.

One failing branch fails the state with that branch's error, and the runtime stops the other
branches (States Language: Parallel State).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from edgeworks.states.language.base import State

if TYPE_CHECKING:
    from edgeworks.states.language.machine import StateMachine


@dataclass(frozen=True)
class ParallelState(State):
    """States Language: Parallel State. Each branch is a complete machine of its own."""

    branches: tuple[StateMachine, ...] = ()
