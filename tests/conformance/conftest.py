"""Fixtures of the conformance suite: a scripted origin and a real node in front of it.

Each test module gets one origin and one ``edgeworks serve --origin URL --workers 1`` process
(a policy that follows the origin's fields: the behaviour is RFC 9111 as written). Each test
gets a path of its own (``path``), so tests sharing the node never see each other's entries.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import free_port

from .client import Answer, fetch
from .origin import ScriptedOrigin

_serial = itertools.count()


@dataclass
class Edge:
    """The running node, seen from a viewer.

    Attributes:
        port: The node's port on 127.0.0.1.
        origin: The scripted origin behind it.
        process: The node's process.
        stderr: The file the node writes its diagnostics to.
    """

    port: int
    origin: ScriptedOrigin
    process: subprocess.Popen[bytes]
    stderr: Path

    def get(
        self,
        path: str,
        *headers: str,
        method: str = "GET",
        body: bytes | None = None,
        version: str = "1.1",
    ) -> Answer:
        """Send one request through the node (see :func:`client.fetch`)."""
        return fetch(self.port, path, *headers, method=method, body=body, version=version)

    def kill(self) -> None:
        """End the node (and its workers, should it have any) by pid."""
        children = _children(self.process.pid)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _wait_ready(process: subprocess.Popen[bytes], port: int, stderr: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"node exited {process.returncode}: {stderr.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"node on port {port} not accepting within 20 s")


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    """One origin and one node for the whole module, both ended by the fixture."""
    origin = ScriptedOrigin()
    thread = origin.start()
    port = free_port()
    workdir = tmp_path_factory.mktemp("node")
    stderr = workdir / "stderr"
    command = [sys.executable, "-m", "edgeworks", "serve", "--origin", origin.url]
    command += ["--listen", f"127.0.0.1:{port}", "--workers", "1", "--access-log", "off"]
    with stderr.open("wb") as err:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
    node = Edge(port, origin, process, stderr)
    try:
        _wait_ready(process, port, stderr)
        yield node
    finally:
        node.kill()
        origin.stop(thread)


@pytest.fixture
def path(request: pytest.FixtureRequest) -> str:
    """A URL path no other test uses."""
    name = re.sub(r"[^A-Za-z0-9_]+", "-", request.node.name).strip("-")
    return f"/{name}/{next(_serial)}"
