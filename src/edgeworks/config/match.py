"""Behaviour selection: which cache behaviour a request path falls under.

CloudFront's rules: behaviours are tried in list order and the first match wins, the default
behaviour (pattern ``*``) last; ``*`` matches any run of characters (none included), ``?``
exactly one; matching is case-sensitive; a leading ``/`` is optional on both sides; the query
string plays no part.

All patterns of a distribution compile once into one regular expression whose alternatives
are the behaviours in order: the engine tries them in that order, so the first alternative
that matches the whole path is the first matching behaviour, found in a single call.
"""

from __future__ import annotations

import re

from edgeworks.config.model import Behavior, Distribution

# Compiled matchers by distribution identity; the stored distribution keeps its id unique.
_compiled: dict[int, tuple[Distribution, re.Pattern[str]]] = {}
_MAX_COMPILED = 64


def pattern_regex(pattern: str) -> str:
    """Return the regular expression text for one CloudFront path pattern.

    Args:
        pattern: A path pattern such as ``/images/*.jpg`` or ``api/v?/*``.

    Returns:
        Regex text (no anchors) for the pattern less its leading ``/``; paths are matched
        with their own leading ``/`` removed, which makes the slash optional on both sides.
    """
    parts = []
    for char in pattern.removeprefix("/"):
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def compile_behaviors(behaviors: tuple[Behavior, ...]) -> re.Pattern[str]:
    """Return one regex whose group ``i + 1`` matches when behaviour ``i`` is the first match."""
    alternatives = [f"({pattern_regex(behavior.path_pattern)})" for behavior in behaviors]
    return re.compile("|".join(alternatives) or "(?!)", re.DOTALL)


def _matcher(dist: Distribution) -> re.Pattern[str]:
    found = _compiled.get(id(dist))
    if found is not None and found[0] is dist:
        return found[1]
    if len(_compiled) >= _MAX_COMPILED:
        _compiled.clear()
    regex = compile_behaviors(dist.behaviors)
    _compiled[id(dist)] = (dist, regex)
    return regex


def match_index(dist: Distribution, path: str | bytes) -> int | None:
    """Return the index in ``dist.behaviors`` of the matching behaviour, or None for the default.

    Args:
        dist: The distribution whose behaviours are tried in order.
        path: The request path; anything from ``?`` on is ignored.
    """
    if not dist.behaviors:
        return None
    if isinstance(path, bytes):
        path = path.decode("utf-8", "surrogateescape")
    cut = path.find("?")
    if cut >= 0:
        path = path[:cut]
    if path.startswith("/"):
        path = path[1:]
    found = _matcher(dist).fullmatch(path)
    if found is None or found.lastindex is None:
        return None
    return found.lastindex - 1


def match_behavior(dist: Distribution, path: str | bytes) -> Behavior:
    """Return the behaviour a request path falls under: first match wins, default last.

    Args:
        dist: The distribution whose behaviours are tried in order.
        path: The request path; anything from ``?`` on is ignored.

    Returns:
        The first behaviour whose pattern matches, else ``dist.default_behavior``.
    """
    index = match_index(dist, path)
    return dist.default_behavior if index is None else dist.behaviors[index]
