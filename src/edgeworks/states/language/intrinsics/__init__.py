"""Intrinsic functions of JSONPath-mode states: parse a call, then evaluate it.

Syntax errors are definition errors (:func:`check`); failures while running raise
States.IntrinsicFailure (States Language: Intrinsic Functions).
"""

from __future__ import annotations

from typing import Any

from edgeworks.states.language import errors, paths
from edgeworks.states.language.base import Scope
from edgeworks.states.language.intrinsics.functions import FUNCTIONS, ArgumentError
from edgeworks.states.language.intrinsics.parser import (
    Call,
    IntrinsicSyntaxError,
    Literal,
    PathArg,
    parse,
)

__all__ = ["IntrinsicSyntaxError", "check", "evaluate"]

FORMAT = "States.Format"


def check(text: str) -> None:
    """Raise IntrinsicSyntaxError when ``text`` is not a valid call of known functions."""
    _check_call(parse(text), text)


def _check_call(call: Call, text: str) -> None:
    if call.name not in FUNCTIONS:
        raise IntrinsicSyntaxError(f"The intrinsic function '{text}' uses unknown '{call.name}'")
    for argument in call.arguments:
        if isinstance(argument, Call):
            _check_call(argument, text)
        elif isinstance(argument, PathArg):
            try:
                paths.check(argument.path)
            except paths.PathError as exc:
                raise IntrinsicSyntaxError(str(exc)) from None


def evaluate(text: str, data: Any, scope: Scope) -> Any:
    """Evaluate an intrinsic call against ``data`` (``$``) and the scope.

    Causes name the whole expression as written: "The function '<text>' had the following
    error: <detail>".

    Raises:
        StatesFailure: States.Runtime when a path argument selects nothing (the service's
            wording, naming the path and the state input); States.IntrinsicFailure when a
            function rejects its arguments.
    """
    try:
        call = parse(text)
        return _run(call, data, scope)
    except paths.NoMatchError as exc:
        detail = (
            f"The JsonPath argument for the field '{_as_input_path(exc.path)}' could not be "
            f"found in the input '{paths.to_json(data)}'"
        )
        raise _failure(errors.RUNTIME, text, detail) from None
    except (IntrinsicSyntaxError, ArgumentError, paths.PathError) as exc:
        raise _failure(errors.INTRINSIC_FAILURE, text, str(exc)) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # Data the functions cannot encode (such as unpaired surrogates) is an argument error.
        raise _failure(errors.INTRINSIC_FAILURE, text, f"{type(exc).__name__}: {exc}") from None


def _failure(error: str, text: str, detail: str) -> errors.StatesFailure:
    cause = f"The function '{text}' had the following error: {detail}"
    return errors.StatesFailure(error, cause, needs_location=True)


def _as_input_path(path: str) -> str:
    # A context path is named as if it were a path on the input: $$.A.B -> $.A.B.
    return path[1:] if path.startswith("$$") else path


def _run(call: Call, data: Any, scope: Scope) -> Any:
    function = FUNCTIONS.get(call.name)
    if function is None:
        raise ArgumentError(f"The function '{call.name}' is not an intrinsic function")
    values = [
        _value(argument, data, scope, template=call.name == FORMAT and index == 0)
        for index, argument in enumerate(call.arguments)
    ]
    return function(values, scope)


def _value(argument: Literal | PathArg | Call, data: Any, scope: Scope, *, template: bool) -> Any:
    if isinstance(argument, Literal):
        # Escaped braces stay escaped only in a States.Format template, where they mean "{".
        if isinstance(argument.value, str) and not template:
            return argument.value.replace("\\{", "{").replace("\\}", "}")
        return argument.value
    if isinstance(argument, PathArg):
        return paths.select(argument.path, data, scope, strict=True)
    return _run(argument, data, scope)
