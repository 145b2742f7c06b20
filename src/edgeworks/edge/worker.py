"""One serving process: its socket, server, pipeline, access log and signal handlers.

- ``SIGTERM``/``SIGINT``: stop accepting, let in-flight requests finish within
  ``Limits.drain_timeout``, flush the access log, return 0.
- ``SIGHUP``: load the configuration again. A good one gets a new pipeline (sharing the cache)
  for the next requests, open connections included, while requests under way finish in the old
  one; a bad one is refused with every problem logged and the old one keeps serving. The
  listening address, the limits, TLS and cache storage are read at start only: a change to them
  is reported and takes effect at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import ssl
import time
from dataclasses import replace

from edgeworks.cache import Cache
from edgeworks.config import ConfigError
from edgeworks.config.model import TLS, Distribution, Limits
from edgeworks.edge import demo
from edgeworks.edge.accesslog import AccessLog
from edgeworks.edge.metrics import Metrics
from edgeworks.edge.proxy import EdgeApp
from edgeworks.edge.reserved import NodeApp
from edgeworks.edge.siblings import Invalidation, SiblingLink
from edgeworks.edge.source import Source, log_refusal
from edgeworks.edge.steering import steer_by_client
from edgeworks.edge.trace import Tracer
from edgeworks.edge.wiring import build_edge_app
from edgeworks.http.server import HTTPServer

logger = logging.getLogger(__name__)


def listening_socket(host: str, port: int, *, listen: bool = True) -> socket.socket:
    """Bind ``host:port`` with ``SO_REUSEPORT``, so that every worker can bind it too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(1024)
            sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


def tls_context(tls: TLS | None) -> ssl.SSLContext | None:
    """Return a server TLS context for the configured certificate and key, or None for none.

    Raises:
        OSError: A file cannot be read or does not hold a matching certificate and key.
    """
    if tls is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(tls.certificate, tls.private_key)
    except (OSError, ssl.SSLError) as exc:
        raise OSError(
            f"TLS certificate {tls.certificate} or key {tls.private_key}: {exc}"
        ) from None
    return context


