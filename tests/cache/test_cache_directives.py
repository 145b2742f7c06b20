"""Cache-Control parsing (RFC 9111 §5.2, §4.2.1, §1.2.2)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache.rules.directives import DELTA_SECONDS_CAP, parse_cache_control


def test_names_are_case_insensitive_rfc9111_5_2() -> None:
    parsed = parse_cache_control([b"Max-Age=60, NO-STORE"])
    assert parsed.seconds("max-age") == 60
    assert parsed.has("no-store")


def test_quoted_argument_accepted_rfc9111_5_2() -> None:
    assert parse_cache_control([b'max-age="120"']).seconds("max-age") == 120


def test_odd_spacing_and_empty_members_rfc9111_5_2() -> None:
    parsed = parse_cache_control([b" ,  public ,,\tmax-age=30 , "])
    assert parsed.has("public")
    assert parsed.seconds("max-age") == 30


def test_space_around_equals_is_not_max_age_rfc9111_5_2() -> None:
    assert parse_cache_control([b"max-age =3600"]).seconds("max-age") is None
    assert parse_cache_control([b"max-age= 3600"]).seconds("max-age") == 0


def test_quoted_directive_inside_extension_ignored_rfc9111_5_2() -> None:
    parsed = parse_cache_control([b'extension="max-age=3600", max-age=1'])
    assert parsed.seconds("max-age") == 1


def test_single_quotes_are_not_quoting_rfc9110_5_6_4() -> None:
    assert parse_cache_control([b"max-age='3600'"]).seconds("max-age") == 0


def test_several_lines_combine_rfc9110_5_3() -> None:
    parsed = parse_cache_control([b"public", b"s-maxage=10"])
    assert parsed.has("public")
    assert parsed.seconds("s-maxage") == 10


def test_conflicting_duplicates_count_as_stale_rfc9111_4_2_1() -> None:
    assert parse_cache_control([b"max-age=60, max-age=3600"]).seconds("max-age") == 0


def test_identical_duplicates_are_kept_rfc9111_4_2_1() -> None:
    assert parse_cache_control([b"max-age=60", b"max-age=60"]).seconds("max-age") == 60


def test_invalid_delta_seconds_counts_as_stale_rfc9111_4_2_1() -> None:
    for value in (b"max-age=-1", b"max-age=1.5", b"max-age=abc", b"max-age=", b"max-age"):
        assert parse_cache_control([value]).seconds("max-age") == 0, value


def test_huge_delta_seconds_capped_rfc9111_1_2_2() -> None:
    parsed = parse_cache_control([b"max-age=99999999999999999999"])
    assert parsed.seconds("max-age") == DELTA_SECONDS_CAP


def test_quoted_comma_does_not_split_rfc9110_5_6_4() -> None:
    parsed = parse_cache_control([b'private="set-cookie, x-user", max-age=5'])
    assert parsed.field_names("private") == {b"set-cookie", b"x-user"}
    assert parsed.seconds("max-age") == 5


def test_unknown_directives_ignored_rfc9111_5_2_3() -> None:
    parsed = parse_cache_control([b"foo=bar, max-age=7"])
    assert parsed.seconds("max-age") == 7


@settings(deadline=None)
@given(st.lists(st.binary(max_size=60), max_size=4))
def test_garbage_never_crashes(lines: list[bytes]) -> None:
    parsed = parse_cache_control(lines)
    for name in parsed.values:
        assert name == name.lower()
        seconds = parsed.seconds(name)
        assert seconds is None or 0 <= seconds <= DELTA_SECONDS_CAP


_NAMES = st.sampled_from(["max-age", "MAX-AGE", "Max-Age", "s-maxage", "S-MaxAge"])
_SPACE = st.sampled_from(["", " ", "  ", "\t"])


@settings(deadline=None)
@given(_NAMES, st.integers(0, 10**12), _SPACE, _SPACE, st.booleans())
def test_spacing_case_and_quoting_agree(
    name: str, seconds: int, left: str, right: str, quoted: bool
) -> None:
    argument = f'"{seconds}"' if quoted else str(seconds)
    line = f"{left}{name}={argument}{right}, public".encode()
    parsed = parse_cache_control([line])
    assert parsed.seconds(name.lower()) == min(seconds, DELTA_SECONDS_CAP)
    assert parsed.has("public")
