"""What an EXPRESS state machine may not use (the guide: Standard and Express workflows).

Express workflows run at most five minutes and keep no history, so the service refuses the
integration patterns that wait for another party: ``.sync`` and ``.waitForTaskToken``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from edgeworks.states.language import diagnostics as dg
from edgeworks.states.language.checks import FieldChecker, Where

EXPRESS = "EXPRESS"
# An integration pattern ends the resource ARN: ".sync", ".sync:2", ".waitForTaskToken".
_WAITING = re.compile(r"(\.sync|\.waitForTaskToken)(:\d+)?$")


def check_express(checker: FieldChecker, document: Mapping[str, Any]) -> None:
    """Report every Task whose resource uses a pattern Express workflows do not support."""
    for where, state in _tasks(document, ()):
        resource = state.get("Resource")
        found = _WAITING.search(resource) if isinstance(resource, str) else None
        if found is None:
            continue
        # The service's message ends with a space.
        pattern = found.group(1)
        message = f"Express state machine does not support '{pattern}' service integration "
        checker.add(dg.SCHEMA_VALIDATION_FAILED, message, (*where, "Resource"))


def _tasks(machine: Mapping[str, Any], where: Where) -> Iterator[tuple[Where, Mapping[str, Any]]]:
    for name, state in (machine.get("States") or {}).items():
        at = (*where, "States", name)
        if state.get("Type") == "Task":
            yield at, state
        for index, branch in enumerate(state.get("Branches") or []):
            yield from _tasks(branch, (*at, "Branches", index))
        for field in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(field), Mapping):
                yield from _tasks(state[field], (*at, field))
