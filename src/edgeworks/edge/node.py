"""The node runner: what ``edgeworks serve`` does once its arguments are read.

:func:`serve` loads the distribution (a bad one raises ``ConfigError`` before anything starts),
checks that the listening address is free and the TLS files load, then runs one
:class:`~edgeworks.edge.worker.Worker` in this process or hands several to the
:class:`~edgeworks.edge.supervisor.Supervisor`, each binding the port with ``SO_REUSEPORT``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from dataclasses import replace
from functools import partial

import uvloop

from edgeworks.config.model import Distribution
from edgeworks.edge import demo
from edgeworks.edge.accesslog import AccessLog
from edgeworks.edge.metrics import CounterTable, Metrics
from edgeworks.edge.siblings import Siblings
from edgeworks.edge.source import NodeOptions, Source
from edgeworks.edge.supervisor import Supervisor
from edgeworks.edge.worker import DemoOriginRunner, Worker, listening_socket, tls_context


def serve(options: NodeOptions) -> int:
    """Run a node as ``options`` say and return the exit status.

    Raises:
        ConfigError: The configuration has problems; nothing was started.
        OSError: The listening address cannot be bound, or a TLS or log file cannot be read.
    """
    # SIGHUP ends a process by default: until a loop or the supervisor takes it, ignore it.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    origin_sock = None
    origin = options.origin
    if options.origin is None and options.config is None:
        origin_sock = demo.bind_origin_socket()
        origin = f"http://127.0.0.1:{origin_sock.getsockname()[1]}"
    source = Source(options, origin)
    dist = source.current = source.load()
    dist = _reserve_port(source, dist)
    # A bad certificate, key or log path stops the start here, not every worker in a loop.
    tls_context(dist.tls)
    if dist.access_log is not None:
        AccessLog(dist.access_log, header=False).close()
    # Each worker has its own cache, so the demo runs one: two curls in a row must show a Hit.
    fallback = 1 if origin_sock is not None else default_workers()
    workers = options.workers or dist.workers or fallback

    if origin_sock is not None and origin is not None:
        print(demo.banner(f"http://{dist.listen_host}:{dist.listen_port}", origin), flush=True)
    if workers == 1:
        worker = Worker(source, Metrics(), header=True, companion=origin_sock)
        return _run_loop(worker)
    return _supervise(source, workers, origin_sock)


def default_workers() -> int:
    """One worker per core this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _reserve_port(source: Source, dist: Distribution) -> Distribution:
    """Check that the listening address is free; resolve port 0 to a concrete port."""
    sock = listening_socket(dist.listen_host, dist.listen_port, listen=False)
    port = sock.getsockname()[1]
    sock.close()
    if port != dist.listen_port:
        dist = replace(dist, listen_port=port)
        listen = f"{dist.listen_host}:{port}"
        source.options = replace(source.options, listen=listen)
        source.current = dist
    return dist


def _supervise(source: Source, workers: int, origin_sock: socket.socket | None) -> int:
    table = CounterTable(workers, shared=True)
    siblings = Siblings(workers)
    targets = [partial(_worker_main, source, table, siblings, row) for row in range(workers)]
    if origin_sock is not None:
        targets.append(partial(_origin_main, origin_sock))
    assert source.current is not None, "loaded before supervising"
    grace = source.current.limits.drain_timeout + 5.0
    return Supervisor(targets, source.validate, grace).run()


def _worker_main(source: Source, table: CounterTable, siblings: Siblings, row: int) -> int:
    # A restarted worker starts from the last configuration the supervisor validated.
    link = siblings.link(row)
    worker = Worker(source, table.metrics(row), header=row == 0, workers=table.rows, siblings=link)
    return _run_loop(worker)


def _origin_main(sock: socket.socket) -> int:
    return _run_loop(DemoOriginRunner(sock))


def _run_loop(runner: Worker | DemoOriginRunner) -> int:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner_loop:
        return runner_loop.run(runner.run())
