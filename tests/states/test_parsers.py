"""Property tests for the service's small parsers: ARNs, names, page and task tokens."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgeworks.states.api import arns, inputs
from edgeworks.states.cli import parse_listen
from edgeworks.states.errors import ApiError, StatesError
from edgeworks.states.runtime.batching import _full
from edgeworks.states.runtime.callbacks import make_token, read_token

NAMES = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters="-_."),
    min_size=1,
    max_size=80,
)
REGIONS = st.sampled_from(["us-east-1", "eu-west-3", "ap-southeast-2"])
ACCOUNTS = st.from_regex(r"\A\d{12}\Z", fullmatch=True)


@given(REGIONS, ACCOUNTS, NAMES, NAMES)
def test_execution_arns_round_trip(region: str, account: str, machine: str, name: str) -> None:
    machine_arn = arns.machine_arn(region, account, machine)
    execution = arns.execution_arn(machine_arn, name)

    parsed = arns.parse(execution, "executionArn", ("execution",))

    assert (parsed.region, parsed.account, parsed.names) == (region, account, (machine, name))
    assert str(parsed) == execution
    assert arns.machine_of(parsed) == machine_arn


@given(st.text(max_size=120))
def test_any_text_is_an_arn_or_invalid_arn_never_a_crash(text: str) -> None:
    try:
        parsed = arns.parse(text, "stateMachineArn", ("stateMachine",))
    except ApiError as exc:
        assert exc.type_name == "InvalidArn"
    else:
        assert str(parsed) == text


@given(st.text(max_size=100))
def test_names_are_accepted_or_refused_with_invalid_name(name: str) -> None:
    try:
        assert arns.check_name(name) == name
    except ApiError as exc:
        assert exc.type_name == "InvalidName"
        assert name in exc.message


@given(st.integers(min_value=0, max_value=2**62))
def test_page_tokens_round_trip(position: int) -> None:
    token = inputs.encode_token(position)

    assert inputs.decode_token({"nextToken": token}) == position


@given(st.text(min_size=1, max_size=60))
def test_foreign_page_tokens_are_invalid_token(token: str) -> None:
    try:
        found = inputs.decode_token({"nextToken": token})
    except ApiError as exc:
        assert exc.type_name == "InvalidToken"
    else:
        assert isinstance(found, int)


@given(st.text(max_size=200), st.text(max_size=200))
def test_task_tokens_round_trip(arn: str, key: str) -> None:
    assert read_token(make_token(arn, key)) == (arn, key)


@given(st.text(max_size=80))
def test_task_token_garbage_is_a_value_error(token: str) -> None:
    try:
        arn, key = read_token(token)
    except ValueError:
        return
    assert isinstance(arn, str)
    assert isinstance(key, str)


@pytest.mark.parametrize("text", ["localhost", "1.2.3.4:", ":80", "host:99999", "host:port"])
def test_bad_listen_addresses_name_the_value(text: str) -> None:
    with pytest.raises(StatesError, match="--listen"):
        parse_listen(text)


def test_listen_address_forms() -> None:
    assert parse_listen("127.0.0.1:8083") == ("127.0.0.1", 8083)
    assert parse_listen("[::1]:0") == ("::1", 0)


@given(st.lists(st.integers(), max_size=20), st.integers(), st.integers(1, 5))
def test_batches_close_at_the_item_limit(group: list[int], item: int, most: int) -> None:
    assert _full(group, item, most, None) == (len(group) >= most)
