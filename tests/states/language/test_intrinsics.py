"""The 18 intrinsic functions, nested calls, and States.IntrinsicFailure on bad arguments."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest

from edgeworks.states.language import StatesFailure, intrinsics
from edgeworks.states.language.errors import INTRINSIC_FAILURE
from edgeworks.states.language.intrinsics.parser import (
    IntrinsicSyntaxError,
    Literal,
    PathArg,
    parse,
)

from .helpers import scope

DATA = {"name": "ann", "n": 3, "list": [1, 2, 2, 3], "obj": {"a": 1}, "text": "a,b,,c"}


def run(text: str, data: Any = DATA, **kwargs: Any) -> Any:
    return intrinsics.evaluate(text, data, scope(**kwargs))


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("States.Format('Hello, {}!', $.name)", "Hello, ann!"),
        ("States.Format('{} has {} items', $.name, $.n)", "ann has 3 items"),
        ("States.Format('brace \\{\\} and {}', true)", "brace {} and true"),
        ("States.Format('quote \\' {}', null)", "quote ' null"),
        ("States.Array('a\\{b\\}')", ["a{b}"]),
        ("States.StringToJson('{\"a\": [1, 2]}')", {"a": [1, 2]}),
        ("States.JsonToString($.obj)", '{"a":1}'),
        ("States.JsonToString(States.Array('é', 1.5))", '["é",1.5]'),
        ("States.Array(1, 'two', $.n, null)", [1, "two", 3, None]),
        ("States.ArrayPartition($.list, 3)", [[1, 2, 2], [3]]),
        ("States.ArrayContains($.list, 2)", True),
        ("States.ArrayContains($.list, 9)", False),
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
        ("States.ArrayGetItem($.list, 3)", 3),
        ("States.ArrayLength($.list)", 4),
        ("States.ArrayUnique($.list)", [1, 2, 3]),
        ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
        ("States.Hash('input data', 'SHA-1')", hashlib.sha1(b"input data").hexdigest()),
        ("States.Hash('input data', 'MD5')", hashlib.md5(b"input data").hexdigest()),
        ("States.JsonMerge($.obj, States.StringToJson('{\"b\":2}'), false)", {"a": 1, "b": 2}),
        ("States.MathAdd($.n, -5)", -2),
        ("States.StringSplit($.text, ',')", ["a", "b", "c"]),
        (
            "States.StringSplit('This.is+a,test=string', '.+,=')",
            ["This", "is", "a", "test", "string"],
        ),
    ],
)
def test_each_function(call: str, expected: Any) -> None:
    assert run(call) == expected


def test_nested_calls_and_context_and_variable_paths() -> None:
    assert (
        intrinsics.evaluate(
            "States.Format('{}/{}/{}', States.ArrayLength(States.Array(1, 2)), $$.Id, $v)",
            {},
            scope({"v": "var"}, Id="ctx"),
        )
        == "2/ctx/var"
    )


def test_uuid_and_math_random_come_from_the_passed_in_random_source() -> None:
    first = run("States.UUID()")
    again = run("States.UUID()")

    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first
    )
    assert first == again  # same seed, same value: replays are deterministic
    value = run("States.MathRandom(1, 10)")
    assert 1 <= value < 10
    assert run("States.MathRandom(1, 1000, 42)") == run("States.MathRandom(1, 1000, 42)")


def test_base64_round_trip_of_unicode() -> None:
    encoded = run("States.Base64Encode('héllo ✓')")

    assert base64.b64decode(encoded).decode() == "héllo ✓"
    assert run(f"States.Base64Decode('{encoded}')") == "héllo ✓"


@pytest.mark.parametrize(
    "call",
    [
        "States.Format('{} {}', 1)",
        "States.Format('{}', 1, 2)",
        "States.Format('{}', $.obj)",
        "States.StringToJson('{nope')",
        "States.ArrayPartition($.list, 0)",
        "States.ArrayRange(1, 5000, 1)",
        "States.ArrayRange(1, 5, 0)",
        "States.ArrayGetItem($.list, 10)",
        "States.ArrayLength($.name)",
        "States.Base64Decode('***')",
        "States.Hash('x', 'SHA-3')",
        "States.Hash('x', 'sha-256')",
        "States.StringSplit('abc', '')",
        "States.JsonMerge($.obj, $.obj, true)",
        "States.MathAdd(1.5, 1)",
        "States.MathRandom(5, 1)",
        "States.UUID(1)",
        "States.Nope()",
    ],
)
def test_bad_arguments_raise_intrinsic_failure(call: str) -> None:
    with pytest.raises(StatesFailure) as caught:
        run(call)

    assert caught.value.error == INTRINSIC_FAILURE
    assert caught.value.cause


def test_the_parser_reads_every_argument_kind() -> None:
    call = parse("States.Array('a\\'b', -1.5e2, true, false, null, $.x[?(@.y == 'z,)')], $$.C)")

    assert call.arguments == (
        Literal("a'b"),
        Literal(-150.0),
        Literal(True),
        Literal(False),
        Literal(None),
        PathArg("$.x[?(@.y == 'z,)')]"),
        PathArg("$$.C"),
    )


@pytest.mark.parametrize(
    "text",
    [
        "States.Format(",
        "States.Format('a'",
        "Format('a')",
        "States.Array(1,)",
        "States.Array() x",
        "States.Array(@)",
    ],
)
def test_malformed_calls_are_syntax_errors(text: str) -> None:
    with pytest.raises(IntrinsicSyntaxError):
        parse(text)


def test_nesting_deeper_than_ten_is_rejected() -> None:
    deep = "States.Array(" * 11 + ")" * 11

    with pytest.raises(IntrinsicSyntaxError):
        parse(deep)
    nested: Any = []
    for _ in range(9):
        nested = [nested]
    assert run("States.Array(" * 10 + ")" * 10) == nested


def test_a_missing_path_argument_is_a_runtime_failure_naming_the_whole_call() -> None:
    with pytest.raises(StatesFailure) as caught:
        intrinsics.evaluate("States.Format('{} {}', $.other, $.a.b)", {"other": 1}, scope())

    assert caught.value.error == "States.Runtime"
    assert caught.value.cause == (
        "The function 'States.Format('{} {}', $.other, $.a.b)' had the following error: "
        "The JsonPath argument for the field '$.a.b' could not be found in the input "
        "'{\"other\":1}'"
    )


def test_an_index_past_the_end_misses_as_an_argument() -> None:
    with pytest.raises(StatesFailure) as caught:
        intrinsics.evaluate("States.Format('{}', $.items[5])", {"items": [1, 2]}, scope())

    assert "'$.items[5]' could not be found" in (caught.value.cause or "")


def test_a_context_path_argument_is_named_as_an_input_path() -> None:
    with pytest.raises(StatesFailure) as caught:
        intrinsics.evaluate("States.Format('{}', $$.Nope.Deep)", {"other": 1}, scope())

    assert "for the field '$.Nope.Deep' could not be found in the input '{\"other\":1}'" in (
        caught.value.cause or ""
    )


def test_null_arguments_are_values() -> None:
    assert run("States.Format('{}', $.nul)", {"nul": None}) == "null"
