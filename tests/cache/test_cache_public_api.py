"""The cache's public surface is what docs/design/contracts.md promises, and no more."""

from __future__ import annotations

import pytest
from cache_support import memory_cache

import edgeworks.cache
from edgeworks.cache import CacheError, Lookup
from edgeworks.errors import EdgeworksError


def test_public_names() -> None:
    assert sorted(edgeworks.cache.__all__) == [
        "Cache",
        "CacheError",
        "Entry",
        "Lookup",
        "Streamed",
        "Writer",
    ]


def test_facade_methods_of_the_contract() -> None:
    cache = memory_cache()
    for name in (
        "lookup",
        "answer",
        "stream",
        "open_writer",
        "freshen",
        "update_from_head",
        "stale_if_error",
        "invalidate",
        "stats",
    ):
        assert callable(getattr(cache, name)), name


def test_answer_without_entry_names_the_kind() -> None:
    with pytest.raises(CacheError, match="'miss'") as raised:
        memory_cache().answer(Lookup("miss"), "GET", [], 0.0, b"Hit from edgeworks")
    assert isinstance(raised.value, EdgeworksError)


def test_hidden_fields_are_the_targeted_fields_rfc9213_2_1() -> None:
    cache = memory_cache(targeted_cache_control="Edge-Cache-Control")
    assert cache.hidden_fields == {
        b"edge-cache-control",
        b"cdn-cache-control",
        b"surrogate-control",
    }
