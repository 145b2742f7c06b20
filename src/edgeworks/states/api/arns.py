"""Amazon Resource Names of state machines and executions.

Forms (Step Functions API reference, ARN formats)::

    arn:aws:states:REGION:ACCOUNT:stateMachine:NAME
    arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME
    arn:aws:states:REGION:ACCOUNT:express:MACHINE:NAME:UUID

A malformed ARN in a request is answered with ``InvalidArn``, whose message quotes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edgeworks.states.errors import ApiError

# Step Functions API: CreateStateMachine, name: no whitespace, brackets, wildcards, special
# characters, or control characters; 1 to 80 characters.
_BAD_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Arn:
    """The parts of a Step Functions ARN."""

    region: str
    account: str
    kind: str
    names: tuple[str, ...]

    def __str__(self) -> str:
        return ":".join(("arn:aws:states", self.region, self.account, self.kind, *self.names))


def machine_arn(region: str, account: str, name: str) -> str:
    """Return the ARN of a state machine."""
    return str(Arn(region, account, "stateMachine", (name,)))


def execution_arn(machine: str, name: str) -> str:
    """Return the ARN of a standard execution of the machine with ARN ``machine``."""
    parsed = parse(machine, "stateMachineArn", ("stateMachine",))
    return str(Arn(parsed.region, parsed.account, "execution", (parsed.names[0], name)))


def express_arn(machine: str, name: str, unique: str) -> str:
    """Return the ARN of an express execution."""
    parsed = parse(machine, "stateMachineArn", ("stateMachine",))
    return str(Arn(parsed.region, parsed.account, "express", (parsed.names[0], name, unique)))


def machine_of(execution: Arn) -> str:
    """Return the ARN of the state machine an execution ARN belongs to."""
    return machine_arn(execution.region, execution.account, execution.names[0])


_PARTS = {"stateMachine": 1, "execution": 2, "express": 3, "mapRun": 2, "activity": 1}


def parse(text: object, member: str, kinds: tuple[str, ...], *, qualified: bool = False) -> Arn:
    """Parse an ARN of one of ``kinds`` found in request member ``member``.

    With ``qualified``, a state machine ARN may end in ``:VERSION`` or ``:ALIAS``.

    Raises:
        ApiError: InvalidArn, naming the value and what is wrong with it.
    """
    if not isinstance(text, str):
        raise ApiError("InvalidArn", f"Invalid Arn: '{text}' at '{member}' is not a string")
    pieces = text.split(":")
    if len(pieces) < 7 or pieces[:3] != ["arn", "aws", "states"]:
        raise ApiError("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {text}'")
    region, account, kind, names = pieces[3], pieces[4], pieces[5], tuple(pieces[6:])
    if kind not in kinds:
        raise ApiError(
            "InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {kind}'"
        )
    if not _REGION.match(region) or not _ACCOUNT.match(account):
        raise ApiError("InvalidArn", f"Invalid Arn: '{text}'")
    counts = (1, 2) if qualified and kind == "stateMachine" else (_PARTS[kind],)
    if len(names) not in counts or not all(names):
        raise ApiError("InvalidArn", f"Invalid Arn: '{text}'")
    return Arn(region, account, kind, names)


def check_name(name: object, member: str = "name") -> str:
    """Return ``name`` if the service accepts it as a resource name.

    Raises:
        ApiError: InvalidName naming the value.
    """
    if not isinstance(name, str) or not 1 <= len(name) <= 80 or _BAD_NAME.search(name):
        raise ApiError("InvalidName", f"Invalid Name: '{name}'")
    return name
