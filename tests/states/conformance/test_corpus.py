"""The States Language conformance corpus, run through the Step Functions API of a real server.

Each file under ``cases/`` is one documented behaviour: a definition, an input and what the
service answers (a succeeded output, a failure's error and cause, or a definition refused at
CreateStateMachine). One ``edgeworks states`` process serves the whole module; every case
creates its own state machine and execution, named after the case file, so the context object's
names and ARNs are known in advance.

A case the node does not pass yet carries ``"xfail": "<what is wrong>"``: it runs as a strict
expected failure, so the suite turns red as soon as the behaviour is fixed and the mark stays.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError
from tests.conftest import free_port

CASES = Path(__file__).resolve().parent / "cases"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/conformance"
FIELDS = {"name", "source", "definition", "input", "expect", "functions", "xfail", "type"}
STATUSES = {"SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED"}
RUN_SECONDS = 20.0
# Case files name their machine and execution, so they follow the service's name rules.
NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text())
    unknown = set(case) - FIELDS
    if unknown:
        raise ValueError(f"{path.name}: unknown fields {sorted(unknown)}")
    expect = case["expect"]
    if expect.get("status") not in STATUSES:
        raise ValueError(f"{path.name}: expect.status {expect.get('status')!r}")
    wanted = "output" if expect["status"] == "SUCCEEDED" else "error"
    if wanted not in expect:
        raise ValueError(f"{path.name}: a {expect['status']} case needs expect.{wanted}")
    return case


def _all_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(path.stem, _load(path)) for path in sorted(CASES.glob("*.json"))]


ALL = _all_cases()


def _params() -> list[Any]:
    params = []
    for stem, case in ALL:
        marks = []
        if "xfail" in case:
            marks.append(pytest.mark.xfail(strict=True, reason=case["xfail"]))
        params.append(pytest.param(stem, case, id=stem, marks=marks))
    return params


def _functions(folder: Path) -> None:
    sources: dict[str, str] = {}
    for stem, case in ALL:
        for name, source in case.get("functions", {}).items():
            if sources.setdefault(name, source) != source:
                raise ValueError(f"{stem}: function {name!r} differs from another case's")
            (folder / f"{name}.py").write_text(source)


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15.0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"edgeworks states exited with {process.returncode}:\n{tail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"edgeworks states did not listen on port {port}")


@pytest.fixture(scope="module")
def sfn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Step Functions client for an ``edgeworks states`` process serving this module."""
    root = tmp_path_factory.mktemp("conformance")
    functions = root / "functions"
    functions.mkdir()
    _functions(functions)
    port = free_port()
    command = [sys.executable, "-m", "edgeworks", "states", "--listen", f"127.0.0.1:{port}"]
    command += ["--data-dir", str(root / "data"), "--functions", str(functions)]
    command += ["--log-level", "WARNING"]
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
    try:
        _wait_listening(port, process, root / "server.log")
        yield boto3.client(
            "stepfunctions",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id=ACCOUNT,
            aws_secret_access_key="x",
            # StartSyncExecution would otherwise go to a "sync-" prefixed host name.
            config=botocore.config.Config(retries={"max_attempts": 1}, inject_host_prefix=False),
        )
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, 15)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, 9)
            process.wait(timeout=10)


def _create(sfn: Any, stem: str, case: dict[str, Any]) -> str:
    answer = sfn.create_state_machine(
        name=stem[:80],
        definition=json.dumps(case["definition"]),
        roleArn=ROLE,
        type=case.get("type", "STANDARD"),
    )
    arn: str = answer["stateMachineArn"]
    return arn


def _run(sfn: Any, machine_arn: str, stem: str, case: dict[str, Any]) -> dict[str, Any]:
    if case.get("type") == "EXPRESS":
        # The service does not describe EXPRESS executions; they are run synchronously.
        done: dict[str, Any] = sfn.start_sync_execution(
            stateMachineArn=machine_arn, name=stem[:80], input=json.dumps(case["input"])
        )
        return done
    started = sfn.start_execution(
        stateMachineArn=machine_arn, name=stem[:80], input=json.dumps(case["input"])
    )
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        found: dict[str, Any] = sfn.describe_execution(executionArn=started["executionArn"])
        if found["status"] != "RUNNING":
            return found
        time.sleep(0.01)
    raise AssertionError(f"{stem}: still RUNNING after {RUN_SECONDS} s")


def _check_rejected(sfn: Any, stem: str, case: dict[str, Any]) -> None:
    expect = case["expect"]
    with pytest.raises(ClientError) as refused:
        _create(sfn, stem, case)
    error = refused.value.response["Error"]
    assert error["Code"] == expect["error"]
    for fragment in expect.get("message_contains", []):
        assert fragment in error["Message"]
    if "diagnostics" in expect:
        answer = sfn.validate_state_machine_definition(
            definition=json.dumps(case["definition"]), type=case.get("type", "STANDARD")
        )
        assert answer["result"] == "FAIL"
        found = [(d["code"], d.get("location")) for d in answer["diagnostics"]]
        wanted = [(d["code"], d.get("location")) for d in expect["diagnostics"]]
        assert all(item in found for item in wanted), found


def _check_run(done: dict[str, Any], expect: dict[str, Any]) -> None:
    assert done["status"] == expect["status"], (done.get("error"), done.get("cause"))
    if "output" in expect:
        assert json.loads(done["output"]) == expect["output"]
    if "error" in expect:
        assert done.get("error") == expect["error"], done.get("cause")
    if "cause" in expect:
        assert done.get("cause") == expect["cause"]


@pytest.mark.parametrize(("stem", "case"), _params())
def test_case(sfn: Any, stem: str, case: dict[str, Any]) -> None:
    """The execution ends as the service's documentation says it does.

    A definition the service runs also passes ValidateStateMachineDefinition; one it refuses
    fails CreateStateMachine with the documented error.
    """
    if case["expect"]["status"] == "REJECTED":
        _check_rejected(sfn, stem, case)
        return

    checked = sfn.validate_state_machine_definition(
        definition=json.dumps(case["definition"]), type=case.get("type", "STANDARD")
    )
    machine_arn = _create(sfn, stem, case)
    done = _run(sfn, machine_arn, stem, case)

    assert checked["result"] == "OK", checked["diagnostics"]

    _check_run(done, case["expect"])


def test_corpus_is_whole() -> None:
    """Every case names its source page, has a unique name and a usable file name."""
    names = [case["name"] for _, case in ALL]

    assert len(ALL) >= 150
    assert all(NAME.fullmatch(stem) for stem, _ in ALL)
    assert len(set(names)) == len(names)
    assert all(case["source"].startswith("https://") for _, case in ALL)
