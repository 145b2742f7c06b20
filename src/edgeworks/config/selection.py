"""Policy selections compiled for per-request use, and the request parts they select from.

Query strings and cookies are split as sent, without percent-decoding: names compare as raw
bytes, case-sensitively, which is how CloudFront compares them. Header names arrive lower-case.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

from edgeworks.config.model import Selection

EVERY_BEHAVIORS = frozenset({"all", "allViewer", "allViewerAndWhitelistCloudFront"})

by_name = itemgetter(0)
"""Sort key for ``(name, ...)`` pairs: by name only, so repeated names keep their order."""


@dataclass(frozen=True, slots=True)
class Members:
    """A compiled selection: ``every`` selects all names except ``names``; else only ``names``."""

    every: bool
    names: frozenset[bytes]

    @property
    def empty(self) -> bool:
        """True when the selection can select nothing."""
        return not self.every and not self.names

    @property
    def whole(self) -> bool:
        """True when the selection selects every name."""
        return self.every and not self.names

    def __contains__(self, name: object) -> bool:
        return (name not in self.names) if self.every else (name in self.names)


NOTHING = Members(False, frozenset())
EVERYTHING = Members(True, frozenset())


def compile_selection(selection: Selection, lower: bool = False) -> Members:
    """Return the compiled form of a policy selection.

    Args:
        selection: The policy's behaviour and names for one family.
        lower: Lower-case the names (header names are case-insensitive).
    """
    if selection.behavior in EVERY_BEHAVIORS:
        return EVERYTHING
    names = frozenset((n.lower() if lower else n).encode() for n in selection.names)
    if selection.behavior == "allExcept":
        return Members(True, names)
    if selection.behavior == "whitelist":
        return Members(False, names)
    return NOTHING


def query_pairs(query: bytes) -> list[tuple[bytes, bytes]]:
    """Split a raw query string into ``(name, piece)`` in order; ``piece`` is ``name=value``."""
    return [(piece.partition(b"=")[0], piece) for piece in query.split(b"&") if piece]


def cookie_pairs(values: list[bytes]) -> list[tuple[bytes, bytes]]:
    """Return each cookie in ``Cookie`` values as ``(name, "name=value")`` (RFC 6265 §5.4)."""
    pairs = []
    for value in values:
        for raw in value.split(b";"):
            piece = raw.strip()
            if piece:
                pairs.append((piece.partition(b"=")[0].strip(), piece))
    return pairs


# Normalised Accept-Encoding by (field value, offered codings). Browsers send a handful of
# distinct values, so this saves the parse on nearly every request; short values only, and a
# bounded count, so that a viewer sending endless variations cannot grow it without limit.
_normalised: dict[tuple[bytes, tuple[bytes, ...]], bytes] = {}
_MEMO_ENTRIES = 1024
_MEMO_VALUE_BYTES = 256


def accepted_encodings(values: list[bytes], offered: tuple[bytes, ...]) -> bytes:
    """Return the normalised ``Accept-Encoding``: the offered codings the viewer accepts.

    CloudFront keeps only ``br`` and ``gzip`` (those the cache policy enables) and drops
    codings with ``q=0`` (RFC 9110 §12.5.3); the result is ``b"br,gzip"``, ``b"gzip"``,
    ``b"br"`` or empty.
    """
    if len(values) != 1 or len(values[0]) > _MEMO_VALUE_BYTES:
        return _normalise(values, offered)
    memo = (values[0], offered)
    found = _normalised.get(memo)
    if found is None:
        found = _normalise(values, offered)
        if len(_normalised) >= _MEMO_ENTRIES:
            _normalised.clear()
        _normalised[memo] = found
    return found


def _normalise(values: list[bytes], offered: tuple[bytes, ...]) -> bytes:
    accepted: set[bytes] = set()
    for value in values:
        for item in value.split(b","):
            coding, _, params = item.partition(b";")
            if not params or not _refused(params):
                accepted.add(coding.strip().lower())
    if b"*" in accepted:
        return b",".join(offered)
    return b",".join(name for name in offered if name in accepted)


def _refused(params: bytes) -> bool:
    for param in params.split(b";"):
        name, _, weight = param.partition(b"=")
        if name.strip().lower() == b"q":
            try:
                return float(weight.strip() or b"1") == 0.0
            except ValueError:
                return True
    return False
