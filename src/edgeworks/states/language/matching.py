"""Which error names an ``ErrorEquals`` list matches (States Language: Error names).

- States.Runtime is never retried nor caught: the guide says it always fails the execution.
- ``States.ALL`` matches every other error except States.DataLimitExceeded, which only its
  own name matches.
- ``States.TaskFailed`` matches every error a task can raise except the timeouts (and the
  terminal ones).
- ``States.Timeout`` also matches a heartbeat timeout: the service reports a missed heartbeat
  as a timeout, and a catcher on either name fires for it.
- Any other name matches itself only.
"""

from __future__ import annotations

from collections.abc import Sequence

from edgeworks.states.language import errors

TERMINAL = frozenset({errors.RUNTIME, errors.DATA_LIMIT_EXCEEDED})


def matches(error_equals: Sequence[str], error: str) -> bool:
    """Whether any name in ``error_equals`` matches ``error``."""
    return any(_one(name, error) for name in error_equals)


TIMEOUTS = frozenset({errors.TIMEOUT, errors.HEARTBEAT_TIMEOUT})


def _one(name: str, error: str) -> bool:
    if error == errors.RUNTIME:
        return False
    if name == error:
        return True
    if error in TERMINAL:
        return False
    if name == errors.ALL:
        return True
    if name == errors.TIMEOUT:
        return error == errors.HEARTBEAT_TIMEOUT
    return name == errors.TASK_FAILED and error not in TIMEOUTS
