"""Parse an intrinsic function call such as ``States.Format('{} {}', $.a, States.UUID())``.

Grammar (States Language: Intrinsic Functions)::

    call     := NAME "(" [ argument ("," argument)* ] ")"
    argument := string | number | "true" | "false" | "null" | path | call
    string   := "'" ( "\\" any | not "'" )* "'"
    path     := "$" ... up to the next "," or ")" outside brackets and quotes

Strings keep their escapes (``\\'``, ``\\{``, ``\\}``, ``\\\\``) apart from the quote, because
States.Format gives ``\\{`` and ``\\}`` their own meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_NESTING = 10  # the guide's limit on nested intrinsic calls

_NAME = re.compile(r"States\.[A-Za-z0-9]+")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"true|false|null")


class IntrinsicSyntaxError(ValueError):
    """An intrinsic function call is not well formed."""


@dataclass(frozen=True)
class Literal:
    """A string, number, boolean or null written in the call."""

    value: Any


@dataclass(frozen=True)
class PathArg:
    """A path argument, resolved against the input, the context or a variable."""

    path: str


@dataclass(frozen=True)
class Call:
    """A call of a named intrinsic function with its arguments."""

    name: str
    arguments: tuple[Literal | PathArg | Call, ...]


Argument = Literal | PathArg | Call


def parse(text: str) -> Call:
    """Parse ``text`` as one intrinsic call; raise IntrinsicSyntaxError naming the problem."""
    reader = _Reader(text)
    call = reader.call(depth=1)
    reader.skip_space()
    if reader.position != len(text):
        raise reader.error("unexpected text after the closing parenthesis")
    return call


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def error(self, what: str) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(
            f"The intrinsic function '{self.text}' is invalid: {what} at position {self.position}"
        )

    def skip_space(self) -> None:
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1

    def peek(self) -> str:
        return self.text[self.position] if self.position < len(self.text) else ""

    def expect(self, char: str) -> None:
        self.skip_space()
        if self.peek() != char:
            raise self.error(f"expected '{char}'")
        self.position += 1

    def call(self, depth: int) -> Call:
        if depth > MAX_NESTING:
            raise self.error(f"more than {MAX_NESTING} nested calls")
        self.skip_space()
        found = _NAME.match(self.text, self.position)
        if found is None:
            raise self.error("expected a function name starting with 'States.'")
        self.position = found.end()
        self.expect("(")
        return Call(found.group(), self.arguments(depth))

    def arguments(self, depth: int) -> tuple[Argument, ...]:
        self.skip_space()
        if self.peek() == ")":
            self.position += 1
            return ()
        found: list[Argument] = []
        while True:
            found.append(self.argument(depth))
            self.skip_space()
            char = self.peek()
            self.position += 1
            if char == ")":
                return tuple(found)
            if char != ",":
                self.position -= 1
                raise self.error("expected ',' or ')'")

    def argument(self, depth: int) -> Argument:
        self.skip_space()
        char = self.peek()
        if char == "'":
            return Literal(self.string())
        if char == "$":
            return PathArg(self.path())
        if self.text.startswith("States.", self.position):
            return self.call(depth + 1)
        for pattern in (_NUMBER, _WORD):
            found = pattern.match(self.text, self.position)
            if found is not None:
                self.position = found.end()
                return Literal(_literal(found.group()))
        raise self.error("expected an argument")

    def string(self) -> str:
        self.position += 1
        chars: list[str] = []
        while self.position < len(self.text):
            char = self.text[self.position]
            if char == "\\" and self.position + 1 < len(self.text):
                following = self.text[self.position + 1]
                chars.append(following if following in "'\\" else char + following)
                self.position += 2
                continue
            self.position += 1
            if char == "'":
                return "".join(chars)
            chars.append(char)
        raise self.error("unterminated string")

    def path(self) -> str:
        start = self.position
        depth = 0
        quote = ""
        while self.position < len(self.text):
            char = self.text[self.position]
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            self.position += 1
        return self.text[start : self.position].strip()


def _literal(word: str) -> Any:
    words: dict[str, Any] = {"true": True, "false": False, "null": None}
    if word in words:
        return words[word]
    if any(c in word for c in ".eE"):
        return float(word)
    return int(word)
