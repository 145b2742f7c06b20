"""Cache-Control parsing (RFC 9111 §5.2), tolerant of whatever an origin or viewer sends.

The field is a comma-separated list of ``token [ "=" ( token / quoted-string ) ]`` members. Names
are case-insensitive (§5.2); arguments may be tokens or quoted strings, and a recipient accepts
both forms (§5.2). Anything that does not parse is skipped rather than raised: a cache must keep
working on garbage, and an unknown directive is ignored (§5.2.3).

Duplicates follow §4.2.1: when a directive that carries a value appears twice with different
values, the value is unusable, which the freshness rules treat as "already stale".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# RFC 9111 §1.2.2: a delta-seconds too large to represent is sent on as 2^31.
DELTA_SECONDS_CAP = 2147483648

_CONFLICT = "\x00conflict"


@dataclass(frozen=True, slots=True)
class Directives:
    """The directives of one or more Cache-Control field lines, names lower-cased.

    Attributes:
        values: directive name to its argument (None when the directive came without one).
    """

    values: dict[str, str | None]

    def has(self, name: str) -> bool:
        """Return whether directive ``name`` (lower-case) is present."""
        return name in self.values

    def seconds(self, name: str) -> int | None:
        """Return the delta-seconds argument of ``name``, or None when absent.

        An argument that is missing, not a non-negative integer, or duplicated with another
        value yields 0: RFC 9111 §4.2.1 encourages treating invalid freshness as stale.
        """
        if name not in self.values:
            return None
        return delta_seconds(self.values[name])

    def field_names(self, name: str) -> frozenset[bytes]:
        """Return the field names listed in the argument of ``name`` (qualified forms)."""
        argument = self.values.get(name)
        if not argument or argument == _CONFLICT:
            return frozenset()
        return frozenset(
            part.strip().lower().encode("latin-1", "replace")
            for part in argument.split(",")
            if part.strip()
        )

    def qualified(self, name: str) -> bool:
        """Return whether ``name`` carries a field-name list (§5.2.2.4, §5.2.2.7)."""
        return bool(self.field_names(name))


EMPTY = Directives({})


def delta_seconds(argument: str | None) -> int:
    """Parse a delta-seconds value (RFC 9111 §1.2.2); anything invalid counts as 0."""
    if argument is None or not argument.isascii() or not argument.isdigit():
        return 0
    return min(int(argument), DELTA_SECONDS_CAP)


def parse_cache_control(lines: Iterable[bytes]) -> Directives:
    """Parse every line of a Cache-Control (or targeted) field into :class:`Directives`.

    Args:
        lines: the raw field values in wire order.

    Returns:
        The merged directives; members that do not parse are left out.
    """
    values: dict[str, str | None] = {}
    for line in lines:
        text = line.decode("latin-1")
        for name, argument in _members(text):
            _merge(values, name, argument)
    return Directives(values)


def _merge(values: dict[str, str | None], name: str, argument: str | None) -> None:
    # RFC 9111 §4.2.1: a directive repeated with a different value is not trustworthy.
    if name in values and values[name] != argument:
        values[name] = _CONFLICT
    else:
        values[name] = argument


def _members(text: str) -> list[tuple[str, str | None]]:
    members = []
    for raw in _split_outside_quotes(text):
        name, sep, argument = raw.strip(" \t").partition("=")
        # §5.2: ``token "=" argument`` has no whitespace around "=": a member written with it
        # is not the directive it resembles.
        if not name or not _is_token(name):
            continue
        members.append((name.lower(), _argument(argument) if sep else None))
    return members


def _argument(raw: str) -> str | None:
    if raw.startswith('"'):
        return _unquote(raw)
    return raw if raw and _is_token(raw) else _CONFLICT


def _unquote(raw: str) -> str:
    # RFC 9110 §5.6.4: quoted-string with backslash escapes.
    out = []
    escaped = False
    for char in raw[1:]:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            return "".join(out)
        else:
            out.append(char)
    return _CONFLICT


def _split_outside_quotes(text: str) -> list[str]:
    parts = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


_TOKEN_EXTRA = frozenset("!#$%&'*+-.^_`|~")


def _is_token(text: str) -> bool:
    # RFC 9110 §5.6.2 tchar.
    return all(char.isascii() and (char.isalnum() or char in _TOKEN_EXTRA) for char in text)
