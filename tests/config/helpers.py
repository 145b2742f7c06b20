"""Small builders shared by the configuration tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from edgeworks.config import ConfigError, parse_config
from edgeworks.config.errors import Problem

BASE: dict[str, Any] = {
    "Origins": [{"Id": "app", "Url": "http://127.0.0.1:8000"}],
    "DefaultCacheBehavior": {"TargetOriginId": "app", "CachePolicyId": "CachingOptimized"},
}


def document(**changes: Any) -> dict[str, Any]:
    """Return a valid minimal document with top-level fields replaced or added."""
    doc = copy.deepcopy(BASE)
    doc.update(changes)
    return doc


def problems_of(doc: Any) -> list[Problem]:
    """Return the problems ``parse_config`` reports for ``doc`` (it must report some)."""
    with pytest.raises(ConfigError) as caught:
        parse_config(doc, source="test.yaml")
    problems: list[Problem] = caught.value.problems
    assert problems, "ConfigError raised without problems"
    return problems


def problem_at(doc: Any, path: str) -> Problem:
    """Return the one problem reported at ``path``."""
    found = [p for p in problems_of(doc) if p.path == path]
    assert found, f"no problem at {path}: {problems_of(doc)}"
    return found[0]
