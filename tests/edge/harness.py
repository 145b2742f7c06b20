"""Test harness for the node: a real origin in a thread and a real `edgeworks serve` process.

The origin answers every method on every path. Paths it knows:

- ``/cached/...``: ``Cache-Control: max-age=60``, body names the origin and the path;
- ``/slow?ms=N``: waits N milliseconds before answering (uncacheable);
- ``/bare/...``: no caching header at all (no ``Cache-Control``, ``Expires``, validators);
- anything else: ``Cache-Control: no-store``, a JSON echo of what arrived.

Every request is recorded (method, path, body), so tests see what reached the origin.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conftest import free_port


class OriginHandler(BaseHTTPRequestHandler):
    """Answers any method; see the module docstring for the paths."""

    protocol_version = "HTTP/1.1"
    server: OriginServer

    def __getattr__(self, name: str) -> Callable[[], None]:
        # The base class looks up do_<METHOD>; every method, extension ones too, lands here.
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # keep test output quiet

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", ""):
            parts = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                continue  # trailer fields
            return b"".join(parts)
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self) -> None:
        body = self._read_body()
        url = urlsplit(self.path)
        self.server.record(self.command, url.path, body, dict(self.headers.items()))
        if url.path == "/slow":
            time.sleep(int(parse_qs(url.query).get("ms", ["1000"])[0]) / 1000)
        if url.path.startswith("/cached/"):
            payload, cache_control = f"{self.server.name} {url.path}".encode(), "max-age=60"
        else:
            echo = {"origin": self.server.name, "method": self.command, "path": url.path}
            echo["body"] = body.decode("latin-1")
            payload, cache_control = json.dumps(echo).encode(), "no-store"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if not url.path.startswith("/bare/"):
            self.send_header("Cache-Control", cache_control)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


class OriginServer(ThreadingHTTPServer):
    """A threaded origin on 127.0.0.1 that records what it receives."""

    daemon_threads = True

    def __init__(self, name: str) -> None:
        super().__init__(("127.0.0.1", free_port()), OriginHandler)
        self.name = name
        self.requests: list[tuple[str, str, bytes, dict[str, str]]] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The origin's base URL."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        """Remember one request."""
        with self._lock:
            self.requests.append((method, path, body, headers))

    def count(self, path: str) -> int:
        """How many requests for ``path`` arrived."""
        with self._lock:
            return sum(1 for _, seen, _, _ in self.requests if seen == path)


@contextlib.contextmanager
def running_origin(name: str = "origin-a") -> Iterator[OriginServer]:
    """Run a test origin in a thread for the duration of the block."""
    server = OriginServer(name)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def wait_for(check: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``check`` until it is true, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        time.sleep(0.02)


def accepts(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class NodeProcess:
    """A real ``edgeworks serve`` process, its output in files under ``workdir``.

    Args:
        args: Arguments after ``edgeworks serve``.
        workdir: Where stdout, stderr and the access log go.
        port: The port the node listens on (passed as ``--listen``).
        own_log: Pass ``--access-log`` with a file in ``workdir``; False leaves the log to the
            configuration.
    """

    def __init__(self, args: list[str], workdir: Path, port: int, *, own_log: bool = True) -> None:
        self.port = port
        self.stdout_path = workdir / "stdout"
        self.stderr_path = workdir / "stderr"
        self.access_log = workdir / "access.log"
        command = [sys.executable, "-m", "edgeworks", "serve", *args]
        command += ["--listen", f"127.0.0.1:{port}"]
        if own_log:
            command += ["--access-log", str(self.access_log)]
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.proc = subprocess.Popen(command, stdout=out, stderr=err)

    @property
    def pid(self) -> int:
        """The node's process id."""
        return self.proc.pid

    def stderr(self) -> str:
        """What the node wrote to standard error so far."""
        return self.stderr_path.read_text(errors="replace")

    def stdout(self) -> str:
        """What the node wrote to standard output so far."""
        return self.stdout_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 15.0) -> None:
        """Wait until the node accepts connections (failing early if it exited)."""

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"node exited {self.proc.returncode}: {self.stderr()}")
            return accepts(self.port)

        wait_for(ready, timeout, "node accepting connections")

    def children(self) -> list[int]:
        """The node's child processes (its workers when it supervises)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    def signal(self, signum: signal.Signals) -> None:
        """Send ``signum`` to the node."""
        self.proc.send_signal(signum)

    def stop(self) -> None:
        """End the node and every child it left, by pid."""
        children = self.children()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def running_node(
    args: list[str], workdir: Path, *, ready: bool = True, own_log: bool = True
) -> Iterator[NodeProcess]:
    """Run ``edgeworks serve ARGS`` for the block; it is ended by pid however the block ends."""
    node = NodeProcess(args, workdir, free_port(), own_log=own_log)
    try:
        if ready:
            node.wait_ready()
        yield node
    finally:
        node.stop()
