"""Behaviour matching follows CloudFront: ordered, first match, wildcards, case, no query."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.config.managed import MANAGED_CACHE_POLICIES
from edgeworks.config.match import match_behavior, match_index
from edgeworks.config.model import Behavior, Distribution, Origin

POLICY = MANAGED_CACHE_POLICIES["CachingOptimized"]


def distribution(*patterns: str) -> Distribution:
    behaviors = tuple(Behavior(p, "app", POLICY) for p in patterns)
    return Distribution(
        origins={"app": Origin("app", "http", "127.0.0.1", 8000)},
        default_behavior=Behavior("*", "app", POLICY),
        behaviors=behaviors,
    )


def test_first_match_wins_in_list_order() -> None:
    dist = distribution("/images/*.jpg", "/images/*", "*.jpg")
    assert match_index(dist, "/images/a.jpg") == 0
    assert match_index(dist, "/images/a.png") == 1
    assert match_index(dist, "/other/a.jpg") == 2


def test_default_behaviour_is_last() -> None:
    dist = distribution("/api/*")
    assert match_behavior(dist, "/static/x") is dist.default_behavior
    assert match_index(dist, "/static/x") is None


def test_star_matches_any_run_including_none_and_slashes() -> None:
    dist = distribution("/a*b")
    assert match_index(dist, "/ab") == 0
    assert match_index(dist, "/a/x/y/b") == 0
    assert match_index(dist, "/a/x/y/bc") is None


def test_question_mark_matches_exactly_one_character() -> None:
    dist = distribution("/v?/x")
    assert match_index(dist, "/v1/x") == 0
    assert match_index(dist, "/v/x") is None
    assert match_index(dist, "/v12/x") is None


def test_matching_is_case_sensitive() -> None:
    dist = distribution("/Images/*")
    assert match_index(dist, "/Images/a") == 0
    assert match_index(dist, "/images/a") is None


def test_leading_slash_is_optional_on_either_side() -> None:
    assert match_index(distribution("images/*"), "/images/a") == 0
    assert match_index(distribution("/images/*"), "images/a") == 0


def test_query_string_is_ignored() -> None:
    dist = distribution("*.html")
    assert match_index(dist, "/index.html?x=1.css") == 0
    assert match_index(dist, "/index.css?page=a.html") is None


def test_pattern_characters_are_literal_apart_from_wildcards() -> None:
    dist = distribution("/a.b+c$(d)")
    assert match_index(dist, "/a.b+c$(d)") == 0
    assert match_index(dist, "/aXb+c$(d)") is None


def test_bytes_paths_match_like_text() -> None:
    dist = distribution("/caf\u00e9/*")
    assert match_index(dist, "/caf\u00e9/x".encode()) == 0
    assert match_index(dist, b"/caf\xff/x") is None


def test_a_new_distribution_is_compiled_afresh() -> None:
    assert match_index(distribution("/a"), "/a") == 0
    assert match_index(distribution("/b"), "/a") is None


def naive(pattern: str, path: str) -> bool:
    """A straightforward recursive reading of the rules, to check the compiled matcher."""
    pattern, path = pattern.removeprefix("/"), path.split("?", maxsplit=1)[0].removeprefix("/")

    def at(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(path)
        if pattern[i] == "*":
            return any(at(i + 1, k) for k in range(j, len(path) + 1))
        if j < len(path) and pattern[i] in ("?", path[j]):
            return at(i + 1, j + 1)
        return False

    return at(0, 0)


PATTERN_CHARS = st.sampled_from(list("ab/.*?"))
PATH_CHARS = st.sampled_from(list("ab/.?*\n"))


@settings(deadline=None)  # timing varies on a loaded machine; not a test subject
@given(
    st.lists(st.text(PATTERN_CHARS, min_size=1, max_size=8), max_size=4),
    st.text(PATH_CHARS, max_size=12),
)
def test_compiled_matcher_agrees_with_the_rules(patterns: list[str], path: str) -> None:
    dist = distribution(*patterns)
    expected = next((i for i, p in enumerate(patterns) if naive(p, path)), None)
    assert match_index(dist, path) == expected


@settings(deadline=None)  # timing varies on a loaded machine; not a test subject
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_arbitrary_paths_never_crash(path: str | bytes) -> None:
    dist = distribution("/api/*", "*.jpg", "/v?/*")
    assert isinstance(match_behavior(dist, path), Behavior)
