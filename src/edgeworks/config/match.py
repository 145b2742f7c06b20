"""Behaviour selection: which cache behaviour a request path falls under.

CloudFront's rules: behaviours are tried in list order and the first match wins, the default
behaviour (pattern ``*``) last; ``*`` matches any run of characters (none included), ``?``
exactly one; matching is case-sensitive; a leading ``/`` is optional on both sides; the query
string plays no part.

All patterns of a distribution compile once into one regular expression whose alternatives
are the behaviours in order: the engine tries them in that order, so the first alternative
that matches the whole path is the first matching behaviour, found in a single call. The
expression itself skips one leading ``/`` (possessively, so a wildcard never takes it back) and
stops at ``?``, so a raw request target needs no slicing first. Paths given as bytes are matched
byte by byte, which is the same for the percent-encoded ASCII that request lines carry.
"""

from __future__ import annotations

import re

from edgeworks.config.model import Behavior, Distribution

# Compiled matchers by distribution identity; each entry holds its distribution, so the id
# cannot be reused while the entry lives.
_compiled: dict[int, tuple[Distribution, re.Pattern[str], re.Pattern[bytes]]] = {}
_MAX_COMPILED = 64


def pattern_regex(pattern: str) -> str:
    """Return the regular expression text for one CloudFront path pattern.

    Args:
        pattern: A path pattern such as ``/images/*.jpg`` or ``api/v?/*``.

    Returns:
        Regex text for the pattern less its leading ``/``; wildcards never match ``?``, which
        starts the query.
    """
    parts = []
    for char in pattern.removeprefix("/"):
        if char == "*":
            parts.append("[^?]*")
        elif char == "?":
            parts.append("[^?]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def compile_behaviors(behaviors: tuple[Behavior, ...]) -> str:
    """Return regex text whose group ``i + 1`` matches when behaviour ``i`` is the first match."""
    alternatives = "|".join(f"({pattern_regex(behavior.path_pattern)})" for behavior in behaviors)
    return rf"/?+(?:{alternatives or '(?!)'})(?:\?|\Z)"


def _matchers(dist: Distribution) -> tuple[Distribution, re.Pattern[str], re.Pattern[bytes]]:
    found = _compiled.get(id(dist))
    if found is not None and found[0] is dist:
        return found
    if len(_compiled) >= _MAX_COMPILED:
        _compiled.clear()
    text = compile_behaviors(dist.behaviors)
    found = (dist, re.compile(text, re.DOTALL), re.compile(text.encode(), re.DOTALL))
    _compiled[id(dist)] = found
    return found


def match_index(dist: Distribution, path: str | bytes) -> int | None:
    """Return the index in ``dist.behaviors`` of the matching behaviour, or None for the default.

    Args:
        dist: The distribution whose behaviours are tried in order.
        path: The request path, text or bytes; anything from ``?`` on is ignored.
    """
    if not dist.behaviors:
        return None
    matchers = _matchers(dist)
    found = matchers[2].match(path) if isinstance(path, bytes) else matchers[1].match(path)
    if found is None or found.lastindex is None:
        return None
    return found.lastindex - 1


def match_behavior(dist: Distribution, path: str | bytes) -> Behavior:
    """Return the behaviour a request path falls under: first match wins, default last.

    Args:
        dist: The distribution whose behaviours are tried in order.
        path: The request path, text or bytes; anything from ``?`` on is ignored.

    Returns:
        The first behaviour whose pattern matches, else ``dist.default_behavior``.
    """
    index = match_index(dist, path)
    return dist.default_behavior if index is None else dist.behaviors[index]
