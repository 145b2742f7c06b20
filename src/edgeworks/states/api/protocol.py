"""AWS JSON 1.0 for the Step Functions API: one boundary between HTTP and the operations.

A request is ``POST /`` with ``X-Amz-Target: AWSStepFunctions.<Operation>`` and a JSON body.
The caller's account comes from the access key id in the SigV4 ``Authorization`` field when it
is twelve digits (any other key maps to the configured default account), and the region from
the credential scope. Signatures are not checked: the service is for local use. The SDKs send
StartSyncExecution and TestState to a ``sync-`` prefixed host, so the Host field is ignored.

Errors leave as ``{"__type": NAME, "message": TEXT}`` with status 400 (500 for a fault of the
service itself), and every answer carries ``x-amzn-RequestId``.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from edgeworks.http.headers import Headers, get
from edgeworks.states.errors import ApiError

log = logging.getLogger(__name__)

TARGET_PREFIX = "AWSStepFunctions."
CONTENT_TYPE = b"application/x-amz-json-1.0"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Exchange:
    """One request as the API sees it: method, path, header fields and the whole body."""

    method: str
    path: str
    headers: Headers
    body: bytes


Answer = tuple[int, Headers, bytes]


@dataclass(frozen=True)
class Caller:
    """Who sent a request and where: the account and region resources are created in."""

    account: str
    region: str
    request_id: str


Operation = Callable[[Caller, dict[str, Any]], Awaitable[dict[str, Any]]]


class Dispatcher:
    """Turns HTTP requests into operation calls and their results into HTTP responses.

    Args:
        operations: Handlers by operation name (``StartExecution``).
        default_account: The account of callers whose access key id is not twelve digits.
        default_region: The region of callers that send no credential scope.
    """

    def __init__(
        self,
        operations: dict[str, Operation],
        default_account: str = "123456789012",
        default_region: str = "us-east-1",
    ) -> None:
        self._operations = operations
        self._account = default_account
        self._region = default_region

    async def __call__(self, request: Exchange) -> Answer:
        """Answer one request with its status, header fields and JSON body."""
        caller = self._caller(request)
        started = time.perf_counter()
        name = "?"
        try:
            name, operation, body = self._decode(request)
            result = await operation(caller, body)
            response = _answer(200, result, caller)
        except ApiError as exc:
            log.debug("%s refused: %s", name, exc)
            response = _answer(exc.status, _error_body(exc), caller)
        except Exception:
            log.exception("%s failed inside the service", name)
            failure = {"__type": "InternalFailure", "message": "The service failed inside."}
            response = _answer(500, failure, caller)
        elapsed = (time.perf_counter() - started) * 1000
        log.info("%s %d %.1fms %s", name, response[0], elapsed, caller.request_id)
        return response

    def _caller(self, request: Exchange) -> Caller:
        account, region = self._account, self._region
        authorization = get(request.headers, b"authorization") or b""
        found = _CREDENTIAL.search(authorization.decode("latin-1"))
        if found:
            key, region = found.groups()
            if _ACCOUNT.match(key):
                account = key
        return Caller(account, region, str(uuid.uuid4()))

    def _decode(self, request: Exchange) -> tuple[str, Operation, dict[str, Any]]:
        if request.method != "POST" or request.path != "/":
            raise ApiError(
                "UnknownOperationException",
                f"{request.method} {request.path} is not an operation; use POST /",
                404,
            )
        target = (get(request.headers, b"x-amz-target") or b"").decode("latin-1")
        name = target.removeprefix(TARGET_PREFIX)
        operation = self._operations.get(name) if target.startswith(TARGET_PREFIX) else None
        if operation is None:
            raise ApiError(
                "UnknownOperationException", f"Unknown operation: X-Amz-Target '{target}'"
            )
        return name, operation, _json_body(request.body)


def _json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError("SerializationException", f"The request body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ApiError("SerializationException", "The request body must be a JSON object")
    return body


def _error_body(exc: ApiError) -> dict[str, Any]:
    return {"__type": exc.type_name, "message": exc.message, **exc.extra}


def _answer(status: int, body: dict[str, Any], caller: Caller) -> Answer:
    headers = [
        (b"content-type", CONTENT_TYPE),
        (b"x-amzn-requestid", caller.request_id.encode()),
    ]
    return status, headers, json.dumps(body, separators=(",", ":")).encode()
