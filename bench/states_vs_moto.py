"""Workflow engine against moto's Step Functions server, side by side in one run.

Both servers run on loopback, each pinned to core 0, and are driven through boto3 from core 1.
moto executes state machines only when its ``execute_state_machine`` setting is on; this script
turns it on through moto's configuration endpoint. Every figure is printed as a ratio
Edgeworks / moto.

Figures:

- transitions per second on one execution of a long Pass chain;
- transitions per second on one execution of a Map over many items (one Pass state inside);
- executions started and finished per second through the API (a two-state machine, one
  created per execution: see ``executions_per_second``).

Usage::

    python bench/states_vs_moto.py           # full run
    python bench/states_vs_moto.py --quick   # small sizes, for a smoke check
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from servers import free_port, running

ROLE = "arn:aws:iam::123456789012:role/bench"


def client(port: int) -> Any:
    """A boto3 Step Functions client for a local endpoint."""
    return boto3.client(
        "stepfunctions",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="123456789012",
        aws_secret_access_key="x",
    )


def pass_chain(length: int) -> dict[str, Any]:
    """A machine of ``length`` Pass states in a row."""
    states: dict[str, Any] = {}
    for i in range(length):
        state: dict[str, Any] = {"Type": "Pass", "Result": {"i": i}, "ResultPath": "$.last"}
        if i + 1 < length:
            state["Next"] = f"S{i + 1}"
        else:
            state["End"] = True
        states[f"S{i}"] = state
    return {"StartAt": "S0", "States": states}


def map_machine() -> dict[str, Any]:
    """A machine that maps a Pass state over the input's items."""
    inner = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    processor = {**inner, "ProcessorConfig": {"Mode": "INLINE"}}
    return {
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, "End": True}
        },
    }


def run_one(sfn: Any, definition: dict[str, Any], payload: dict[str, Any], name: str) -> float:
    """Create a machine, run one execution to the end, return its wall time in seconds."""
    arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    started = time.perf_counter()
    execution = sfn.start_execution(stateMachineArn=arn, name="run", input=json.dumps(payload))
    wait_done(sfn, [execution["executionArn"]])
    return time.perf_counter() - started


def wait_done(sfn: Any, arns: list[str], timeout: float = 600.0) -> None:
    """Poll until every execution has left RUNNING."""
    pending = list(arns)
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(pending)} executions still running after {timeout} s")
        pending = [
            arn
            for arn in pending
            if sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
        ]
        if pending:
            time.sleep(0.01)


def executions_per_second(sfn: Any, count: int, name: str) -> float:
    """Create a two-state machine, run one execution of it to the end; ``count`` times.

    One at a time and one machine each, the gentlest load there is; moto's server still fails
    the second StartExecution in its process (it deep-copies state that holds a lock), so this
    figure has no peer figure until it does.
    """
    definition = json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}
    )
    started = time.perf_counter()
    for i in range(count):
        created = sfn.create_state_machine(name=f"{name}-{i}", definition=definition, roleArn=ROLE)
        execution = sfn.start_execution(stateMachineArn=created["stateMachineArn"], input="{}")
        wait_done(sfn, [execution["executionArn"]])
    return count / (time.perf_counter() - started)


def chain_figure(sfn: Any, sizes: dict[str, int]) -> float:
    """Transitions per second on one long Pass chain."""
    return sizes["chain"] / run_one(sfn, pass_chain(sizes["chain"]), {}, "chain")


def map_figure(sfn: Any, sizes: dict[str, int]) -> float:
    """Item transitions per second on one Map execution."""
    payload = {"items": list(range(sizes["items"]))}
    return sizes["items"] / run_one(sfn, map_machine(), payload, "map")


def executions_figure(sfn: Any, sizes: dict[str, int]) -> float:
    """Executions started and finished per second."""
    return executions_per_second(sfn, sizes["executions"], "exec")


FIGURES: dict[str, Callable[[Any, dict[str, int]], float]] = {
    "Pass chain transitions/s": chain_figure,
    "Map item transitions/s": map_figure,
    "executions/s through the API": executions_figure,
}


def enable_moto_execution(port: int) -> None:
    """Ask moto's server to execute state machines instead of faking their results."""
    body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/moto-api/config", data=body, method="POST"
    )
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def side_by_side(sizes: dict[str, int]) -> Iterator[tuple[str, float, float]]:
    """Measure each figure on a fresh server of each kind; yield (figure, ours, theirs).

    A fresh server per figure keeps one figure's leftovers out of the next, and works around
    moto failing every StartExecution once a Map execution has run in the same process.
    """
    moto = shutil.which("moto_server") or "moto_server"
    for name, figure in FIGURES.items():
        root = Path(tempfile.mkdtemp(prefix="edgeworks-states-bench-"))
        ours_port, moto_port = free_port(), free_port()
        ours_cmd = [sys.executable, "-m", "edgeworks", "states"]
        ours_cmd += ["--listen", f"127.0.0.1:{ours_port}", "--data-dir", str(root / "data")]
        with running([*ours_cmd, "--log-level", "WARNING"], ours_port, root / "ours.log", "0"):
            ours = figure(client(ours_port), sizes)
        with running(
            [moto, "-H", "127.0.0.1", "-p", str(moto_port)], moto_port, root / "m.log", "0"
        ):
            enable_moto_execution(moto_port)
            try:
                theirs = figure(client(moto_port), sizes)
            except ClientError as exc:
                # moto's server answers 500 to a StartExecution once any execution has run in
                # its process; the figure then has no peer and is printed as such.
                print(f"moto failed on {name!r}: {exc.response['Error']['Code']}", flush=True)
                theirs = 0.0
        shutil.rmtree(root, ignore_errors=True)
        yield name, ours, theirs


def main() -> int:
    """Print every figure as a ratio Edgeworks / moto."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    args = parser.parse_args()
    sizes = {"chain": 200, "items": 500, "executions": 50}
    if not args.quick:
        sizes = {"chain": 1000, "items": 10_000, "executions": 300}
    if shutil.which("moto_server") is None:
        print("bench: moto_server is missing (pip install -e '.[bench]')")
        return 2
    report: Callable[[float], str] = lambda value: f"{value:10.1f}"  # noqa: E731
    for name, ours, theirs in side_by_side(sizes):
        ratio = f"{ours / theirs:6.2f}x" if theirs else "   n/a (no peer figure)"
        print(f"{name:32} {report(ours)} vs {report(theirs)}  ratio {ratio}", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    raise SystemExit(main())
