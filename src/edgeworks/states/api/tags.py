"""Tag operations on state machines and activities: Tag, Untag, ListTagsForResource."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from edgeworks.states.api import arns
from edgeworks.states.errors import ApiError, validation

if TYPE_CHECKING:
    from edgeworks.states.api.deps import Deps
    from edgeworks.states.api.protocol import Caller

# Step Functions API, TagResource: at most 50 tags per resource.
MAX_TAGS = 50


def tag_map(tags: object) -> dict[str, str]:
    """Return a TagList (``[{"key": ..., "value": ...}]``) as a dict.

    Raises:
        ApiError: ValidationException naming the malformed entry.
    """
    if not isinstance(tags, list):
        raise validation("tags", tags, "Member must be a list")
    found: dict[str, str] = {}
    for index, tag in enumerate(tags):
        key = tag.get("key") if isinstance(tag, dict) else None
        value = tag.get("value", "") if isinstance(tag, dict) else None
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not isinstance(value, str):
            raise validation(f"tags.{index + 1}.member", tag, "Member must have a key and value")
        found[key] = value
    return found


def _resource(deps: Deps, body: dict[str, Any]) -> str:
    parsed = arns.parse(body.get("resourceArn"), "resourceArn", ("stateMachine", "activity"))
    arn = str(parsed)
    exists = deps.store.machine(arn) if parsed.kind == "stateMachine" else deps.store.activity(arn)
    if exists is None:
        raise ApiError(
            "ResourceNotFound", f"Resource not found: '{arn}'", extra={"resourceName": arn}
        )
    return arn


async def tag(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """TagResource: add or overwrite tags."""
    arn = _resource(deps, body)
    wanted = tag_map(body.get("tags"))
    if len(deps.store.tags(arn) | wanted) > MAX_TAGS:
        raise ApiError(
            "TooManyTags",
            f"Too many tags: '{arn}' may carry at most {MAX_TAGS}",
            extra={"resourceName": arn},
        )
    deps.store.tag(arn, wanted)
    return {}


async def untag(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """UntagResource: remove tags by key."""
    arn = _resource(deps, body)
    keys = body.get("tagKeys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise validation("tagKeys", keys, "Member must be a list of strings")
    deps.store.untag(arn, keys)
    return {}


async def list_tags(deps: Deps, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """ListTagsForResource."""
    arn = _resource(deps, body)
    return {"tags": [{"key": k, "value": v} for k, v in deps.store.tags(arn).items()]}
