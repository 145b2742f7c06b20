"""What an EXPRESS state machine may not use (Step Functions guide: Standard vs Express).

Express workflows run each execution at most once and briefly, so they support neither the
``.sync`` and ``.waitForTaskToken`` integration patterns nor activities. The language core
checks a definition the same way for both types; this module adds the EXPRESS refusals, in the
same diagnostic shape, with the JSON pointer of each offending Resource.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from edgeworks.states.language.diagnostics import ERROR, SCHEMA_VALIDATION_FAILED, Diagnostic

_ACTIVITY = re.compile(r"^arn:aws:states:[^:]*:[^:]*:activity:")
_PATTERNS = (".sync", ".sync:2", ".waitForTaskToken")


def express_problems(document: Any) -> list[Diagnostic]:
    """Return a diagnostic for every Task that an EXPRESS machine may not run."""
    problems = []
    for pointer, state in _states(document, ""):
        resource = state.get("Resource")
        if state.get("Type") != "Task" or not isinstance(resource, str):
            continue
        pattern = next((p for p in _PATTERNS if resource.endswith(p)), None)
        if pattern is not None:
            message = f"Express state machine does not support '{pattern}' service integration"
        elif _ACTIVITY.match(resource):
            message = "Express state machine does not support activities"
        else:
            continue
        problems.append(
            Diagnostic(ERROR, SCHEMA_VALIDATION_FAILED, message, f"{pointer}/Resource")
        )
    return problems


def _states(machine: Any, prefix: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    states = machine.get("States") if isinstance(machine, Mapping) else None
    if not isinstance(states, Mapping):
        return
    for name, state in states.items():
        if not isinstance(state, Mapping):
            continue
        pointer = f"{prefix}/States/{_escaped(name)}"
        yield pointer, state
        for index, branch in enumerate(state.get("Branches") or []):
            yield from _states(branch, f"{pointer}/Branches/{index}")
        for field in ("ItemProcessor", "Iterator"):
            yield from _states(state.get(field), f"{pointer}/{field}")


def _escaped(name: str) -> str:
    # RFC 6901: "~" and "/" are escaped in a JSON pointer.
    return name.replace("~", "~0").replace("/", "~1")
