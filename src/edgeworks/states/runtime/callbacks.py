"""Task tokens and the callbacks that complete them (Step Functions guide: Wait for a Callback).

A token names the execution and the key of the task attempt that issued it, so it stays valid
across restarts. The first SendTaskSuccess or SendTaskFailure for a token is stored before the
waiting task is told, and a task that starts (or restarts) waiting looks in the store first.
Heartbeats are kept in memory only: after a restart a task's heartbeat period starts afresh.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Any

from edgeworks.states.store import Store


def make_token(execution_arn: str, key: str) -> str:
    """Return the task token of one task attempt."""
    raw = json.dumps([execution_arn, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: str) -> tuple[str, str]:
    """Return the execution ARN and task key a token names.

    Raises:
        ValueError: The token was not issued by this service.
    """
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        arn, key = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError(f"Invalid Token: '{token}'") from exc
    if not isinstance(arn, str) or not isinstance(key, str):
        raise ValueError(f"Invalid Token: '{token}'")
    return arn, key


class Callbacks:
    """Waiting tasks by token, and the outcomes sent for them.

    Args:
        store: Where outcomes of STANDARD executions are kept.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._waiters: dict[tuple[str, str], asyncio.Future[dict[str, Any]]] = {}
        self._memory: dict[tuple[str, str], dict[str, Any]] = {}
        self._beats: dict[tuple[str, str], float] = {}

    def waiting(self, arn: str, key: str) -> bool:
        """Whether a task waits for this token in this process now."""
        return (arn, key) in self._waiters

    def deliver(self, arn: str, key: str, outcome: dict[str, Any], durable: bool) -> bool:
        """Record the outcome for a token and wake its task; False if one came before."""
        if durable:
            first = self._store.add_callback(arn, key, outcome)
        else:
            first = (arn, key) not in self._memory
            self._memory.setdefault((arn, key), outcome)
        waiter = self._waiters.get((arn, key))
        if first and waiter is not None and not waiter.done():
            waiter.set_result(outcome)
        return first

    def beat(self, arn: str, key: str, now: float) -> None:
        """Note a heartbeat for a waiting task."""
        self._beats[(arn, key)] = now

    def last_beat(self, arn: str, key: str) -> float | None:
        """Return the time of the task's last heartbeat in this process, if any."""
        return self._beats.get((arn, key))

    def open(self, arn: str, key: str, durable: bool) -> asyncio.Future[dict[str, Any]]:
        """Start waiting for a token; the future is already done if an outcome was kept."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        kept = self._store.callback(arn, key) if durable else self._memory.get((arn, key))
        if kept is not None:
            future.set_result(kept)
        self._waiters[(arn, key)] = future
        return future

    def close(self, arn: str, key: str) -> None:
        """Stop waiting for a token."""
        self._waiters.pop((arn, key), None)
        self._beats.pop((arn, key), None)
        self._memory.pop((arn, key), None)
