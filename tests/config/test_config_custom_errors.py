"""``CustomErrorResponses``: per-status error caching and replacement pages."""

from __future__ import annotations

from typing import Any

import pytest
from tests.config.helpers import document, problem_at

from edgeworks.config import parse_config
from edgeworks.config.model import ErrorResponse


def with_errors(*items: dict[str, Any]) -> dict[str, Any]:
    return document(CustomErrorResponses={"Quantity": len(items), "Items": list(items)})


def test_error_responses_by_code() -> None:
    dist = parse_config(
        with_errors(
            {"ErrorCode": 404, "ResponsePagePath": "/index.html", "ResponseCode": "200"},
            {"ErrorCode": 503, "ErrorCachingMinTTL": 0},
            {"ErrorCode": 403},
        )
    )
    assert dist.error_responses == {
        404: ErrorResponse(404, None, "/index.html", 200),
        503: ErrorResponse(503, 0.0),
        403: ErrorResponse(403),
    }


def test_no_error_responses_by_default() -> None:
    assert parse_config(document()).error_responses == {}


@pytest.mark.parametrize(
    ("item", "path", "value", "words"),
    [
        ({"ErrorCode": 418}, "CustomErrorResponses.Items[0].ErrorCode", 418, "404"),
        (
            {"ErrorCode": 404, "ResponsePagePath": "/x.html", "ResponseCode": "302"},
            "CustomErrorResponses.Items[0].ResponseCode",
            "302",
            "200",
        ),
        (
            {"ErrorCode": 404, "ResponsePagePath": "x.html", "ResponseCode": 200},
            "CustomErrorResponses.Items[0].ResponsePagePath",
            "x.html",
            "start with '/'",
        ),
        (
            {"ErrorCode": 404, "ResponsePagePath": "/x.html"},
            "CustomErrorResponses.Items[0]",
            {"ErrorCode": 404, "ResponsePagePath": "/x.html"},
            "go together",
        ),
        (
            {"ErrorCode": 500, "ErrorCachingMinTTL": -1},
            "CustomErrorResponses.Items[0].ErrorCachingMinTTL",
            -1,
            "seconds",
        ),
    ],
)
def test_bad_error_responses(item: dict[str, Any], path: str, value: Any, words: str) -> None:
    problem = problem_at(with_errors(item), path)
    assert problem.value == value
    assert words in problem.message


def test_repeated_error_code() -> None:
    doc = with_errors({"ErrorCode": 404}, {"ErrorCode": 404})
    assert problem_at(doc, "CustomErrorResponses.Items[1].ErrorCode").value == 404
