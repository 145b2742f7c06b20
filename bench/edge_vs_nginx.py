"""Edge node against nginx, side by side in one run, on loopback.

Both proxies sit in front of the same origin (nginx serving static files with caching headers),
each with one worker pinned to core 0; wrk runs pinned to core 1. Every figure is printed as a
ratio Edgeworks / nginx, because these machines are shared and only a side-by-side ratio means
anything. Each case runs in several rounds, each round the two proxies back to back; the line
printed is the round with the median ratio, followed by the lowest and highest ratio seen, since
a single run on a shared machine can land ten or twenty percent either way.

nginx is tuned as its documentation advises for a caching proxy: one worker, ``proxy_cache`` with
a memory zone, upstream keep-alive, ``open_file_cache``, ``sendfile off`` for small objects,
buffered access log (Edgeworks writes its access log too, so both do the same work).
``proxy_cache_lock`` stays off here: on uncacheable responses it makes nginx wait up to 500 ms
per request, which would flatter Edgeworks; the collapsing benchmark turns it on.

Usage::

    python bench/edge_vs_nginx.py            # full run: 3 rounds of 5 s per case (about 6 minutes)
    python bench/edge_vs_nginx.py --quick    # one round of 3-second runs, for a smoke check
    python bench/edge_vs_nginx.py --only "1 KiB hit"   # the cases whose name holds a text
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from servers import free_port, running

SIZES = {"1k": 1024, "100k": 100 * 1024, "10m": 10 * 1024 * 1024}


@dataclass(frozen=True)
class Case:
    """One wrk run: a path, a connection count, and which figure it reports."""

    name: str
    path: str
    connections: int
    figure: str  # "rps" (with p99) or "mbps"
    script: str = ""  # a wrk Lua script shaping each request, if any


# Each request carries a field of its own, outside the cache key: no two request heads are
# equal, so nothing keyed by the exact head (Edgeworks' replays and reruns) applies.
DISTINCT_HEADS = """
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, {["X-Request"] = tostring(n)})
end
"""


CASES = [
    Case("1 KiB hit, 1 conn", "/obj/1k", 1, "rps"),
    Case("1 KiB hit, 16 conns", "/obj/1k", 16, "rps"),
    Case("1 KiB hit, 64 conns", "/obj/1k", 64, "rps"),
    Case("100 KiB hit, 16 conns", "/obj/100k", 16, "mbps"),
    Case("10 MiB hit, 4 conns", "/obj/10m", 4, "mbps"),
    Case("pass-through 1 KiB, 64 conns", "/pass/1k", 64, "rps"),
    Case("pass-through 1 KiB, distinct heads, 64 conns", "/pass/1k", 64, "rps", DISTINCT_HEADS),
]

DISK_CASES = [
    Case("1 KiB disk hit, 64 conns", "/obj/1k", 64, "rps"),
    Case("10 MiB disk hit, 4 conns", "/obj/10m", 4, "mbps"),
]


@dataclass
class Result:
    """What wrk measured for one case."""

    rps: float
    p99_ms: float
    mbps: float
    errors: int


def write_objects(root: Path) -> None:
    """Create the objects the origin serves."""
    for prefix in ("obj", "pass"):
        (root / prefix).mkdir(parents=True, exist_ok=True)
        for name, size in SIZES.items():
            (root / prefix / name).write_bytes(os.urandom(size))


def tools_present() -> bool:
    """Whether nginx, wrk and taskset are installed; say which is missing if not."""
    for tool in ("nginx", "wrk", "taskset"):
        if shutil.which(tool) is None:
            print(f"bench: {tool} is not installed (apt-get install nginx wrk util-linux)")
            return False
    return True


def object_root(prefix: str) -> Path:
    """A fresh folder the nginx workers can read, holding the origin's objects under www/."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(root, 0o755)
    write_objects(root / "www")
    return root


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


