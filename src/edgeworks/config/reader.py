"""Reading a document while collecting problems, one per offending field.

A :class:`Reader` hands out typed values from mappings and lists and notes a :class:`Problem`
(field path, value, message) for everything that is missing, mistyped or unknown, then carries
on, so one pass reports every problem in the document.

Lists come in two spellings: CloudFront's API wrapper ``{"Quantity": n, "Items": [...]}``, whose
``Quantity`` must equal the number of items, and a plain list. Paths follow the spelling used,
for example ``CacheBehaviors.Items[2]`` or ``CacheBehaviors[2]``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection
from typing import Any

from edgeworks.config.errors import Problem


def join(path: str, key: str) -> str:
    """Return the path of ``key`` inside the field at ``path``."""
    return f"{path}.{key}" if path else key


def suggestion(word: str, choices: Collection[str]) -> str:
    """Return `` (did you mean 'X'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {choice.lower(): choice for choice in choices}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f"; did you mean {close[0]!r}?" if close else ""


def present(doc: dict[str, Any], key: str, default: Any) -> Any:
    """Return ``doc[key]``, or ``default`` when it is absent or null (YAML's empty value)."""
    value = doc.get(key)
    return default if value is None else value


class Reader:
    """Collects problems while a document is read."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, path: str, value: Any, message: str) -> None:
        """Note one problem at ``path``."""
        self.problems.append(Problem(path, value, message))

    def mapping(
        self,
        value: Any,
        path: str,
        fields: Collection[str],
        required: Collection[str] = (),
    ) -> dict[str, Any] | None:
        """Return ``value`` as a mapping after checking its keys, or None if it is not one.

        Unknown keys and missing required ones are noted; the mapping is returned anyway so the
        known fields are still checked.
        """
        if not isinstance(value, dict):
            self.problem(path or "(document)", value, "must be a mapping of field names to values")
            return None
        for key in value:
            if not isinstance(key, str) or key not in fields:
                hint = suggestion(key, fields) if isinstance(key, str) else ""
                name = str(key) if key else repr(key)
                self.problem(join(path, name), value[key], f"unknown field{hint}")
        for key in required:
            if value.get(key) is None:
                self.problem(join(path, key), None, "is required")
        return value

    def items(self, value: Any, path: str) -> list[tuple[str, Any]]:
        """Return ``(path, item)`` pairs from a ``Quantity``/``Items`` wrapper or a plain list."""
        if value is None:
            return []
        if isinstance(value, list):
            return [(f"{path}[{index}]", item) for index, item in enumerate(value)]
        if not isinstance(value, dict) or not {"Quantity", "Items"} & value.keys():
            self.problem(
                path, value, "must be a list, or CloudFront's {Quantity: n, Items: [...]}"
            )
            return []
        wrapper = self.mapping(value, path, ("Quantity", "Items"))
        if wrapper is None:
            return []
        listed = present(wrapper, "Items", [])
        if not isinstance(listed, list):
            self.problem(join(path, "Items"), listed, "must be a list")
            return []
        quantity = wrapper.get("Quantity", len(listed))
        if quantity != len(listed) or isinstance(quantity, bool):
            self.problem(
                join(path, "Quantity"), quantity, f"must equal the number of Items ({len(listed)})"
            )

        return [(f"{path}.Items[{index}]", item) for index, item in enumerate(listed)]

    def text(
        self, doc: dict[str, Any], key: str, path: str, default: str | None = None
    ) -> str | None:
        """Return a non-empty string field, ``default`` when absent, None after a problem."""
        value = doc.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value:
            self.problem(join(path, key), value, "must be a non-empty string")
            return None
        return value

    def flag(self, doc: dict[str, Any], key: str, path: str, default: bool = False) -> bool:
        """Return a boolean field, ``default`` when absent or invalid."""
        value = present(doc, key, default)
        if not isinstance(value, bool):
            self.problem(join(path, key), value, "must be true or false")
            return default
        return value

    def integer(
        self,
        doc: dict[str, Any],
        key: str,
        path: str,
        default: int,
        *,
        least: int = 0,
        most: int = 0,
    ) -> int:
        """Return an integer field within ``[least, most]`` (no upper bound when ``most`` is 0)."""
        value = present(doc, key, default)
        wrong = isinstance(value, bool) or not isinstance(value, int)
        if wrong or value < least or (most and value > most):
            bound = f"from {least} to {most}" if most else f"{least} or more"
            self.problem(join(path, key), value, f"must be a whole number {bound}")
            return default
        return int(value)

    def seconds(
        self, doc: dict[str, Any], key: str, path: str, default: float, positive: bool = False
    ) -> float:
        """Return a duration field in seconds (a finite number, 0 or more, or more than 0)."""
        value = present(doc, key, default)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0 or (positive and value == 0):
            least = "more than 0" if positive else "0 or more"
            self.problem(join(path, key), value, f"must be a number of seconds, {least}")
            return default
        return float(value)

    def choice(
        self, doc: dict[str, Any], key: str, path: str, allowed: Collection[str], default: str
    ) -> str:
        """Return an enumerated field; a value outside ``allowed`` is noted with the choices."""
        value = present(doc, key, default)
        if not isinstance(value, str) or value not in allowed:
            hint = suggestion(value, allowed) if isinstance(value, str) else ""
            listed = ", ".join(allowed)
            self.problem(join(path, key), value, f"must be one of: {listed}{hint}")
            return default
        return str(value)

    def strings(self, value: Any, path: str) -> list[str]:
        """Return a list of non-empty strings from a wrapper or plain list."""
        return [text for _, text in self.string_items(value, path)]

    def string_items(self, value: Any, path: str) -> list[tuple[str, str]]:
        """Return ``(path, text)`` for each non-empty string of a wrapper or plain list."""
        found = []
        for item_path, item in self.items(value, path):
            if isinstance(item, str) and item:
                found.append((item_path, item))
            else:
                self.problem(item_path, item, "must be a non-empty string")
        return found
