"""The durable runtime: executions as asyncio tasks over an append-only history."""

from edgeworks.states.runtime.clock import Clock, ManualClock, SystemClock
from edgeworks.states.runtime.engine import Engine

__all__ = ["Clock", "Engine", "ManualClock", "SystemClock"]
