"""Pass-through against its floor: Edgeworks, a bare relay and nginx, side by side on loopback.

The bare relay is the least a Python pass-through can do on the same libraries (uvloop and
httptools): parse the viewer's request, write it to a pooled origin connection, parse the
origin's response, drop its ``Connection`` field, add a ``Via``, write it back. No routing, no
cache lookup, no counters, no access log, no error handling. Its figure tells how much of the
distance to nginx is the language and how much is Edgeworks' own work per request.

All three sit in front of the same origin as in ``edge_vs_nginx.py`` (nginx serving a 1 KiB
``no-store`` object), each pinned to core 0, wrk and the origin on core 1. In each round the
three run back to back, in an order that rotates between rounds; for each run the server's CPU
time (user and system, from ``/proc/PID/stat``) is divided by the requests wrk completed. The
line printed per server is its median round.

Usage::

    python bench/relay_floor.py               # 5 rounds of 4 s (about 1 minute)
    python bench/relay_floor.py --rounds 9
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import httptools
import uvloop

from edge_vs_nginx import edgeworks_conf, object_root, origin_conf, proxy_conf, tools_present
from servers import free_port, running

PATH = "/pass/1k"
CONNECTIONS = 64
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One wrk run against one server."""

    rps: float
    user_us: float
    system_us: float


def cpu_ticks(pid: int) -> tuple[int, int]:
    """User and system clock ticks a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def nginx_worker(master: int) -> int:
    """The single worker process of an nginx master (its cache manager and loader aside)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    workers = [
        int(child)
        for child in children
        if b"worker process" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]
    if len(workers) != 1:
        raise RuntimeError(f"nginx master {master} has {len(workers)} workers, expected 1")
    return workers[0]


def measure(name: str, port: int, pid: int, seconds: int) -> Run:
    """Drive ``port`` with wrk on core 1; return req/s and the server's CPU per request."""
    user0, system0 = cpu_ticks(pid)
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s"]
    out = subprocess.run(
        [*cmd, f"http://127.0.0.1:{port}{PATH}"], capture_output=True, text=True, check=True
    ).stdout
    user1, system1 = cpu_ticks(pid)
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors", out)
    if requests == 0 or failed is not None:
        raise RuntimeError(f"{name} did not answer cleanly:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    per_request = 1e6 / TICK / max(requests, 1)
    return Run(rps, (user1 - user0) * per_request, (system1 - system0) * per_request)


# The bare relay, run as its own process: ``relay_floor.py --serve PORT ORIGIN_PORT``.


class _OriginSide(asyncio.Protocol):
    def __init__(self, idle: collections.deque[_OriginSide]) -> None:
        self.idle = idle
        self.parser = httptools.HttpResponseParser(self)
        self.fields: list[bytes] = []
        self.viewer: _ViewerSide | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's, not a subclass

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() != b"connection":
            self.fields.append(b"%s: %s\r\n" % (name, value))

    def on_headers_complete(self) -> None:
        head = b"HTTP/1.1 200 OK\r\n" + b"".join(self.fields) + b"via: 1.1 floor\r\n\r\n"
        self.fields = []
        self._to_viewer(head)

    def on_body(self, body: bytes) -> None:
        self._to_viewer(body)

    def _to_viewer(self, data: bytes) -> None:
        # A viewer that left (wrk stops with requests in flight) still gets its response
        # read to the end, so that the origin connection goes back to the pool.
        viewer = self.viewer
        transport = None if viewer is None else viewer.transport
        if transport is not None and not transport.is_closing():
            transport.write(data)

    def on_message_complete(self) -> None:
        self.viewer = None
        self.idle.append(self)


class _ViewerSide(asyncio.Protocol):
    def __init__(self, idle: collections.deque[_OriginSide]) -> None:
        self.idle = idle
        self.parser = httptools.HttpRequestParser(self)
        self.fields: list[bytes] = []
        self.target = b"/"
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's, not a subclass

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_url(self, url: bytes) -> None:
        self.target = url

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() != b"host":
            self.fields.append(b"%s: %s\r\n" % (name, value))

    def on_message_complete(self) -> None:
        origin = self.idle.popleft()  # the pool holds more connections than wrk opens
        origin.viewer = self
        head = b"GET %s HTTP/1.1\r\nhost: origin\r\n%s\r\n" % (self.target, b"".join(self.fields))
        self.fields = []
        assert origin.transport is not None
        origin.transport.write(head)


async def _serve(port: int, origin_port: int) -> None:
    loop = asyncio.get_running_loop()
    idle: collections.deque[_OriginSide] = collections.deque()
    for _ in range(2 * CONNECTIONS):
        _, origin = await loop.create_connection(
            lambda: _OriginSide(idle), "127.0.0.1", origin_port
        )
        idle.append(origin)
    server = await loop.create_server(lambda: _ViewerSide(idle), "127.0.0.1", port, backlog=1024)
    await server.serve_forever()


def main() -> int:
    """Measure the three servers in rounds and print each one's median against nginx."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--serve", nargs=2, type=int, metavar=("PORT", "ORIGIN_PORT"))
    args = parser.parse_args()
    if args.serve:
        uvloop.run(_serve(*args.serve))
        return 0
    if not tools_present():
        return 2

    root = object_root("edgeworks-floor-")
    origin_port, nginx_port, edge_port, floor_port = (free_port() for _ in range(4))
    unused = free_port()  # the slow upstream both configurations name; nothing asks it here
    (root / "origin.conf").write_text(origin_conf(root, origin_port))
    (root / "proxy.conf").write_text(proxy_conf(root, nginx_port, origin_port, unused))
    (root / "edge.yaml").write_text(edgeworks_conf(edge_port, origin_port, unused, root / "e.log"))
    nginx = ["nginx", "-p", str(root), "-c"]
    edge = [sys.executable, "-m", "edgeworks", "serve", "--config", str(root / "edge.yaml")]
    floor = [sys.executable, __file__, "--serve", str(floor_port), str(origin_port)]

    runs: dict[str, list[Run]] = {"nginx": [], "bare relay": [], "edgeworks": []}
    with (
        running([*nginx, str(root / "origin.conf")], origin_port, root / "o.out", "1"),
        running([*nginx, str(root / "proxy.conf")], nginx_port, root / "n.out", "0") as proxy,
        running(edge, edge_port, root / "e.out", "0") as edge_proc,
        running(floor, floor_port, root / "f.out", "0") as floor_proc,
    ):
        servers = [
            ("nginx", nginx_port, nginx_worker(proxy.pid)),
            ("bare relay", floor_port, floor_proc.pid),
            ("edgeworks", edge_port, edge_proc.pid),
        ]
        for index in range(args.rounds):
            shift = index % len(servers)
            for name, port, pid in servers[shift:] + servers[:shift]:
                runs[name].append(measure(name, port, pid, args.seconds))

    shutil.rmtree(root, ignore_errors=True)
    nginx_rps = statistics.median(run.rps for run in runs["nginx"])
    print(f"pass-through 1 KiB, {CONNECTIONS} conns, median of {args.rounds} rounds:")
    for name, measured in runs.items():
        rps = statistics.median(run.rps for run in measured)
        user = statistics.median(run.user_us for run in measured)
        system = statistics.median(run.system_us for run in measured)
        print(
            f"  {name:11} {rps:9.0f} req/s  {rps / nginx_rps:5.2f}x nginx"
            f"  CPU per request {user:5.1f} us user + {system:5.1f} us system"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
