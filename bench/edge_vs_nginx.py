"""Edge node against nginx, side by side in one run, on loopback.

Both proxies sit in front of the same origin (nginx serving static files with caching headers),
each with one worker pinned to core 0; wrk runs pinned to core 1. Every figure is printed as a
ratio Edgeworks / nginx, because these machines are shared and only a side-by-side ratio means
anything.

nginx is tuned as its documentation advises for a caching proxy: one worker, ``proxy_cache`` with
a memory zone, upstream keep-alive, ``open_file_cache``, ``sendfile off`` for small objects,
buffered access log (Edgeworks writes its access log too, so both do the same work).
``proxy_cache_lock`` stays off here: on uncacheable responses it makes nginx wait up to 500 ms
per request, which would flatter Edgeworks; the collapsing benchmark turns it on.

Usage::

    python bench/edge_vs_nginx.py            # full run (about 3 minutes)
    python bench/edge_vs_nginx.py --quick    # 3-second runs, for a smoke check
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SIZES = {"1k": 1024, "100k": 100 * 1024, "10m": 10 * 1024 * 1024}


@dataclass(frozen=True)
class Case:
    """One wrk run: a path, a connection count, and which figure it reports."""

    name: str
    path: str
    connections: int
    figure: str  # "rps" (with p99) or "mbps"


CASES = [
    Case("1 KiB hit, 1 conn", "/obj/1k", 1, "rps"),
    Case("1 KiB hit, 16 conns", "/obj/1k", 16, "rps"),
    Case("1 KiB hit, 64 conns", "/obj/1k", 64, "rps"),
    Case("100 KiB hit, 16 conns", "/obj/100k", 16, "mbps"),
    Case("10 MiB hit, 4 conns", "/obj/10m", 4, "mbps"),
    Case("pass-through 1 KiB, 64 conns", "/pass/1k", 64, "rps"),
]


@dataclass
class Result:
    """What wrk measured for one case."""

    rps: float
    p99_ms: float
    mbps: float
    errors: int


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_port(port: int, timeout: float = 15.0) -> None:
    """Wait until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def write_objects(root: Path) -> None:
    """Create the objects the origin serves."""
    for prefix in ("obj", "pass"):
        (root / prefix).mkdir(parents=True, exist_ok=True)
        for name, size in SIZES.items():
            (root / prefix / name).write_bytes(os.urandom(size))


def origin_conf(root: Path, port: int) -> str:
    """nginx as the shared origin: static files with explicit caching headers."""
    return f"""
worker_processes 1;
daemon off;
user root;
pid {root}/origin.pid;
error_log {root}/origin-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        root {root}/www;
        default_type application/octet-stream;
        location /obj/ {{ add_header Cache-Control "public, max-age=3600"; }}
        location /pass/ {{ add_header Cache-Control "no-store"; }}
    }}
}}
"""


def proxy_conf(root: Path, port: int, origin_port: int) -> str:
    """nginx as the caching proxy under test, tuned as its documentation advises."""
    return f"""
worker_processes 1;
daemon off;
user root;
pid {root}/proxy.pid;
error_log {root}/proxy-error.log warn;
events {{ worker_connections 4096; multi_accept on; }}
http {{
    access_log {root}/proxy-access.log combined buffer=64k flush=5s;
    sendfile off;
    tcp_nodelay on;
    keepalive_requests 1000000;
    open_file_cache max=10000 inactive=60s;
    open_file_cache_valid 60s;
    proxy_cache_path {root}/cache levels=1:2 keys_zone=edge:64m max_size=2g inactive=1h
                     use_temp_path=off;
    upstream origin {{ server 127.0.0.1:{origin_port}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        location / {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache edge;
            proxy_buffers 64 64k;
            add_header X-Cache $upstream_cache_status;
        }}
    }}
}}
"""


def edgeworks_conf(port: int, origin_port: int, log_path: Path) -> str:
    """Edgeworks with the same shape: one origin, a policy that follows origin headers."""
    return f"""
Edgeworks:
  Listen: 127.0.0.1:{port}
  Workers: 1
  AccessLog: {log_path}
  Cache:
    MemorySize: 1GiB
Origins:
  - Id: origin
    Url: http://127.0.0.1:{origin_port}
DefaultCacheBehavior:
  TargetOriginId: origin
  CachePolicyId: UseOriginCacheControlHeaders
"""