def proxy_conf(root: Path, port: int, origin_port: int, slow_port: int) -> str:
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
    upstream slow {{ server 127.0.0.1:{slow_port}; keepalive 64; }}
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
        location /collapse/ {{
            proxy_pass http://slow;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache edge;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 10s;
        }}
    }}
}}
"""


def edgeworks_conf(
    port: int, origin_port: int, slow_port: int, log_path: Path, disk: Path | None = None
) -> str:
    """Edgeworks with the same shape: one origin, a policy that follows origin headers.

    With ``disk``, the memory tier holds nothing, so every hit comes from the disk tier.
    """
    cache = f"MemorySize: 0\n    DiskPath: {disk}" if disk else "MemorySize: 1GiB"
    return f"""
Edgeworks:
  Listen: 127.0.0.1:{port}
  Workers: 1
  AccessLog: {log_path}
  Cache:
    {cache}
Origins:
  - Id: origin
    Url: http://127.0.0.1:{origin_port}
  - Id: slow
    Url: http://127.0.0.1:{slow_port}
DefaultCacheBehavior:
  TargetOriginId: origin
  CachePolicyId: UseOriginCacheControlHeaders
CacheBehaviors:
  - PathPattern: /collapse/*
    TargetOriginId: slow
    CachePolicyId: UseOriginCacheControlHeaders
"""


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
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if case.script:
            script.write(case.script)
            script.flush()
            cmd += ["-s", script.name]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


class SlowOrigin:
    """An origin that answers after a delay and counts the requests it receives per path."""

    def __init__(self, delay: float = 0.3) -> None:
        self.delay = delay
        self.seen: collections.Counter[str] = collections.Counter()
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port, backlog=4096)
        )
        self._ready.set()
        with contextlib.suppress(RuntimeError):
            self._loop.run_until_complete(server.serve_forever())

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        body = b"x" * 1024
        head = b"HTTP/1.1 200 OK\r\ncache-control: max-age=3600\r\ncontent-length: 1024\r\n\r\n"
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                self.seen[request.split(b" ", 2)[1].decode()] += 1
                await asyncio.sleep(self.delay)
                writer.write(head + body)
        writer.close()


async def _one_get(port: int, path: str) -> int:
    """One GET on a fresh connection; return the status (0 on failure)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
        answer = await asyncio.wait_for(reader.read(), 30)
        writer.close()
        return int(answer.split(b" ", 2)[1])
    except (OSError, ValueError, IndexError, TimeoutError):
        return 0


def collapse(port: int, path: str, count: int) -> int:
    """Send ``count`` concurrent GETs for one cold object; return how many got a 200."""

    async def burst() -> list[int]:
        return await asyncio.gather(*(_one_get(port, path) for _ in range(count)))

    return sum(1 for status in asyncio.run(burst()) if status == 200)


def ratio(ours: float, theirs: float) -> str:
    """Format ours/theirs."""
    return f"{ours / theirs:5.2f}x" if theirs else "  n/a"


def report(case: Case, ours: Result, theirs: Result) -> str:
    """One line of the result table."""
    main_ratio = f"{figure_ratio(case, ours, theirs):5.2f}x"
    if case.figure == "mbps":
        figures = f"{ours.mbps:9.1f} MB/s vs {theirs.mbps:9.1f} MB/s"
        return f"{case.name:32} {figures}  ratio {main_ratio}"
    figures = f"{ours.rps:9.0f} req/s vs {theirs.rps:9.0f} req/s"
    latency = f"p99 {ours.p99_ms:7.2f} ms vs {theirs.p99_ms:7.2f} ms"
    p99_ratio = ratio(ours.p99_ms, theirs.p99_ms)
    line = f"{case.name:32} {figures}  ratio {main_ratio}  {latency}"
    return f"{line} ({p99_ratio})"


def run_cases(
    cases: list[Case], ours_port: int, theirs_port: int, seconds: int, rounds: int
) -> None:
    """Measure each case on both proxies ``rounds`` times and print the median round's line.

    A round runs the two proxies back to back, so each ratio compares the same minute of a
    shared machine; the printed round is the one with the median ratio, and the spread of the
    ratios over all rounds follows it.
    """
    for case in cases:
        for port in (theirs_port, ours_port):
            warm(port, case.path)
        measured: list[tuple[float, Result, Result]] = []
        for index in range(rounds):
            # Alternate the order so neither proxy always runs on the warmer machine.
            if index % 2:
                ours = run_wrk(ours_port, case, seconds)
                theirs = run_wrk(theirs_port, case, seconds)
            else:
                theirs = run_wrk(theirs_port, case, seconds)
                ours = run_wrk(ours_port, case, seconds)
            measured.append((figure_ratio(case, ours, theirs), ours, theirs))
        measured.sort(key=lambda item: item[0])
        _, ours, theirs = measured[len(measured) // 2]
        line = report(case, ours, theirs)
        if rounds > 1:
            low, high = measured[0][0], measured[-1][0]
            line += f"  [{rounds} rounds: {low:.2f}x to {high:.2f}x]"
        if ours.errors or theirs.errors:
            line += f"  errors {ours.errors} vs {theirs.errors}"
        print(line, flush=True)


def figure_ratio(case: Case, ours: Result, theirs: Result) -> float:
    """The case's figure, Edgeworks over nginx."""
    if case.figure == "mbps":
        return ours.mbps / theirs.mbps if theirs.mbps else 0.0
    return ours.rps / theirs.rps if theirs.rps else 0.0


def compare_collapsing(count: int, slow: SlowOrigin, nginx_port: int, edge_port: int) -> None:
    """Send ``count`` concurrent cold requests to each proxy; print the origin requests seen."""
    print(f"{count} concurrent requests for one cold object, origin requests:")
    for name, port in (("nginx, proxy_cache_lock on", nginx_port), ("edgeworks", edge_port)):
        path = f"/collapse/{name.split(',')[0]}"
        ok = collapse(port, path, count)
        print(f"  {name:28} {slow.seen[path]:5} origin requests, {ok} answered 200")


def main() -> int:
    """Run every case against both proxies and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round of 3-second runs")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="side-by-side rounds per case")
    parser.add_argument("--collapse", type=int, default=1000, help="concurrent cold requests")
    parser.add_argument("--only", default="", help="run only the cases whose name holds this")
    args = parser.parse_args()
    cases = [case for case in CASES if args.only in case.name]
    disk_cases = [case for case in DISK_CASES if args.only in case.name]
    seconds = 3 if args.quick else args.seconds
    rounds = 1 if args.quick else max(1, args.rounds)
    if not tools_present():
        return 2

    root = object_root("edgeworks-bench-")
    slow = SlowOrigin()
    origin_port, nginx_port = free_port(), free_port()
    edge_port, disk_port = free_port(), free_port()
    (root / "origin.conf").write_text(origin_conf(root, origin_port))
    (root / "proxy.conf").write_text(proxy_conf(root, nginx_port, origin_port, slow.port))
    ports = (origin_port, slow.port)
    (root / "edge.yaml").write_text(edgeworks_conf(edge_port, *ports, root / "edge.log"))
    disk_conf = edgeworks_conf(disk_port, *ports, root / "disk.log", disk=root / "disk-cache")
    (root / "disk.yaml").write_text(disk_conf)
    nginx = ["nginx", "-p", str(root), "-c"]
    edge = [sys.executable, "-m", "edgeworks", "serve", "--config"]

    print("Edgeworks (memory tier) against nginx (proxy_cache):", flush=True)
    with (
        running([*nginx, str(root / "origin.conf")], origin_port, root / "o.out", "1"),
        running([*nginx, str(root / "proxy.conf")], nginx_port, root / "n.out", "0"),
    ):
        with running([*edge, str(root / "edge.yaml")], edge_port, root / "e.out", "0"):
            run_cases(cases, edge_port, nginx_port, seconds, rounds)
            if not args.only:
                compare_collapsing(args.collapse, slow, nginx_port, edge_port)
        if disk_cases:
            print("Edgeworks (disk tier only, memory tier empty) against nginx (proxy_cache):")
            with running([*edge, str(root / "disk.yaml")], disk_port, root / "d.out", "0"):
                run_cases(disk_cases, disk_port, nginx_port, seconds, rounds)
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
