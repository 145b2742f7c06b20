"""The origin client: one keep-alive pool per origin, the one boundary callers use.

Every request goes out with the origin's path prefix in front of its target and the origin's
custom headers in place of any same-named field (CloudFront: OriginPath, origin custom
headers). The caller builds every other end-to-end field, Host included; the client adds the
framing. Errors reach the caller as :class:`OriginError` carrying the status to answer with,
and each is logged here once at WARNING.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import NamedTuple

from edgeworks.config.model import Origin
from edgeworks.http.headers import Headers
from edgeworks.origin.body import OriginResponse
from edgeworks.origin.connection import Interim
from edgeworks.origin.errors import FirstByteTimeoutError, OriginError, StaleConnectionError
from edgeworks.origin.framing import IDEMPOTENT, request_head
from edgeworks.origin.pool import Pool, PoolStats
from edgeworks.origin.sink import Control, ResponseSink

log = logging.getLogger(__name__)

Body = bytes | AsyncIterator[bytes] | None

_TIMEOUT_RETRIED = frozenset({b"GET", b"HEAD"})


class OriginClient:
    """Keep-alive connection pools to a node's origins, keyed by origin id.

    Args:
        origins: The distribution's origins by id.
        tls: The TLS context for https origins; by default the system's trust store, with the
            origin's host name sent as SNI and verified against its certificate.
    """

    def __init__(self, origins: Mapping[str, Origin], tls: ssl.SSLContext | None = None) -> None:
        if tls is None and any(origin.scheme == "https" for origin in origins.values()):
            tls = ssl.create_default_context()
        self._pools = {origin_id: Pool(origin, tls) for origin_id, origin in origins.items()}

    async def request(
        self,
        origin_id: str,
        method: bytes | str,
        target: bytes,
        headers: Headers,
        *,
        body: Body = None,
        body_length: int | None = None,
        on_interim: Interim | None = None,
    ) -> OriginResponse:
        """Send a request to an origin and return its response once the head has arrived.

        Args:
            origin_id: The id of a configured origin.
            method: The method, any token (extension methods included).
            target: Path and query as the origin should see them, before the origin path.
            headers: End-to-end fields built by the caller, Host included.
            body: None, the whole body, or an async iterator of its pieces.
            body_length: The length of an iterator ``body`` when known (the viewer's
                Content-Length): it then goes out with Content-Length instead of chunked.
            on_interim: Called with each 1xx response other than 100, such as 103.

        Returns:
            The response; iterate ``resp.body`` to the end or call ``resp.aclose()``.

        Raises:
            OriginError: Unknown origin, refused, reset or malformed response (status 502).
            OriginTimeout: Connect or read timeout, or no free connection in time (504).
            ValueError: ``method`` or ``target`` cannot be put on a request line, or a streamed
                body does not match ``body_length``.
        """
        pool = self._pool(origin_id)
        verb = method.encode("ascii") if isinstance(method, str) else method
        whole = body is None or isinstance(body, bytes)
        streamed = None if whole else _declared(body_length)
        head = request_head(pool.prepared, verb, target, headers, _framing(body, streamed))
        exchange = Exchange(head, body, verb == b"HEAD", on_interim, streamed)
        try:
            # The common case awaits nothing but the exchange: a pooled connection, one try.
            conn = pool.take_idle() or await pool.acquire()
            pool.requests += 1
            try:
                return await conn.exchange(*exchange)
            except (StaleConnectionError, FirstByteTimeoutError) as exc:
                retries = Retries(verb, whole, pool.origin.connection_attempts)
                if not retries.allow(exc):
                    raise
                log.warning("origin %s: %s (%s), trying again", pool.name, exc.reason, exc.detail)
            return await self._retry(pool, exchange, retries)
        except OriginError as exc:
            log.warning(
                "origin %s: %s %r: %s (%s)",
                origin_id,
                verb.decode(),
                target,
                exc.reason,
                exc.detail,
            )
            raise

    def request_head(
        self, origin_id: str, method: bytes, target: bytes, headers: Headers
    ) -> bytes:
        """Return the head of a bodiless request to an origin, as :meth:`request` sends it.

        The origin's path prefix and custom headers are applied, and the framing added.

        Raises:
            OriginError: ``origin_id`` names no configured origin.
            ValueError: ``method`` or ``target`` cannot be put on a request line.
        """
        return request_head(self._pool(origin_id).prepared, method, target, headers, None)

    def start(
        self, origin_id: str, head: bytes, head_only: bool, sink: ResponseSink
    ) -> Control | None:
        """Send a bodiless request on an idle pooled connection; its response goes to ``sink``.

        The callback mode of :meth:`request` (see ``edgeworks.origin.sink``): nothing is
        awaited. Failures reach ``sink.on_error`` unretried and unlogged: :meth:`retry` takes
        them from there.

        Args:
            origin_id: The id of a configured origin.
            head: The request head, from :meth:`request_head` for this origin.
            head_only: Whether the request is a HEAD (its response has no body).
            sink: Where the response goes.

        Returns:
            The connection's controls, or None when no idle connection was at hand (nothing
            was sent).

        Raises:
            OriginError: ``origin_id`` names no configured origin.
        """
        return self._pool(origin_id).start(head, head_only, sink)

    def pool(self, origin_id: str) -> Pool:
        """Return the pool of one origin, for a caller that starts many exchanges on it.

        Raises:
            OriginError: ``origin_id`` names no configured origin.
        """
        return self._pool(origin_id)

    async def retry(
        self,
        origin_id: str,
        method: bytes,
        target: bytes,
        headers: Headers,
        error: OriginError,
        *,
        on_interim: Interim | None = None,
    ) -> OriginResponse:
        """Send again a bodiless request that failed in :meth:`start`, as :meth:`request` would.

        The retry rules of :meth:`request` apply to ``error`` as the first try's failure.

        Raises:
            OriginError: ``error`` itself when it allows no retry, or the retry's own failure;
                logged once at WARNING either way.
        """
        pool = self._pool(origin_id)
        head = request_head(pool.prepared, method, target, headers, None)
        exchange = Exchange(head, None, method == b"HEAD", on_interim, None)
        retries = Retries(method, True, pool.origin.connection_attempts)
        try:
            if not retries.allow(error):
                raise error
            log.warning("origin %s: %s (%s), trying again", pool.name, error.reason, error.detail)
            return await self._retry(pool, exchange, retries)
        except OriginError as exc:
            log.warning(
                "origin %s: %s %r: %s (%s)",
                origin_id,
                method.decode(),
                target,
                exc.reason,
                exc.detail,
            )
            raise

    def stats(self, origin_id: str) -> PoolStats:
        """Return the pool counters of one origin.

        Raises:
            OriginError: ``origin_id`` names no configured origin.
        """
        return self._pool(origin_id).stats()

    async def aclose(self, grace: float = 30.0) -> None:
        """Close every pool; later requests fail with OriginError.

        Idle connections close at once. Exchanges in flight may finish (their bodies read to
        the end or abandoned) within ``grace`` seconds; then their connections are cut and
        they fail with a 502.

        Args:
            grace: Seconds to let exchanges in flight finish; 0 cuts them at once.
        """
        await asyncio.gather(*(pool.aclose(grace) for pool in self._pools.values()))

    def _pool(self, origin_id: str) -> Pool:
        pool = self._pools.get(origin_id)
        if pool is None:
            raise OriginError("origin is not configured", detail=f"origin id {origin_id!r}")
        return pool

    async def _retry(self, pool: Pool, exchange: Exchange, retries: Retries) -> OriginResponse:
        while True:
            # The idle connections beside a stale one may be stale too: go out on a new one.
            conn = await pool.acquire(fresh=True)
            pool.requests += 1
            try:
                return await conn.exchange(*exchange)
            except (StaleConnectionError, FirstByteTimeoutError) as exc:
                if not retries.allow(exc):
                    raise
                log.warning("origin %s: %s (%s), trying again", pool.name, exc.reason, exc.detail)


class Exchange(NamedTuple):
    """One request as it goes out, ready to be sent again on another connection."""

    head: bytes
    body: Body
    head_only: bool
    on_interim: Interim | None
    length: int | None


def _framing(body: Body, streamed: int | None) -> int | None:
    """Return what request_head needs: None (no body), a length, or -1 (chunked)."""
    if body is None or isinstance(body, bytes):
        return None if body is None else len(body)
    return -1 if streamed is None else streamed


def _declared(body_length: int | None) -> int | None:
    """Check the declared length of a streamed body."""
    if body_length is not None and body_length < 0:
        raise ValueError(f"origin request body_length {body_length} is negative")
    return body_length


class Retries:
    """How often one request may go out again, by cause.

    Args:
        verb: The request method.
        replayable: Whether the body can be sent again (none, or held whole).
        attempts: The origin's ConnectionAttempts.
    """

    __slots__ = ("stale", "timeouts")

    def __init__(self, verb: bytes, replayable: bool, attempts: int) -> None:
        # RFC 9110 §9.2.2: an idempotent request may be repeated once after a connection
        # closed under it.
        self.stale = replayable and verb in IDEMPOTENT
        # CloudFront, origin response timeout: GET and HEAD are tried again, up to
        # ConnectionAttempts tries in all, when the origin sends nothing back.
        self.timeouts = attempts - 1 if replayable and verb in _TIMEOUT_RETRIED else 0

    def allow(self, error: OriginError) -> bool:
        """Return whether ``error`` permits one more try, and count that try."""
        if isinstance(error, StaleConnectionError) and self.stale:
            self.stale = False
            return True
        if isinstance(error, FirstByteTimeoutError) and self.timeouts > 0:
            self.timeouts -= 1
            return True
        return False
