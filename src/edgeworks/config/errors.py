"""Configuration problems: each one names the field path, the offending value and what is wrong.

Error tree::

    EdgeworksError
    └── ConfigError          every problem found in one document, never only the first
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from typing import Any

from edgeworks.errors import EdgeworksError


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a configuration document.

    Attributes:
        path: Where the problem is, in the document's own names, for example
            ``CacheBehaviors.Items[2].PathPattern``.
        value: The offending value as written (``None`` when a field is missing).
        message: What is wrong and, where it helps, what would be right.
    """

    path: str
    value: Any
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} (got: {show(self.value)})"


class _Short(reprlib.Repr):
    """A bounded repr that keeps mappings in document order (the base class sorts them)."""

    def repr_dict(self, x: dict[Any, Any], level: int) -> str:
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        shown = [
            f"{self.repr1(key, level - 1)}: {self.repr1(value, level - 1)}"
            for key, value in list(x.items())[: self.maxdict]
        ]
        more = ", ..." if len(x) > self.maxdict else ""
        return "{" + ", ".join(shown) + more + "}"


_SHORT = _Short()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 3, 6, 6
_SHORT.maxstring, _SHORT.maxother = 80, 80


def show(value: Any) -> str:
    """Return a short printable form of a document value for a message.

    Bounded in depth and width, so that a huge or self-referencing value (YAML anchors can
    build both) still prints as one short line.
    """
    return _SHORT.repr(value)


class ConfigError(EdgeworksError):
    """A configuration is invalid; ``problems`` lists every problem found.

    Args:
        problems: Every problem, in document order.
        source: Where the document came from (a file name), for the message.
    """

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        count = len(problems)
        lines = [f"{where}{count} configuration problem{'s' if count != 1 else ''}"]
        lines.extend(f"  {problem}" for problem in problems)
        super().__init__("\n".join(lines))