@contextlib.contextmanager
def running(cmd: list[str], port: int, log: Path, cpu: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server pinned to ``cpu`` until the block ends; stop it by its pid."""
    with log.open("wb") as out:
        proc = subprocess.Popen(["taskset", "-c", cpu, *cmd], stdout=out, stderr=out)
    try:
        wait_port(port)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def warm(port: int, path: str, times: int = 3) -> None:
    """Fetch ``path`` a few times so the object sits in the proxy's cache."""
    for _ in range(times):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
            resp.read()


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
BYTES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def parse_wrk(text: str) -> Result:
    """Pull requests/s, p99 latency, transfer rate and errors out of wrk's report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", text)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return Result(
        rps=rps,
        p99_ms=float(p99.group(1)) * UNITS[p99.group(2)] if p99 else float("nan"),
        mbps=float(transfer.group(1)) * BYTES[transfer.group(2)] / 1e6 if transfer else 0.0,
        errors=errors + (int(non2xx.group(1)) if non2xx else 0),
    )


def run_wrk(port: int, case: Case, seconds: int) -> Result:
    """Drive one case with wrk pinned to core 1."""
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{case.connections}", f"-d{seconds}s"]
    cmd += ["--latency", f"http://127.0.0.1:{port}{case.path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def ratio(ours: float, theirs: float) -> str:
    """Format ours/theirs."""
    return f"{ours / theirs:5.2f}x" if theirs else "  n/a"


def report(case: Case, ours: Result, theirs: Result) -> str:
    """One line of the result table."""
    if case.figure == "mbps":
        figures = f"{ours.mbps:9.1f} MB/s vs {theirs.mbps:9.1f} MB/s"
        return f"{case.name:32} {figures}  ratio {ratio(ours.mbps, theirs.mbps)}"
    figures = f"{ours.rps:9.0f} req/s vs {theirs.rps:9.0f} req/s"
    latency = f"p99 {ours.p99_ms:7.2f} ms vs {theirs.p99_ms:7.2f} ms"
    p99_ratio = ratio(ours.p99_ms, theirs.p99_ms)
    line = f"{case.name:32} {figures}  ratio {ratio(ours.rps, theirs.rps)}  {latency}"
    return f"{line} ({p99_ratio})"


def main() -> int:
    """Run every case against both proxies and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3-second runs")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    seconds = 3 if args.quick else args.seconds
    for tool in ("nginx", "wrk", "taskset"):
        if shutil.which(tool) is None:
            print(f"bench: {tool} is not installed (apt-get install nginx wrk util-linux)")
            return 2

    root = Path(tempfile.mkdtemp(prefix="edgeworks-bench-"))
    os.chmod(root, 0o755)
    write_objects(root / "www")
    origin_port, nginx_port, edge_port = free_port(), free_port(), free_port()
    (root / "origin.conf").write_text(origin_conf(root, origin_port))
    (root / "proxy.conf").write_text(proxy_conf(root, nginx_port, origin_port))
    (root / "edge.yaml").write_text(edgeworks_conf(edge_port, origin_port, root / "edge.log"))
    nginx = ["nginx", "-p", str(root), "-c"]
    edge = [sys.executable, "-m", "edgeworks", "serve", "--config", str(root / "edge.yaml")]

    results: list[str] = []
    with (
        running([*nginx, str(root / "origin.conf")], origin_port, root / "o.out", "1"),
        running([*nginx, str(root / "proxy.conf")], nginx_port, root / "n.out", "0"),
        running(edge, edge_port, root / "e.out", "0"),
    ):
        for case in CASES:
            for port in (nginx_port, edge_port):
                warm(port, case.path)
            # Alternate the order so neither proxy always runs on a warmer machine.
            theirs = run_wrk(nginx_port, case, seconds)
            ours = run_wrk(edge_port, case, seconds)
            line = report(case, ours, theirs)
            if ours.errors or theirs.errors:
                line += f"  errors {ours.errors} vs {theirs.errors}"
            print(line, flush=True)
            results.append(line)
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
