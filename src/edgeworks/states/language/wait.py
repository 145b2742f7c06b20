"""The Wait state: until when the execution pauses (States Language: Wait State).

The runtime passes ``now``; the answer is an absolute time, so a durable timer can be stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from edgeworks.states.language import errors, jsonata_eval, paths, timestamps
from edgeworks.states.language.base import ABSENT, Scope, State

# The guide: Seconds and TimeoutSeconds are at most 99999999.
MAX_SECONDS = 99999999


@dataclass(frozen=True)
class WaitState(State):
    """States Language: Wait State. In JSONata states ``seconds``/``timestamp`` may be
    expressions."""

    seconds: Any = ABSENT
    timestamp: Any = ABSENT
    seconds_path: str | None = None
    timestamp_path: str | None = None


def until(state: WaitState, data: Any, now: datetime, scope: Scope) -> datetime:
    """Return the moment the wait ends.

    ``data`` is the effective input (after InputPath) in JSONPath states and the raw state input
    in JSONata states.

    Raises:
        StatesFailure: States.Runtime when a path selects nothing or a value of the wrong kind;
            States.QueryEvaluationError for a failing JSONata expression.
    """
    if state.seconds_path is not None:
        return now + timedelta(seconds=_seconds(state, _select(state.seconds_path, data, scope)))
    if state.timestamp_path is not None:
        return _moment(state, _select(state.timestamp_path, data, scope), "TimestampPath")
    states = {"input": data, "context": dict(scope.context)}
    if state.seconds is not ABSENT:
        value = jsonata_eval.evaluate_value(state.seconds, states, scope, "Seconds")
        return now + timedelta(seconds=_seconds(state, value))
    value = jsonata_eval.evaluate_value(state.timestamp, states, scope, "Timestamp")
    return _moment(state, value, "Timestamp")


def _select(path: str, data: Any, scope: Scope) -> Any:
    try:
        return paths.select(path, data, scope)
    except paths.NoMatchError as exc:
        raise errors.StatesFailure(errors.RUNTIME, str(exc), needs_location=True) from None


def _seconds(state: WaitState, value: Any) -> int:
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or not 0 <= value <= MAX_SECONDS:
        field = "SecondsPath" if state.seconds_path is not None else "Seconds"
        cause = (
            f"The {field} of state '{state.name}' must be a whole number of seconds from 0 to "
            f"{MAX_SECONDS}, got {jsonata_eval.dumps(value)}"
        )
        raise errors.StatesFailure(_error_for(state), cause, needs_location=True)
    return int(value)


def _moment(state: WaitState, value: Any, field: str) -> datetime:
    moment = timestamps.parse(value)
    if moment is None:
        cause = (
            f"The {field} of state '{state.name}' must be an RFC 3339 timestamp, "
            f"got {jsonata_eval.dumps(value)}"
        )
        raise errors.StatesFailure(_error_for(state), cause, needs_location=True)
    return moment


def _error_for(state: WaitState) -> str:
    return errors.QUERY_EVALUATION_ERROR if state.is_jsonata else errors.RUNTIME
