"""Reading request members with the service's checks and its ValidationException wording."""

from __future__ import annotations

import base64
import json
from typing import Any

from edgeworks.states.errors import ApiError, validation


def required_str(body: dict[str, Any], member: str) -> str:
    """Return a required string member.

    Raises:
        ApiError: ValidationException when it is absent or not a string.
    """
    value = body.get(member)
    if value is None:
        raise validation(member, None, "Member must not be null")
    if not isinstance(value, str):
        raise validation(member, value, "Member must be a string")
    return value


def optional_str(body: dict[str, Any], member: str, default: str | None = None) -> str | None:
    """Return a string member, or ``default`` when it is absent."""
    value = body.get(member)
    if value is None:
        return default
    if not isinstance(value, str):
        raise validation(member, value, "Member must be a string")
    return value


def choice(
    body: dict[str, Any], member: str, allowed: tuple[str, ...], default: str | None
) -> str | None:
    """Return an enum member, checked against its allowed values."""
    value = optional_str(body, member, default)
    if value is not None and value not in allowed:
        raise validation(
            member, value, f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        )
    return value


def flag(body: dict[str, Any], member: str) -> bool:
    """Return a boolean member, False when absent."""
    value = body.get(member, False)
    if not isinstance(value, bool):
        raise validation(member, value, "Member must be a boolean")
    return value


def page_size(body: dict[str, Any], default: int = 100) -> int:
    """Return ``maxResults`` (0 or absent means the service's default, at most 1000)."""
    value = body.get("maxResults")
    if value is None or value == 0:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
        raise validation("maxResults", value, "Member must have value less than or equal to 1000")
    return value


def json_text(body: dict[str, Any], member: str, error: str) -> str:
    """Return a member holding JSON text (``input``, ``output``), ``"{}"`` when absent.

    Raises:
        ApiError: ``error`` (InvalidExecutionInput, InvalidOutput) when the text is not JSON.
    """
    text = optional_str(body, member, "{}")
    assert text is not None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(error, f"Invalid {member} '{text[:200]}': {exc}") from exc
    # Step Functions: input and output payloads are limited to 256 KiB of UTF-8.
    if len(text.encode()) > 262144:
        raise validation(
            member,
            f"<{len(text.encode())} bytes>",
            "Member must have length less than or equal to 262144",
        )
    return text


def encode_token(position: int) -> str:
    """Return an opaque page token for a position in a listing."""
    return base64.urlsafe_b64encode(json.dumps({"after": position}).encode()).decode()


def decode_token(body: dict[str, Any]) -> int | None:
    """Return the position a ``nextToken`` member points at, or None when there is none.

    Raises:
        ApiError: InvalidToken when the token was not issued by this service.
    """
    token = optional_str(body, "nextToken")
    if token is None:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError("InvalidToken", f"Invalid Token: '{token}'") from exc
    if not isinstance(position, int):
        raise ApiError("InvalidToken", f"Invalid Token: '{token}'")
    return position
