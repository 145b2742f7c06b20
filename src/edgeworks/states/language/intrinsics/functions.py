"""The 18 intrinsic functions (States Language: Intrinsic Functions).

Each function takes the already-evaluated arguments and the scope (for the passed-in random
source) and returns a JSON value, or raises :class:`ArgumentError`, which the caller turns into
States.IntrinsicFailure.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random as randomlib
from collections.abc import Callable
from typing import Any

from edgeworks.states.language.base import Scope

# Limits from the guide's table of intrinsic functions.
MAX_RANGE_ITEMS = 1000
MAX_ENCODE_CHARS = 10000
HASH_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


class ArgumentError(ValueError):
    """An intrinsic function got arguments it cannot work with."""


Function = Callable[[list[Any], Scope], Any]


def _count(name: str, args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        wanted = str(low) if low == high else f"{low} to {high}"
        raise ArgumentError(f"Function {name} takes {wanted} arguments, got {len(args)}")


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _want(name: str, value: Any, kind: str) -> Any:
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
        "integer": _is_int,
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    if not checks[kind](value):
        raise ArgumentError(f"Function {name} expects a {kind} argument, got {_show(value)}")
    return int(value) if kind == "integer" else value


def _show(value: Any) -> str:
    # Compact, and non-ASCII characters written as themselves, as the service serializes.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def format_(args: list[Any], scope: Scope) -> str:
    """States.Format: fill each ``{}`` in the template with the next argument."""
    if not args:
        raise ArgumentError("Function States.Format takes at least 1 argument, got 0")
    template = _want("States.Format", args[0], "string")
    values = args[1:]
    out: list[str] = []
    position = used = 0
    while position < len(template):
        pair = template[position : position + 2]
        if pair in ("\\{", "\\}", "\\\\"):
            out.append(pair[1])
            position += 2
        elif pair == "{}":
            if used >= len(values):
                raise ArgumentError("Function States.Format has more '{}' than arguments")
            out.append(_formatted(values[used]))
            used += 1
            position += 2
        else:
            out.append(template[position])
            position += 1
    if used != len(values):
        raise ArgumentError("Function States.Format has more arguments than '{}'")
    return "".join(out)


def _formatted(value: Any) -> str:
    if isinstance(value, dict | list):
        raise ArgumentError(f"Function States.Format cannot format {_show(value)}")
    return value if isinstance(value, str) else _show(value)


def string_to_json(args: list[Any], scope: Scope) -> Any:
    """States.StringToJson: parse a JSON text."""
    _count("States.StringToJson", args, 1)
    text = _want("States.StringToJson", args[0], "string")
    try:
        return json.loads(text)
    except ValueError:
        raise ArgumentError(f"Function States.StringToJson cannot parse '{text}'") from None


def json_to_string(args: list[Any], scope: Scope) -> str:
    """States.JsonToString: serialize a value compactly."""
    _count("States.JsonToString", args, 1)
    return _show(args[0])


def array(args: list[Any], scope: Scope) -> list[Any]:
    """States.Array: the arguments as an array."""
    return list(args)


def array_partition(args: list[Any], scope: Scope) -> list[Any]:
    """States.ArrayPartition: chunks of the given size, the last one possibly shorter."""
    _count("States.ArrayPartition", args, 2)
    items = _want("States.ArrayPartition", args[0], "array")
    size = _want("States.ArrayPartition", args[1], "integer")
    if size <= 0:
        raise ArgumentError(f"Function States.ArrayPartition needs a positive size, got {size}")
    return [items[i : i + size] for i in range(0, len(items), size)]


def array_contains(args: list[Any], scope: Scope) -> bool:
    """States.ArrayContains: whether the array holds the value."""
    _count("States.ArrayContains", args, 2)
    items = _want("States.ArrayContains", args[0], "array")
    return any(_same(item, args[1]) for item in items)


def _same(a: Any, b: Any) -> bool:
    # JSON equality: true is not 1, and 1 equals 1.0.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def array_range(args: list[Any], scope: Scope) -> list[int]:
    """States.ArrayRange: integers from start to end inclusive, by step."""
    _count("States.ArrayRange", args, 3)
    start, end, step = (_want("States.ArrayRange", a, "integer") for a in args)
    if step == 0:
        raise ArgumentError("Function States.ArrayRange needs a step other than 0")
    values = list(range(start, end + (1 if step > 0 else -1), step))
    if len(values) > MAX_RANGE_ITEMS:
        raise ArgumentError(
            f"Function States.ArrayRange would make {len(values)} items; "
            f"at most {MAX_RANGE_ITEMS} are allowed"
        )
    return values


def array_get_item(args: list[Any], scope: Scope) -> Any:
    """States.ArrayGetItem: the item at an index."""
    _count("States.ArrayGetItem", args, 2)
    items = _want("States.ArrayGetItem", args[0], "array")
    index = _want("States.ArrayGetItem", args[1], "integer")
    if not 0 <= index < len(items):
        raise ArgumentError(f"Function States.ArrayGetItem has no item at index {index}")
    return items[index]


def array_length(args: list[Any], scope: Scope) -> int:
    """States.ArrayLength: the number of items."""
    _count("States.ArrayLength", args, 1)
    return len(_want("States.ArrayLength", args[0], "array"))


def array_unique(args: list[Any], scope: Scope) -> list[Any]:
    """States.ArrayUnique: the items without repeats, first occurrence kept."""
    _count("States.ArrayUnique", args, 1)
    unique: list[Any] = []
    for item in _want("States.ArrayUnique", args[0], "array"):
        if not any(_same(item, seen) for seen in unique):
            unique.append(item)
    return unique


def base64_encode(args: list[Any], scope: Scope) -> str:
    """States.Base64Encode: MIME Base64 of the UTF-8 bytes."""
    _count("States.Base64Encode", args, 1)
    text = _limited("States.Base64Encode", args[0])
    return base64.b64encode(text.encode()).decode("ascii")


def base64_decode(args: list[Any], scope: Scope) -> str:
    """States.Base64Decode: the UTF-8 text of Base64 data."""
    _count("States.Base64Decode", args, 1)
    text = _limited("States.Base64Decode", args[0])
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ArgumentError(f"Function States.Base64Decode cannot decode '{text}'") from None


def _limited(name: str, value: Any) -> str:
    text: str = _want(name, value, "string")
    if len(text) > MAX_ENCODE_CHARS:
        raise ArgumentError(f"Function {name} accepts at most {MAX_ENCODE_CHARS} characters")
    return text


def hash_(args: list[Any], scope: Scope) -> str:
    """States.Hash: the hex digest of a string with a named algorithm."""
    _count("States.Hash", args, 2)
    data = _limited("States.Hash", args[0])
    algorithm = _want("States.Hash", args[1], "string")
    if algorithm not in HASH_ALGORITHMS:
        names = ", ".join(HASH_ALGORITHMS)
        raise ArgumentError(f"Function States.Hash does not know '{algorithm}' (use {names})")
    return hashlib.new(HASH_ALGORITHMS[algorithm], data.encode()).hexdigest()


def json_merge(args: list[Any], scope: Scope) -> dict[str, Any]:
    """States.JsonMerge: a shallow merge, the second object winning."""
    _count("States.JsonMerge", args, 3)
    left = _want("States.JsonMerge", args[0], "object")
    right = _want("States.JsonMerge", args[1], "object")
    if _want("States.JsonMerge", args[2], "boolean"):
        raise ArgumentError("Function States.JsonMerge supports only a shallow merge (false)")
    return {**left, **right}


def math_random(args: list[Any], scope: Scope) -> int:
    """States.MathRandom: an integer from start (inclusive) to end (exclusive)."""
    _count("States.MathRandom", args, 2, 3)
    start = _want("States.MathRandom", args[0], "integer")
    end = _want("States.MathRandom", args[1], "integer")
    if end <= start:
        raise ArgumentError(f"Function States.MathRandom needs start < end, got {start}, {end}")
    source = scope.random
    if len(args) == 3:
        source = randomlib.Random(_want("States.MathRandom", args[2], "integer"))
    return source.randrange(start, end)


def math_add(args: list[Any], scope: Scope) -> int:
    """States.MathAdd: the sum of two integers."""
    _count("States.MathAdd", args, 2)
    return int(sum(_want("States.MathAdd", a, "integer") for a in args))


def string_split(args: list[Any], scope: Scope) -> list[str]:
    """States.StringSplit: split on any of the delimiter characters, dropping empty parts."""
    _count("States.StringSplit", args, 2)
    text = _want("States.StringSplit", args[0], "string")
    delimiters = _want("States.StringSplit", args[1], "string")
    if not delimiters:
        raise ArgumentError("Function States.StringSplit needs at least one delimiter character")
    parts: list[str] = [""]
    for char in text:
        if char in delimiters:
            parts.append("")
        else:
            parts[-1] += char
    return [p for p in parts if p]


def uuid(args: list[Any], scope: Scope) -> str:
    """States.UUID: a version-4 UUID from the passed-in sources."""
    _count("States.UUID", args, 0)
    return scope.new_uuid()


FUNCTIONS: dict[str, Function] = {
    "States.Format": format_,
    "States.StringToJson": string_to_json,
    "States.JsonToString": json_to_string,
    "States.Array": array,
    "States.ArrayPartition": array_partition,
    "States.ArrayContains": array_contains,
    "States.ArrayRange": array_range,
    "States.ArrayGetItem": array_get_item,
    "States.ArrayLength": array_length,
    "States.ArrayUnique": array_unique,
    "States.Base64Encode": base64_encode,
    "States.Base64Decode": base64_decode,
    "States.Hash": hash_,
    "States.JsonMerge": json_merge,
    "States.MathRandom": math_random,
    "States.MathAdd": math_add,
    "States.StringSplit": string_split,
    "States.UUID": uuid,
}
