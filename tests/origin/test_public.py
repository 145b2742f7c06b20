"""The origin client's public surface is exactly what the contract names."""

from __future__ import annotations

import inspect

import edgeworks.origin as origin
from edgeworks.origin import OriginClient, OriginError, OriginTimeout


def test_public_names_are_the_contracts() -> None:
    expected = {"OriginClient", "OriginError", "OriginResponse", "OriginTimeout", "PoolStats"}
    assert set(origin.__all__) == expected


def test_request_takes_body_and_on_interim_by_keyword_only() -> None:
    parameters = inspect.signature(OriginClient.request).parameters
    assert list(parameters)[:5] == ["self", "origin_id", "method", "target", "headers"]
    assert parameters["body"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["on_interim"].kind is inspect.Parameter.KEYWORD_ONLY


def test_errors_carry_status_reason_and_detail() -> None:
    refused = OriginError("origin refused the connection", detail="127.0.0.1:9")
    timeout = OriginTimeout("origin read timed out")
    assert (refused.status, refused.reason, refused.detail) == (
        502,
        "origin refused the connection",
        "127.0.0.1:9",
    )
    assert (timeout.status, isinstance(timeout, OriginError)) == (504, True)
    assert str(refused) == "origin refused the connection (127.0.0.1:9)"
