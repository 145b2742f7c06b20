"""Small builders shared by the language tests."""

from __future__ import annotations

import random
from typing import Any

from edgeworks.states.language import Scope, State, parse_definition


def one_state(state: dict[str, Any], query_language: str | None = None) -> State:
    """Build a machine around one state (ending it) and return that state, named ``S``."""
    body = dict(state)
    if body["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in body:
        body["End"] = True
    definition: dict[str, Any] = {"StartAt": "S", "States": {"S": body}}
    if body["Type"] == "Choice":
        definition["States"]["Done"] = {"Type": "Succeed"}
    if query_language is not None:
        definition["QueryLanguage"] = query_language
    return parse_definition(definition).states["S"]


def scope(variables: dict[str, Any] | None = None, **context: Any) -> Scope:
    """Return a scope with a fixed random source, the given variables and context."""
    return Scope(context=context, variables=variables or {}, random=random.Random(7))
