"""Task resources this service runs: local functions standing in for Lambda.

Two forms reach a function (Step Functions guide, Lambda integration):

- ``arn:aws:lambda:REGION:ACCOUNT:function:NAME``: the function gets the effective input and
  its return value is the result; the history says ``LambdaFunction*``.
- ``arn:aws:states:::lambda:invoke``: Parameters name the ``FunctionName`` (a name, a full or
  partial ARN, with or without a version qualifier) and the ``Payload``; the result is the
  Invoke response, the function's value under ``Payload`` and ``StatusCode`` 200; the history
  says ``Task*`` with resource type ``lambda``.

- ``arn:aws:states:REGION:ACCOUNT:activity:NAME``: the task waits for a worker to take it with
  GetActivityTask and to answer with SendTaskSuccess or SendTaskFailure; the history says
  ``Activity*``.

- ``arn:aws:states:::states:startExecution`` (and ``.sync``, ``.sync:2``,
  ``.waitForTaskToken``): starts an execution of another state machine of this service, see
  :mod:`nested`.

Any other resource is not run here: the task fails with ``States.Runtime``, naming it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from edgeworks.states.errors import FunctionError
from edgeworks.states.functions import NOT_FOUND
from edgeworks.states.runtime import nested
from edgeworks.states.runtime.context import Run, data_details, dumps

LEGACY_PREFIX = "arn:aws:lambda:"
INVOKE = "arn:aws:states:::lambda:invoke"
# Step Functions guide, Wait for a Callback with Task Token: the function gets $$.Task.Token
# in its payload, and the task waits for SendTaskSuccess or SendTaskFailure with it.
CALLBACK_SUFFIX = ".waitForTaskToken"
NESTED = "arn:aws:states:::states:startExecution"


@dataclass(frozen=True)
class Call:
    """One resolved task invocation: which function, with what, and how history names it."""

    resource: str
    function: str | None
    function_arn: str
    payload: Any
    kind: str  # "legacy" (arn:aws:lambda:...), "invoke" (lambda:invoke), "activity", "other"
    region: str

    @property
    def legacy(self) -> bool:
        """Whether the resource is a Lambda function ARN, the legacy form."""
        return self.kind == "legacy"

    @property
    def activity(self) -> bool:
        """Whether the resource is an activity that a worker polls for."""
        return self.kind == "activity"

    @property
    def waits_for_callback(self) -> bool:
        """Whether the task ends by SendTaskSuccess or SendTaskFailure, not by the function."""
        return self.resource.endswith(CALLBACK_SUFFIX)

    @property
    def prefix(self) -> str:
        """The event type prefix: ``LambdaFunction``, ``Activity`` or ``Task``."""
        return {"legacy": "LambdaFunction", "activity": "Activity"}.get(self.kind, "Task")

    @property
    def _member(self) -> str:
        return self.prefix[0].lower() + self.prefix[1:]

    @property
    def nested(self) -> bool:
        """Whether the task starts an execution of another state machine here."""
        return self.kind == "nested"

    def _ids(self) -> dict[str, Any]:
        if self.legacy or self.activity:
            return {}
        # arn:aws:states:::SERVICE:ACTION -> resourceType SERVICE, resource ACTION.
        service, _, action = self.resource.split(":::", 1)[-1].partition(":")
        return {"resourceType": service, "resource": action}

    def scheduled(
        self, parameters: Any, timeout: int | None, heartbeat: int | None
    ) -> dict[str, Any]:
        """Return the details of the Scheduled event."""
        if self.legacy or self.activity:
            details: dict[str, Any] = {
                "resource": self.resource,
                **data_details("input", parameters),
            }
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            if heartbeat is not None and self.activity:
                details["heartbeatInSeconds"] = heartbeat
            return {f"{self._member}ScheduledEventDetails": details}
        details = {**self._ids(), "region": self.region, "parameters": dumps(parameters)}
        if timeout is not None:
            details["timeoutInSeconds"] = timeout
        if heartbeat is not None:
            details["heartbeatInSeconds"] = heartbeat
        return {"taskScheduledEventDetails": details}

    def started(self) -> dict[str, Any]:
        """Return the details of the Started event."""
        return {} if self.legacy else {"taskStartedEventDetails": self._ids()}

    def submitted(self, output: Any) -> dict[str, Any]:
        """Return the details of the Submitted event of a callback task."""
        return {"taskSubmittedEventDetails": {**self._ids(), **data_details("output", output)}}

    def succeeded(self, output: Any) -> dict[str, Any]:
        """Return the details of the Succeeded event."""
        member = f"{self._member}SucceededEventDetails"
        return {member: {**self._ids(), **data_details("output", output)}}

    def failed(self, kind: str, error: str, cause: str | None) -> dict[str, Any]:
        """Return the details of a Failed or TimedOut event (``kind``)."""
        member = f"{self._member}{kind}EventDetails"
        found: dict[str, Any] = {**self._ids(), "error": error}
        if cause is not None:
            found["cause"] = cause
        return {member: found}


def resolve(resource: str, parameters: Any, run: Run) -> Call:
    """Return the call a Task's Resource and effective input make."""
    if resource.startswith(LEGACY_PREFIX):
        return Call(resource, _function_name(resource), resource, parameters, "legacy", run.region)
    if resource in (INVOKE, INVOKE + CALLBACK_SUFFIX):
        params = parameters if isinstance(parameters, dict) else {}
        target = str(params.get("FunctionName", ""))
        name = _function_name(target)
        arn = f"arn:aws:lambda:{run.region}:{run.account}:function:{name}"
        return Call(resource, name, arn, params.get("Payload", {}), "invoke", run.region)
    if resource.startswith(NESTED):
        return Call(resource, None, resource, parameters, "nested", run.region)
    if _is_activity(resource):
        return Call(resource, None, resource, parameters, "activity", run.region)
    return Call(resource, None, resource, parameters, "other", run.region)


