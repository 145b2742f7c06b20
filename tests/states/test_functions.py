"""The local function runner: loading, results, Lambda-shaped errors, reloading."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from edgeworks.states.errors import FunctionError
from edgeworks.states.functions import FunctionRunner

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def call(folder: Path, name: str, event: Any) -> Any:
    runner = FunctionRunner(folder, workers=2)
    try:
        return asyncio.run(runner.invoke(name, ARN + name, event, timeout=5))
    finally:
        runner.close()


def failure(folder: Path, name: str, event: Any) -> FunctionError:
    with pytest.raises(FunctionError) as caught:
        call(folder, name, event)
    return caught.value


def test_result_comes_back_as_json(functions_dir: Path) -> None:
    assert call(functions_dir, "double", {"value": 4}) == {"value": 8}


def test_context_has_lambda_attributes(functions_dir: Path) -> None:
    found = call(functions_dir, "whoami", {})

    assert found == {"name": "whoami", "arn": ARN + "whoami", "left": True}


def test_exception_type_is_the_error_and_the_payload_the_cause(functions_dir: Path) -> None:
    error = failure(functions_dir, "boom", {"card": 7})
    cause = json.loads(error.cause)

    assert error.error == "PaymentDeclined"
    assert cause["errorType"] == "PaymentDeclined"
    assert cause["errorMessage"] == "card 7"
    assert cause["stackTrace"]


def test_missing_function_and_bad_names(functions_dir: Path) -> None:
    missing = failure(functions_dir, "absent", {})
    escaping = failure(functions_dir, "../double", {})

    assert missing.error == "Lambda.ResourceNotFoundException"
    assert ARN + "absent" in missing.cause
    assert escaping.error == "Lambda.ResourceNotFoundException"


def test_result_that_is_not_json_is_lambda_unknown(functions_dir: Path) -> None:
    assert failure(functions_dir, "notjson", {}).error == "Lambda.Unknown"


def test_module_that_fails_to_import(functions_dir: Path) -> None:
    (functions_dir / "broken.py").write_text("import not_a_module_anywhere\n")

    error = failure(functions_dir, "broken", {})

    assert error.error == "Runtime.ImportModuleError"
    assert "not_a_module_anywhere" in error.cause


def test_module_without_handler(functions_dir: Path) -> None:
    (functions_dir / "nohandler.py").write_text("VALUE = 1\n")

    assert failure(functions_dir, "nohandler", {}).error == "Lambda.ResourceNotFoundException"


def test_edited_file_is_reloaded(functions_dir: Path) -> None:
    runner = FunctionRunner(functions_dir, workers=1)
    target = functions_dir / "changing.py"

    async def twice() -> tuple[Any, Any]:
        target.write_text("def handler(e, c):\n    return 1\n")
        first = await runner.invoke("changing", ARN, {}, 5)
        target.write_text("def handler(e, c):\n    return 2\n")
        stat = target.stat()
        import os

        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        return first, await runner.invoke("changing", ARN, {}, 5)

    try:
        assert asyncio.run(twice()) == (1, 2)
    finally:
        runner.close()
