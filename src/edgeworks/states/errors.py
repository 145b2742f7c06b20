"""Errors of the workflow service.

Tree::

    EdgeworksError
    └── StatesError              root of the workflow service (outside the language core)
        ├── ApiError             an API request the service refuses; carries the ``__type``
        │                        the Step Functions API names and the HTTP status to send
        └── FunctionError        a task's resource failed (a local function, or starting a
                                 nested execution); carries the error and cause that the
                                 history records for it

The language core has its own root, ``edgeworks.states.language.errors.LanguageError``; the API
layer translates its ``DefinitionError`` into :class:`ApiError` ``InvalidDefinition`` at one
boundary.
"""

from __future__ import annotations

from edgeworks.errors import EdgeworksError


class StatesError(EdgeworksError):
    """Base class of every deliberate error in the workflow service."""


class ApiError(StatesError):
    """A request the Step Functions API refuses.

    Attributes:
        type_name: The modeled error name sent as ``__type`` (for example ``InvalidArn``).
        message: The human-readable text sent as ``message``; it names the offending value.
        status: The HTTP status to answer with.
        extra: Further members of the modeled error shape (``reason``, ``resourceName``).
    """

    def __init__(
        self,
        type_name: str,
        message: str,
        status: int = 400,
        extra: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.message = message
        self.status = status
        self.extra = extra or {}


class FunctionError(StatesError):
    """A task's resource could not be run or failed (a local function raised, a nested
    execution's machine is missing).

    Attributes:
        error: The error name the history records (an exception type or ``Lambda.*``).
        cause: The cause the history records.
    """

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


def validation(member: str, value: object, rule: str) -> ApiError:
    """Return a ValidationException naming the member, its value and the rule it breaks."""
    message = (
        f"1 validation error detected: Value {value!r} at '{member}' "
        f"failed to satisfy constraint: {rule}"
    )
    return ApiError("ValidationException", message)