class Worker:
    """One serving process: its socket, server, pipeline, access log and signal handlers.

    Args:
        source: Where the distribution comes from; ``source.current`` is served first.
        metrics: This worker's counters.
        header: Write the access log's directives when it opens.
        companion: The demo origin's socket, served on the same loop, when there is one.
        workers: How many workers share the port; with more than one, each viewer is kept on
            one of them (see :mod:`edgeworks.edge.steering`).
        siblings: This worker's link to the others, for invalidations; None when alone.
    """

    def __init__(
        self,
        source: Source,
        metrics: Metrics,
        *,
        header: bool,
        companion: socket.socket | None = None,
        workers: int = 1,
        siblings: SiblingLink | None = None,
    ) -> None:
        assert source.current is not None, "the distribution is loaded before a worker starts"
        self.source = source
        self.dist = source.current
        self.started = time.time()
        self.tracer = Tracer(metrics, _open_log(self.dist.access_log, header))
        # The memory and disk bounds are for the whole node: each worker's cache takes its share.
        cache = Cache(self.dist.cache, node_name=self.dist.node_name, workers=max(workers, 1))
        self._siblings = siblings
        self.edge = build_edge_app(self.dist, self.tracer, cache, siblings)
        self.app = NodeApp(self.edge, metrics, self.dist.node_name, self.started)
        self.server = HTTPServer(self.app, self.dist.limits, tls_context(self.dist.tls))
        self._companion = companion
        self._workers = workers
        self._stop = asyncio.Event()
        self._retired: set[asyncio.Task[None]] = set()

    async def run(self) -> int:
        """Serve until ``SIGTERM`` or ``SIGINT``, then drain and return 0."""
        loop = asyncio.get_running_loop()
        sock = listening_socket(self.dist.listen_host, self.dist.listen_port)
        if self._workers > 1:
            steer_by_client(sock, self._workers)
        await self.server.start(sock)
        if self._siblings is not None:
            self._siblings.listen(loop, self._invalidate)
        origin = await self._start_companion()
        if self.tracer.access_log is not None:
            self.tracer.access_log.start(loop)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stop.set)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        logger.info(
            "edge listening on %s:%d (pid %d)",
            self.dist.listen_host,
            self.dist.listen_port,
            os.getpid(),
        )

        await self._stop.wait()
        logger.info("stopping: draining %d connections", self.server.connections)
        await self.server.drain(self.dist.limits.drain_timeout)
        if origin is not None:
            await origin.drain(1.0)
        for task in list(self._retired):
            task.cancel()  # their close() closes the retired pipelines right away
        await asyncio.gather(*self._retired, return_exceptions=True)
        await self.edge.aclose()
        if self._siblings is not None:
            self._siblings.close()
        if self.tracer.access_log is not None:
            self.tracer.access_log.close()
        logger.info("stopped")
        return 0

    async def _start_companion(self) -> HTTPServer | None:
        if self._companion is None:
            return None
        origin = HTTPServer(demo.DemoOrigin(), self.dist.limits)
        await origin.start(self._companion)
        return origin

    def reload(self) -> None:
        """Load the configuration again; serve it if good, keep the old one if not."""
        try:
            dist = _keep_restart_only(self.dist, self.source.load())
            log = self._next_log(dist.access_log)
        except ConfigError as exc:
            log_refusal(exc)
            return
        except OSError as exc:
            logger.warning("configuration refused, old one kept: %s", exc)
            return

        old = self.edge
        # A new pipeline with new origin pools serves the next requests; requests inside the
        # old one finish on its pools, which close after the drain timeout. The cache stays.
        self.edge = build_edge_app(dist, self.tracer, old.cache, self._siblings)
        self.app = NodeApp(self.edge, self.tracer.metrics, dist.node_name, self.started)
        self.server.set_app(self.app)
        self._close_later(old)
        self._switch_log(log)
        self.dist = self.source.current = dist
        logger.info("configuration reloaded")

    def _invalidate(self, done: Invalidation) -> None:
        # Always the pipeline serving now: a reload swaps it, the cache stays the same.
        self.edge.invalidate(done)

    def _next_log(self, target: str | None) -> AccessLog | None:
        """Return the log a reload writes to: the same one, or the new target opened."""
        log = self.tracer.access_log
        if log is not None and target == log.target:
            return log
        return _open_log(target, header=True)

    def _switch_log(self, log: AccessLog | None) -> None:
        current = self.tracer.access_log
        if log is current and log is not None:
            log.reopen()  # the file may have been rotated: follow its name
            return
        if current is not None:
            current.close()
        self.tracer.access_log = log
        if log is not None:
            log.start(asyncio.get_running_loop())

    def _close_later(self, old: EdgeApp) -> None:
        async def close() -> None:
            try:
                await asyncio.sleep(self.dist.limits.drain_timeout)
            finally:
                await old.aclose()

        task = asyncio.get_running_loop().create_task(close())
        self._retired.add(task)
        task.add_done_callback(self._retired.discard)


def _open_log(target: str | None, header: bool) -> AccessLog | None:
    return None if target is None else AccessLog(target, header=header)


# Read at start only: the socket, the server's limits and TLS, the cache and the worker count.
_RESTART_ONLY = ("listen_host", "listen_port", "limits", "tls", "cache", "workers")


def _keep_restart_only(old: Distribution, new: Distribution) -> Distribution:
    """Return ``new`` with the settings read at start only taken from ``old``, with a warning."""
    kept = {}
    for name in _RESTART_ONLY:
        if getattr(old, name) != getattr(new, name):
            logger.warning("reload: %s changed; it takes effect at the next start", name)
        kept[name] = getattr(old, name)
    return replace(new, **kept)


class DemoOriginRunner:
    """Serves the demo origin alone, in its own process (multi-worker demo)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    async def run(self) -> int:
        """Serve until ``SIGTERM`` or ``SIGINT``."""
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        loop.add_signal_handler(signal.SIGHUP, lambda: None)  # nothing to reload
        server = HTTPServer(demo.DemoOrigin(), Limits())
        await server.start(self._sock)
        await stop.wait()
        await server.drain(1.0)
        return 0