def _parameters(call: Call) -> dict[str, Any]:
    if not isinstance(call.payload, dict):
        raise FunctionError(
            "States.Runtime", f"The parameters of '{call.resource}' must be an object"
        )
    return call.payload


def _is_activity(resource: str) -> bool:
    parts = resource.split(":")
    return len(parts) == 7 and parts[:3] == ["arn", "aws", "states"] and parts[5] == "activity"


async def invoke(call: Call, run: Run, timeout: float, key: str = "") -> Any:
    """Run the call's function (or start its nested execution) and return the task result.

    Args:
        call: What to run.
        run: The execution the task belongs to.
        timeout: Seconds the function may take.
        key: The task attempt's key, which names a nested execution that has no Name.

    Raises:
        FunctionError: The function failed, or the resource is not one this service runs.
    """
    if call.nested:
        child = await run.children.start_nested(run.arn, key, _parameters(call))
        return nested.started(child)
    function = _runnable(call)
    try:
        value = await run.functions.invoke(function, call.function_arn, call.payload, timeout)
    except FunctionError as exc:
        if call.legacy and exc.cause.startswith("{"):
            # The service records a legacy Lambda task's error payload with spaces after the
            # separators, and the lambda:invoke integration's compact.
            raise FunctionError(exc.error, json.dumps(json.loads(exc.cause))) from exc
        raise
    return value if call.legacy else _invoke_response(value)


def _runnable(call: Call) -> str:
    if call.function is not None:
        return call.function
    if call.resource.startswith(INVOKE):
        raise FunctionError(NOT_FOUND, f"Function not found: {call.function_arn}")
    raise FunctionError(
        "States.Runtime",
        f"The resource '{call.resource}' cannot run here: this service runs local functions "
        "(arn:aws:lambda:...:function:NAME, lambda:invoke), activities and "
        "states:startExecution",
    )


def _invoke_response(value: Any) -> dict[str, Any]:
    # Lambda Invoke response as the lambda:invoke integration hands it on: the function's
    # value under Payload, and the HTTP metadata of the Invoke call around it.
    request_id = str(uuid.uuid4())
    headers = {
        "Connection": "keep-alive",
        "Content-Length": str(len(json.dumps(value, separators=(",", ":")).encode())),
        "Content-Type": "application/json",
        "Date": formatdate(usegmt=True),
        "X-Amz-Executed-Version": "$LATEST",
        "x-amzn-RequestId": request_id,
    }
    return {
        "ExecutedVersion": "$LATEST",
        "Payload": value,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {name: [text] for name, text in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }


def _function_name(target: str) -> str | None:
    # Lambda Invoke, FunctionName: NAME, NAME:QUALIFIER, ACCOUNT:function:NAME[:Q], or the ARN.
    parts = target.split(":")
    if target.startswith("arn:"):
        return parts[6] if len(parts) >= 7 and parts[5] == "function" else None
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2]
    return parts[0] or None
