"""Errors of the States Language core.

Tree::

    EdgeworksError
    └── LanguageError            root of this package
        ├── DefinitionError      a definition the service would reject (carries diagnostics)
        └── StatesFailure        a runtime failure with a States Language error name and cause

A :class:`StatesFailure` is what a state raises while it runs: the runtime records its ``error``
and ``cause`` in the history and hands it to the state's retriers and catchers. Some causes are
written by the service with a prefix naming the state and the event that entered it; those
failures carry ``needs_location=True`` and the runtime, which knows the event id, calls
:meth:`StatesFailure.located` before recording them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from edgeworks.errors import EdgeworksError

if TYPE_CHECKING:
    from edgeworks.states.language.diagnostics import Diagnostic

# States Language, Appendix A: the predefined error names.
ALL = "States.ALL"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
RUNTIME = "States.Runtime"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
TASK_FAILED = "States.TaskFailed"
PERMISSIONS = "States.Permissions"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"

KNOWN_NAMES = frozenset(
    {
        ALL,
        DATA_LIMIT_EXCEEDED,
        RUNTIME,
        TIMEOUT,
        HEARTBEAT_TIMEOUT,
        TASK_FAILED,
        PERMISSIONS,
        RESULT_PATH_MATCH_FAILURE,
        PARAMETER_PATH_FAILURE,
        BRANCH_FAILED,
        NO_CHOICE_MATCHED,
        INTRINSIC_FAILURE,
        EXCEED_TOLERATED_FAILURE_THRESHOLD,
        ITEM_READER_FAILED,
        RESULT_WRITER_FAILED,
        QUERY_EVALUATION_ERROR,
        "States.Http.Socket",
    }
)


class LanguageError(EdgeworksError):
    """Root of every error raised by the States Language core."""


class DefinitionError(LanguageError):
    """A state machine definition is invalid; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        first = diagnostics[0].message if diagnostics else "Invalid State Machine Definition"
        super().__init__(first)

    def message(self) -> str:
        """Return the service's InvalidDefinition message: every diagnostic, one per line."""
        lines = [f"{d.code}: {d.message} at {d.location or 'null'}" for d in self.diagnostics]
        return "Invalid State Machine Definition: '" + ", ".join(lines) + "'"


class StatesFailure(LanguageError):  # noqa: N818 (the contract's name for a run-time failure)
    """A state failed at run time with a States Language error name and a cause text."""

    def __init__(self, error: str, cause: str | None = None, *, needs_location: bool = False):
        self.error = error
        self.cause = cause
        self.needs_location = needs_location
        super().__init__(f"{error}: {cause}" if cause is not None else error)

    def located(self, state_name: str, entered_event_id: int) -> StatesFailure:
        """Return this failure with the service's prefix naming the state, when it needs one."""
        if not self.needs_location:
            return self
        prefix = (
            f"An error occurred while executing the state '{state_name}' "
            f"(entered at the event id #{entered_event_id})."
        )
        return StatesFailure(self.error, f"{prefix} {self.cause}")

    def error_output(self) -> dict[str, Any]:
        """Return the error object that Catch hands on: ``{"Error": ..., "Cause": ...}``.

        A failure without a cause (a timeout) still hands on a Cause, the empty string, as the
        service does.
        """
        return {"Error": self.error, "Cause": self.cause if self.cause is not None else ""}
