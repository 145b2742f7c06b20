"""Which error names an ``ErrorEquals`` list matches (States Language: Error names).

- ``States.ALL`` matches every error except the terminal ones, States.Runtime and
  States.DataLimitExceeded, which only their own name matches.
- ``States.TaskFailed`` matches every error a task can raise except States.Timeout (and the
  terminal ones).
- Any other name matches itself only.
"""

from __future__ import annotations

from collections.abc import Sequence

from edgeworks.states.language import errors

TERMINAL = frozenset({errors.RUNTIME, errors.DATA_LIMIT_EXCEEDED})


def matches(error_equals: Sequence[str], error: str) -> bool:
    """Whether any name in ``error_equals`` matches ``error``."""
    return any(_one(name, error) for name in error_equals)


def _one(name: str, error: str) -> bool:
    if name == error:
        return True
    if error in TERMINAL:
        return False
    if name == errors.ALL:
        return True
    return name == errors.TASK_FAILED and error != errors.TIMEOUT
