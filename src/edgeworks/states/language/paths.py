"""JSONPath for JSONPath-mode states: selecting values and writing ResultPath.

A path starts at one of three roots: ``$`` (the data at hand), ``$$`` (the context object) or
``$name`` (a workflow variable). Selection is done by the python-jsonpath library; this module
adds the service's rules around it (States Language: Paths):

- a *definite* path (names and indexes only) yields one value or fails when nothing matches;
- an indefinite path (wildcards, slices, filters, descent) yields the list of matches;
- a *reference path* (ResultPath) is definite, and writing through it creates the missing
  objects on the way.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonpath

from edgeworks.states.language import errors
from edgeworks.states.language.base import Scope

_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# A reference path step: .name, ['name'] or [index] (States Language: Reference Paths).
_TRAILING_INDEX = re.compile(r"\[\d+\]$")
# A bracket may follow a dot, as in the guide's own example $.abc.['def ghi']; a "*" is the
# wildcard, never a member name.
_STEP = re.compile(r"\.([^.\[\]'\"\s*]+)|\.?\['((?:[^'\\]|\\.)*)'\]|\.?\[(\d+)\]")


class PathError(ValueError):
    """A path is malformed (a definition error) or selected nothing (a run-time failure)."""


class NoMatchError(PathError):
    """A definite path matched nothing.

    ``detail`` is worded as the service's path engine words it: "No results for path:
    $['a']['b']" when the last step is missing, "Missing property in path $['a']" when an
    earlier one is.
    """

    def __init__(self, path: str, where: str, detail: str | None = None) -> None:
        self.path = path
        self.where = where
        self.detail = detail or f"No results for path: {where}"
        super().__init__(f"Invalid path '{path}' : {self.detail}")


@dataclass(frozen=True)
class Root:
    """Where a path starts and the JSONPath to apply from there."""

    kind: str  # "input", "context" or "variable"
    variable: str | None
    query: str


def split_root(path: str) -> Root:
    """Split ``$$.a``, ``$name.a`` or ``$.a`` into its root and a ``$``-rooted query."""
    if path.startswith("$$"):
        return Root("context", None, "$" + path[2:])
    found = _VARIABLE.match(path)
    if found is not None:
        return Root("variable", found.group(1), "$" + path[found.end() :])
    if not path.startswith("$"):
        raise PathError(f"The value '{path}' is not a valid JSONPath: it must start with '$'")
    return Root("input", None, path)


@functools.lru_cache(maxsize=4096)
def _compiled(query: str) -> jsonpath.JSONPath | jsonpath.CompoundJSONPath:
    try:
        return jsonpath.compile(query)
    except jsonpath.JSONPathError as exc:
        raise PathError(f"The value '{query}' is not a valid JSONPath: {exc}") from None


def check(path: str) -> None:
    """Raise PathError when ``path`` is not a valid JSONPath for a States Language field.

    A path of names and indexes is always accepted, as the service accepts ``$.list.sum()``
    when the machine is created and finds nothing under it when it runs.
    """
    query = split_root(path).query
    if _simple_steps(query) is None:
        _compiled(query)


def is_definite(query: str) -> bool:
    """Whether a ``$``-rooted query names at most one node."""
    compiled = _compiled(query)
    return isinstance(compiled, jsonpath.JSONPath) and compiled.singular_query()


def select(path: str, data: Any, scope: Scope | None = None, *, strict: bool = False) -> Any:
    """Return what ``path`` selects; raise NoMatchError when a definite path matches nothing.

    As on the service, a plain path whose last step is an array index past the end selects
    null; ``strict`` (intrinsic function arguments) makes that a miss too.

    Args:
        path: a JSONPath starting with ``$``, ``$$`` or ``$name``.
        data: the value ``$`` refers to.
        scope: the context object and variables for ``$$`` and ``$name`` paths.
        strict: treat an index past the end as a miss.
    """
    root = split_root(path)
    target = _root_value(root, data, scope)
    if root.query == "$":
        return target
    if root.kind == "input" and data is None:
        # The service's own wording for a path applied to a null state input.
        cause = "Unable to apply Path transformation to null or empty input."
        raise errors.StatesFailure(errors.RUNTIME, cause, needs_location=True)
    steps = _simple_steps(root.query)
    if steps is not None:
        return _walk(path, root.query, steps, target, strict)
    return _query(path, root.query, target)


@functools.lru_cache(maxsize=4096)
def _simple_steps(query: str) -> tuple[str | int, ...] | None:
    try:
        return tuple(parse_reference(query))
    except PathError:
        return None


def _walk(path: str, query: str, steps: tuple[str | int, ...], target: Any, strict: bool) -> Any:
    # Names and indexes only: walked directly, which is also the common, fast case.
    node = target
    for position, step in enumerate(steps):
        if isinstance(step, int) and isinstance(node, list):
            if step < len(node):
                node = node[step]
                continue
            if not strict and position == len(steps) - 1:
                return None
        elif isinstance(step, str) and isinstance(node, dict) and step in node:
            node = node[step]
            continue
        raise NoMatchError(path, _bracketed(query), _missing(steps, position, node))
    return node


def _missing(steps: tuple[str | int, ...], position: int, node: Any) -> str | None:
    # A missing property before the last step is reported where the walk stopped.
    if position == len(steps) - 1 or not isinstance(node, dict):
        return None
    return f"Missing property in path {_bracket_steps(steps[: position + 1])}"


def _root_value(root: Root, data: Any, scope: Scope | None) -> Any:
    if root.kind == "input":
        return data
    if root.kind == "context":
        return dict(scope.context) if scope is not None else {}
    variables = scope.variables if scope is not None else {}
    if root.variable is None or root.variable not in variables:
        raise NoMatchError(f"${root.variable}", f"${root.variable}")
    return variables[root.variable]


def _query(path: str, query: str, target: Any) -> Any:
    compiled = _compiled(query)
    definite = is_definite(query)
    # python-jsonpath reads a str as a JSON document; here a string is a leaf with no children.
    if isinstance(target, str):
        if definite:
            raise NoMatchError(path, _bracketed(query))
        return []
    try:
        if not definite:
            return _unpacked(query, [m.obj for m in compiled.finditer(target)])
        found = compiled.match(target)
    except jsonpath.JSONPathError:
        # A filter that cannot be applied to the data selects nothing.
        raise NoMatchError(path, _bracketed(query)) from None
    if found is None:
        raise NoMatchError(path, _bracketed(query))
    return found.obj


def _unpacked(query: str, matches: list[Any]) -> Any:
    # The service unpacks a single match of a path that ends in a literal index.
    if len(matches) == 1 and _TRAILING_INDEX.search(query):
        return matches[0]
    return matches


def _bracketed(query: str) -> str:
    # The service names a missing path in bracket notation: $.a.b[0] -> $['a']['b'][0].
    try:
        steps = parse_reference(query)
    except PathError:
        return query
    return _bracket_steps(tuple(steps))


def _bracket_steps(steps: tuple[str | int, ...]) -> str:
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f"['{s}']" for s in steps)


def parse_reference(path: str) -> list[str | int]:
    """Parse a reference path (``$``, ``.name``, ``['name']``, ``[index]`` steps only)."""
    if not path.startswith("$") or path.startswith("$$"):
        raise PathError(f"The value '{path}' is not a valid reference path")
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        found = _STEP.match(path, position)
        if found is None:
            raise PathError(f"The value '{path}' is not a valid reference path")
        name, quoted, index = found.groups()
        if index is not None:
            steps.append(int(index))
        else:
            steps.append(name if name is not None else re.sub(r"\\(.)", r"\1", quoted))
        position = found.end()
    return steps


def apply_result_path(data: Any, result: Any, path: str | None) -> Any:
    """Place ``result`` into ``data`` at ``path`` (States Language: ResultPath).

    ``None`` (ResultPath null) discards the result and keeps the input; ``"$"`` replaces the
    input. Missing objects along the path are created; a step into a value that is not an
    object raises PathError naming the path.
    """
    if path is None:
        return data
    steps = parse_reference(path)
    if not steps:
        return result
    # Only the containers along the path are copied; the rest is shared with the input,
    # which the core never changes in place.
    root = _copied(data)
    if not isinstance(root, dict) and not _list_step(root, steps[0]):
        raise PathError(_unable(path, data))
    node: Any = root
    for step, after in zip(steps, [*steps[1:], None], strict=True):
        if after is None:
            node[step] = result
            break
        node = _descend(node, step, after, path, data)
    return root


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    return list(value) if isinstance(value, list) else value


def _list_step(node: Any, step: str | int) -> bool:
    return isinstance(node, list) and isinstance(step, int) and step < len(node)


def _descend(node: Any, step: str | int, after: str | int, path: str, data: Any) -> Any:
    if isinstance(step, int) and not _list_step(node, step):
        raise PathError(_unable(path, data))
    child = node.get(step) if isinstance(node, dict) else node[step]
    if isinstance(child, dict) or _list_step(child, after):
        node[step] = _copied(child)
        return node[step]
    if child is not None and isinstance(node, dict) and step in node:
        raise PathError(_unable(path, data))
    node[step] = {}
    return node[step]


def _unable(path: str, data: Any) -> str:
    return f"Unable to apply ResultPath '{path}' to input '{to_json(data)}'"


def to_json(value: Any) -> str:
    """Serialize the way the service quotes values in causes: compact, key order kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def is_mapping(value: Any) -> bool:
    """Whether ``value`` is a JSON object."""
    return isinstance(value, Mapping)


# The earlier name of NoMatchError, kept for callers written against it.
NoMatch = NoMatchError
