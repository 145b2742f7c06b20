"""Checks on JSONata expressions made when a definition is validated.

A JSONata state evaluates its expressions with no context item: the input is
``$states.input`` and variables are ``$name``. A path that starts from a bare name reads a
context item that does not exist, and the service refuses the definition; so it does for
``$$`` and for ``$states.errorOutput`` outside a catcher (the guide: JSONata in Step
Functions). Only the first step of a path is read against the top level: names in later
steps, predicates and groupings are relative and legal. A lambda body keeps the context of
the expression that defines it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_ERROR_OUTPUT = re.compile(r"\$states\s*\.\s*errorOutput\b")


def unsupported_references(ast: Any, text: str, *, error_output: bool) -> list[str]:
    """Return the service's message for each unsupported reference in a parsed expression."""
    messages = [_message(name) for name in _top_level(ast)]
    if not error_output and _ERROR_OUTPUT.search(text):
        messages.append("Reference to '$states.errorOutput' is not supported.")
    return messages


def _message(name: str) -> str:
    if name == "$$":
        return "Reference to '$$' is not supported."
    return f"Reference to '{name}' at the top level is not supported."


def _top_level(node: Any) -> Iterator[str]:
    kind = getattr(node, "type", None)
    if kind == "name":
        yield str(node.value)
    elif kind == "variable" and node.value == "$":
        yield "$$"
    elif kind == "path":
        if node.steps:
            yield from _top_level(node.steps[0])
    else:
        for child in _children(node, kind):
            yield from _top_level(child)


_SINGLE = ("lhs", "rhs", "expression", "procedure", "body", "condition", "then", "_else")


def _children(node: Any, kind: Any) -> Iterator[Any]:
    if kind == "unary" and getattr(node, "lhs_object", None):
        for pair in node.lhs_object:
            yield from pair
        return
    for attribute in _SINGLE:
        # The left side of a binding names the variable; it reads nothing.
        if kind == "bind" and attribute == "lhs":
            continue
        child = getattr(node, attribute, None)
        if child is not None:
            yield child
    yield from getattr(node, "expressions", None) or []
    # A lambda's arguments are its parameter names; a call's are expressions.
    if kind != "lambda":
        yield from getattr(node, "arguments", None) or []
