"""Local Python functions standing in for Lambda.

A functions folder holds ``NAME.py`` files, each defining ``handler(event, context)``. A call
runs in a worker thread so the event loop keeps serving; its result must be JSON. Errors take
the shapes Lambda gives them, because workflows match on those names in Retry and Catch:

- the handler raised: the error is the exception's type name, the cause the JSON error
  payload (``errorMessage``, ``errorType``, ``requestId``, ``stackTrace``) Lambda returns;
- no such file or no ``handler``: ``Lambda.ResourceNotFoundException``;
- the result is not JSON: ``Lambda.Unknown``, as when a function's runtime breaks.

A call that passes its time limit is abandoned by the caller, but a Python thread cannot be
stopped from outside, so the handler keeps running in its thread until it returns.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from edgeworks.states.errors import FunctionError

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NOT_FOUND = "Lambda.ResourceNotFoundException"
UNKNOWN = "Lambda.Unknown"


@dataclass
class LambdaContext:
    """The ``context`` argument a handler receives, with Lambda's attribute names."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    deadline: float
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128

    def get_remaining_time_in_millis(self) -> int:
        """Return the milliseconds left before the caller abandons the call."""
        return max(0, int((self.deadline - time.time()) * 1000))


class FunctionRunner:
    """Loads handlers from a folder and calls them in a thread pool.

    Args:
        folder: The folder of ``NAME.py`` files, or None when no functions are served.
        workers: The most handlers running at once.
    """

    def __init__(self, folder: Path | None, workers: int = 32) -> None:
        self._folder = folder
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="function")
        self._modules: dict[str, tuple[float, ModuleType]] = {}

    def close(self) -> None:
        """Stop accepting calls; running handlers finish in their threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def exists(self, name: str) -> bool:
        """Whether a function of this name can be loaded."""
        return self._path(name) is not None

    async def invoke(self, name: str, arn: str, event: Any, timeout: float) -> Any:
        """Call a function's handler and return its JSON result.

        Raises:
            FunctionError: The function is missing, raised, or returned something not JSON.
        """
        handler = self._handler(name, arn)
        context = LambdaContext(name, arn, str(uuid.uuid4()), time.time() + timeout)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _call, handler, event, context)

    def _path(self, name: str) -> Path | None:
        if self._folder is None or not _NAME.match(name):
            return None
        path = self._folder / f"{name}.py"
        return path if path.is_file() else None

    def _handler(self, name: str, arn: str) -> Any:
        path = self._path(name)
        if path is None:
            raise FunctionError(NOT_FOUND, _not_found(arn))
        mtime = path.stat().st_mtime
        cached = self._modules.get(name)
        if cached is None or cached[0] != mtime:
            cached = (mtime, _load(name, path, arn))
            self._modules[name] = cached
        handler = getattr(cached[1], "handler", None)
        if not callable(handler):
            raise FunctionError(NOT_FOUND, _not_found(arn))
        return handler


def _load(name: str, path: Path, arn: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"edgeworks_function_{name}", path)
    if spec is None or spec.loader is None:
        raise FunctionError(NOT_FOUND, _not_found(arn))
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        # Lambda reports a handler module that fails to import as Runtime.ImportModuleError.
        raise FunctionError("Runtime.ImportModuleError", _payload(exc, str(uuid.uuid4()))) from exc
    return module


def _call(handler: Any, event: Any, context: LambdaContext) -> Any:
    try:
        result = handler(event, context)
    except Exception as exc:
        raise FunctionError(type(exc).__name__, _payload(exc, context.aws_request_id)) from exc
    try:
        return json.loads(json.dumps(result))
    except (TypeError, ValueError) as exc:
        cause = f"Function {context.function_name} returned a value that is not JSON: {exc}"
        raise FunctionError(UNKNOWN, cause) from exc


def _payload(exc: BaseException, request_id: str) -> str:
    frames = traceback.format_tb(exc.__traceback__)
    # The Lambda Python runtime's error payload, compact as the service records it.
    payload = {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": frames[1:],
    }
    return json.dumps(payload, separators=(",", ":"))


def _not_found(arn: str) -> str:
    return (
        f"Function not found: {arn} (Service: AWSLambda; Status Code: 404;"
        f" Error Code: ResourceNotFoundException; Request ID: {uuid.uuid4()}; Proxy: null)"
    )
