"""The edge request pipeline: behaviour, cache, origin, and back to the viewer.

:class:`EdgeApp` is the ``App`` the HTTP server runs. A fresh cache hit is answered inside the
parser callback (:meth:`EdgeApp.respond_now`: lookup, prepared bytes, no task). Everything else
goes through :meth:`EdgeApp.handle`, which walks the states of one exchange::

    redirect (301 / 307)  plain HTTP under ViewerProtocolPolicy redirect-to-https
    refused (403)         plain HTTP under https-only, or a method the behaviour does not allow
    unsatisfiable (504)   only-if-cached and nothing usable stored
    hit / stale           answer from the stored entry (stale: refresh in the background)
    revalidate            ask the origin conditionally; 304 refreshes the entry (RefreshHit)
    miss / pass           ask the origin; stream its response to the viewer, teeing it into
                          the cache when storable
    error (502 / 504)     the origin failed; a stale entry is served if stale-if-error allows

Bodies stream both ways under flow control: the viewer's body to the origin, the origin's
response to the viewer, so a large object never sits in memory whole. Every finished request is
reported once to the tracer (access log and counters).

A bodiless request that goes to the origin without collapsing (a pass, a HEAD miss, a GET on
a key marked uncacheable) is taken over by :meth:`EdgeApp.start_now` instead and relayed from
the origin connection's callbacks, without a task (``edgeworks.edge.relay``).

Concurrent GET misses for one key share one origin fetch (``edgeworks.edge.proxy_collapse``).
Identical plain hits are replayed from a one-second memo (``edgeworks.edge.pipeline_hot``).

The general path costs far more than a hit: several hundred Python calls per request across
the pipeline, the origin client and the cache's storability rules, and a task per request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Sequence
from typing import Any

from edgeworks.cache import Cache, Lookup, Writer
from edgeworks.cache.entry import Entry
from edgeworks.cache.storage import Collapser, StorageError
from edgeworks.cache.storage.collapse import Filler
from edgeworks.config.model import Distribution, ErrorResponse
from edgeworks.edge.compress import (
    Coding,
    Encoder,
    choose,
    compressed_fields,
    encoder,
    viewer_encodings,
)
from edgeworks.edge.error_pages import (
    custom_response,
    error_lifetime,
    fetch_page,
    stored_fields,
)
from edgeworks.edge.pipeline import (
    ERROR,
    HIT,
    LOOKUP_METHODS,
    MISS,
    REFRESH_HIT,
    SAFE_METHODS,
    Route,
    failover_statuses,
    origin_ids,
    origin_request,
    route,
    viewer_fields,
)
from edgeworks.edge.pipeline_hot import HotHits
from edgeworks.edge.proxy_collapse import PassMarks, SharedHead, follow, shared_head
from edgeworks.edge.proxy_parts import (
    Outcome,
    answer_error,
    answer_failure,
    answer_redirect,
    interim_relay,
    release,
    report,
    report_refused,
    request_body,
)
from edgeworks.edge.relay import Lane, Relay, lean_origin
from edgeworks.edge.siblings import Invalidation, SiblingLink
from edgeworks.edge.trace import Tracer
from edgeworks.http.headers import Headers, without
from edgeworks.http.request import Request
from edgeworks.http.response import Response
from edgeworks.http.status import reason_phrase
from edgeworks.origin import OriginClient, OriginError, OriginResponse

log = logging.getLogger(__name__)

# RFC 9110 §13.1: the viewer's own validators give way to the cache's when revalidating.
_CONDITIONALS = frozenset(
    {b"if-none-match", b"if-modified-since", b"if-match", b"if-unmodified-since", b"if-range"}
)
_UNCONDITIONAL = _CONDITIONALS | {b"range"}
# CloudFront's origin group failover applies to these methods only.
_FAILOVER_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class EdgeApp:
    """The edge pipeline, an ``App`` for :class:`~edgeworks.http.server.HTTPServer`.

    Args:
        dist: The distribution served.
        origin_client: The origin pools; by default one is made for ``dist.origins``.
        cache: The shared cache; by default an in-memory one per ``dist.cache``.
        tracer: Where finished requests are reported; by default counters only.
        siblings: The other workers of the node, told of every invalidation; None when alone.
    """

    def __init__(
        self,
        dist: Distribution,
        origin_client: OriginClient | None = None,
        cache: Cache | None = None,
        tracer: Tracer | None = None,
        siblings: SiblingLink | None = None,
    ) -> None:
        self._dist = dist
        self._siblings = siblings
        self._client = origin_client if origin_client is not None else OriginClient(dist.origins)
        self._cache = cache if cache is not None else Cache(dist.cache, node_name=dist.node_name)
        self._tracer = tracer if tracer is not None else Tracer()
        self._background: set[asyncio.Task[None]] = set()
        self._hot = HotHits(self._tracer)
        self._hidden = self._cache.hidden_fields
        self._collapser: Collapser[SharedHead] = Collapser()
        self._passes = PassMarks()
        self._lane = self._new_lane(0)

    @property
    def cache(self) -> Cache:
        """The cache this pipeline stores into."""
        return self._cache

    @property
    def relayed(self) -> int:
        """Requests relayed from callbacks (:meth:`start_now` and reruns) since this was made."""
        return self._lane.relayed

    def reconfigure(self, dist: Distribution) -> None:
        """Serve ``dist`` from the next request on, keeping the cache.

        The origin pools are rebuilt when the origins changed; the old pools close once their
        in-flight requests are done.
        """
        if dist.origins != self._dist.origins:
            old = self._client
            self._client = OriginClient(dist.origins)
            self._spawn(old.aclose())
        self._dist = dist
        self._lane.retired = True  # repeats noted under the old configuration route again
        self._lane = self._new_lane(self._lane.relayed)
        self._hot.forget()

    async def aclose(self) -> None:
        """Close the origin pools and stop background refreshes."""
        for task in list(self._background):
            task.cancel()
        await self._client.aclose()

    def refused(self, client: tuple[str, int], status: int, reason: str, bytes_sent: int) -> None:
        """Report a request the server refused before it reached the pipeline."""
        log.info("refused a request from %s: %d %s", client[0], status, reason)
        report_refused(self._tracer, client[0], status, bytes_sent)

    def respond_now(self, request: Request) -> Sequence[bytes] | None:
        """Answer a fresh hit from memory at once; None sends the request to :meth:`handle`."""
        if request.method not in LOOKUP_METHODS:
            return None
        now = request.arrived
        hot_key = HotHits.key(request)
        if hot_key is not None:
            remembered = self._hot.answer(hot_key, now)
            if remembered is not None:
                hot, replayed = remembered
                report(self._tracer, request, hot.status, hot.size, result="Hit", origin_time=None)
                request.replay = hot
                return replayed

        where = route(self._dist, request)
        request.state = where
        if where.key is None:
            return None
        found = self._cache.lookup(
            where.key, request.method, request.headers, where.behavior.cache_policy, now
        )
        where.found = found
        if found.kind != "hit" or found.entry is None:
            return None
        parts = self._cache.answer(found, request.method, request.headers, now, HIT)
        if parts is None:
            return None  # a body on disk: handle() streams it, then closes the file
        release(found)
        if hot_key is not None:
            request.replay = self._hot.remember(hot_key, request, found.entry, now)
        report(
            self._tracer,
            request,
            found.entry.status,
            sum(map(len, parts)),
            result="Hit",
            origin_time=None,
        )
        return parts

    def start_now(self, request: Request, response: Response) -> bool:
        """Relay a bodiless pass or uncollapsed miss from callbacks; False sends it to handle.

        Called by the server when :meth:`respond_now` had no answer (``edgeworks.edge.relay``).
        """
        where = request.state
        if not isinstance(where, Route):
            where = request.state = route(self._dist, request)
        origin_id = lean_origin(self._dist, where, request, self._passes)
        return bool(origin_id) and self._lane.start(request, response, where, origin_id)

    async def handle(self, request: Request, response: Response) -> None:
        """Answer anything :meth:`respond_now` did not: misses, passes, errors, revalidation."""
        where = request.state if isinstance(request.state, Route) else route(self._dist, request)
        outcome = Outcome()
        try:
            await self._serve(request, response, where, outcome)
        finally:
            release(where.found)
            outcome.status = response.status or outcome.status
            report(
                self._tracer,
                request,
                outcome.status,
                response.bytes_sent,
                result=outcome.result,
                origin_time=outcome.origin_time,
            )

    async def _serve(
        self, request: Request, response: Response, where: Route, outcome: Outcome
    ) -> None:
        if where.insecure == "redirect":
            await self._redirect(request, response, outcome)
            return
        if where.insecure == "refuse":
            await self._refuse(response, outcome, 403, "this behaviour is served over HTTPS only")
            return
        if not where.allowed:
            await self._refuse(response, outcome, 403, "method not allowed by this behaviour")
            return
        found = where.found
        if where.key is not None and found is None:
            found = where.found = self._lookup(request, where)
        kind = found.kind if found is not None else "pass"
        if found is not None and kind == "unsatisfiable":
            await self._refuse(response, outcome, 504, "only-if-cached: nothing stored")
        elif found is not None and found.entry is not None and kind in ("hit", "stale"):
            if kind == "stale" and request.method == "GET":
                self._spawn(self._refresh(request, where))
            outcome.result = "Hit"
            await self._from_entry(request, response, found, found.entry, HIT)
        else:
            await self._from_origin(request, response, where, found, outcome)

    def _lookup(self, request: Request, where: Route) -> Lookup:
        assert where.key is not None
        return self._cache.lookup(
            where.key,
            request.method,
            request.headers,
            where.behavior.cache_policy,
            request.arrived,
        )

    async def _from_origin(
        self,
        request: Request,
        response: Response,
        where: Route,
        found: Lookup | None,
        outcome: Outcome,
    ) -> None:
        """Go to the origin, or follow a fetch of the same key already under way."""
        if (
            where.key is None
            or request.method != "GET"
            or found is None
            or found.kind != "miss"
            or self._passes.marked(where.key, request.arrived)
        ):
            await self._fetch(request, response, where, found, outcome, role=None)
            return
        role = self._collapser.join(where.key)
        if isinstance(role, Filler):
            with role:
                await self._fetch(request, response, where, found, outcome, role=role)
            return
        if await follow(role, response, HIT):
            outcome.result = "Hit"
            return
        await self._fetch(request, response, where, found, outcome, role=None)

    async def _fetch(
        self,
        request: Request,
        response: Response,
        where: Route,
        found: Lookup | None,
        outcome: Outcome,
        *,
        role: Filler[SharedHead] | None,
    ) -> None:
        revalidating = found is not None and found.kind == "revalidate"
        extra = found.conditional if found is not None and revalidating else []
        request_time = time.time()
        try:
            drop = _CONDITIONALS if extra else frozenset()
            answer = await self._ask(request, where, extra, response, drop=drop)
        except OriginError as exc:
            self._tracer.origin_error()
            outcome.origin_time = time.time() - request_time
            await self._origin_failed(request, response, where, found, outcome, exc)
            return
        response_time = time.time()
        outcome.origin_time = response_time - request_time

        times = (request_time, response_time)
        if revalidating and answer.status == 304 and found is not None and found.entry:
            await answer.aclose()
            await self._revalidated(
                request, response, where, found, outcome, headers=answer.headers, times=times
            )
            return
        if answer.status >= 500 and found is not None and found.entry is not None:
            stale = self._cache.stale_if_error(found, response_time)
            if stale is not None:  # RFC 5861 §4
                await answer.aclose()
                outcome.result = "Hit"
                await self._from_entry(request, response, found, stale, HIT)
                return
        custom = custom_response(self._dist, answer.status)
        if custom is not None and await self._error_page(request, response, where, custom, role):
            await answer.aclose()
            outcome.result = "Error"
            return
        outcome.result = "Miss" if where.key is not None else "Pass"
        await self._relay(request, response, where, answer, times, role=role)

    async def _revalidated(
        self,
        request: Request,
        response: Response,
        where: Route,
        found: Lookup,
        outcome: Outcome,
        *,
        headers: Headers,
        times: tuple[float, float],
    ) -> None:
        """The origin answered 304: freshen the entry and serve it (RFC 9111 §4.3.4)."""
        assert where.key is not None and found.entry is not None
        entry = self._cache.freshen(found.entry, where.key, headers, *times)
        if entry is not None:
            outcome.result = "RefreshHit"
            await self._from_entry(request, response, found, entry, REFRESH_HIT)
            return
        release(found)
        where.found = Lookup("miss")  # another representation was validated: ask again
        await self._from_origin(request, response, where, where.found, outcome)

    async def _ask(
        self,
        request: Request,
        where: Route,
        extra: Headers,
        response: Response | None = None,
        *,
        drop: frozenset[bytes] = frozenset(),
    ) -> OriginResponse:
        """Send the request to the behaviour's origin (or its group, with failover).

        ``drop`` names viewer fields left out, ``extra`` fields are added (revalidation).
        """
        dist = self._dist
        target_id = where.behavior.target_origin_id
        candidates = origin_ids(dist, target_id)
        body = await request_body(request)
        interim = interim_relay(response)
        for attempt, origin_id in enumerate(candidates):
            last = attempt == len(candidates) - 1 or request.method not in _FAILOVER_METHODS
            origin = dist.origins.get(origin_id)
            if origin is None:
                raise OriginError("origin is not configured", detail=f"origin id {origin_id!r}")
            target, headers = origin_request(request, where.behavior, origin, dist.node_name)
            if drop or extra:
                headers = [*without(headers, drop), *extra]
            try:
                answer = await self._client.request(
                    origin_id, request.method, target, headers, body=body, on_interim=interim
                )
            except OriginError:
                if last:
                    raise
                continue
            if last or answer.status not in failover_statuses(dist, target_id):
                where.origin_host = origin.authority.encode("ascii")
                return answer
            await answer.aclose()
        raise OriginError("no origin answered", detail=f"target {target_id!r}")

    async def _relay(
        self,
        request: Request,
        response: Response,
        where: Route,
        answer: OriginResponse,
        times: tuple[float, float],
        *,
        role: Filler[SharedHead] | None = None,
    ) -> None:
        """Stream the origin's response to the viewer, teeing it into the cache if storable.

        As the filler of a collapsed fetch (``role``), it also shares the response with the
        requests that follow it, when the response is shareable.
        """
        coding = self._compression(request, where, answer)
        length = answer.content_length if coding is None else None
        origin_fields = (
            answer.headers if coding is None else compressed_fields(answer.headers, coding)
        )
        fields = viewer_fields(origin_fields, self._dist.node_name, MISS, times[1])
        stored = fields[:-1]
        hidden = self._hidden
        if not hidden.isdisjoint({name for name, _ in answer.headers}):
            # RFC 9213: the cache reads targeted fields, viewers never see them.
            fields = [field for field in fields if field[0] not in hidden]
        kept = error_lifetime(self._dist, answer.status, answer.headers, hidden)
        if kept is not None:
            stored = stored_fields(stored, kept)  # CloudFront's ErrorCachingMinTTL
        writer = None
        if kept != 0:
            writer = self._writer(request, where, answer.status, stored, times, length=length)
        sharing = None
        if role is not None:
            storing = writer is not None
            shared = shared_head(self._collapser, answer, fields[:-1], storing, length, coding)
            if shared is None:
                role.uncacheable()
                self._passes.mark(role.key, times[1])
            else:
                role.publish_head(shared)
                sharing = role
        response.write_head(answer.status, answer.reason, fields, length)
        encoding = None if coding is None else encoder(coding)
        last = await self._stream(answer, response, writer, sharing, encoding)
        if writer is not None:
            writer.commit()
        if sharing is not None:
            sharing.finish()  # after the commit: the next request finds the entry stored
        self._after(request, where, answer.status, answer.headers, times)
        # The viewer's last byte leaves after the cache learnt everything: its next request,
        # on any connection or worker, sees the stored entry.
        await response.write(last)
        response.end()

    def _after(
        self,
        request: Request,
        where: Route,
        status: int,
        headers: Headers,
        times: tuple[float, float],
    ) -> None:
        """Let the cache learn from a relayed response: HEAD updates, unsafe invalidations."""
        if request.method == "HEAD" and where.key is not None and status == 200:
            # RFC 9111 §4.3.5: a HEAD response freshens (or condemns) the stored GET.
            self._hot.forget()
            self._cache.update_from_head(where.key, request.headers, status, headers, *times)
        elif request.method not in SAFE_METHODS:
            done = Invalidation.of(
                request.method,
                status,
                request.host,
                request.path,
                headers,
                origin_host=where.origin_host or None,
            )
            self.invalidate(done)
            if self._siblings is not None:
                self._siblings.tell(done)

    def invalidate(self, done: Invalidation) -> None:
        """Remove what an unsafe request changed (RFC 9111 §4.4), here or in a sibling worker."""
        self._hot.forget()
        self._cache.invalidate(
            done.method,
            done.status,
            done.host,
            done.path,
            done.fields,
            origin_host=done.origin_host,
        )

    def _writer(
        self,
        request: Request,
        where: Route,
        status: int,
        fields: Headers,
        times: tuple[float, float],
        *,
        length: int | None,
    ) -> Writer | None:
        """Open a cache writer when the response to a cached GET is storable (RFC 9111 §3)."""
        if where.key is None or request.method != "GET":
            return None
        stored = list(fields)  # the entry keeps Via; Age and X-Cache are added per hit
        if length is not None:
            stored.append((b"content-length", b"%d" % length))
        return self._cache.open_writer(
            where.key,
            request.method,
            request.headers,
            status,
            stored,
            where.behavior.cache_policy,
            times[0],
            times[1],
            host=request.host,
            path=request.path,
        )

    async def _stream(
        self,
        answer: OriginResponse,
        response: Response,
        writer: Writer | None,
        sharing: Filler[SharedHead] | None,
        encoding: Encoder | None = None,
    ) -> bytes:
        """Copy the origin's body to the viewer, the cache writer and the followers.

        With ``encoding``, what is copied is the body compressed as it arrives.

        Returns:
            The chunk that completes the body, held back from the viewer until the cache has
            it (empty when the body ends with ``end()``: chunked, and nothing compressed left).
        """
        complete = False
        held = b""
        remaining = answer.content_length if encoding is None else None
        try:
            async for data in answer.body:
                chunk = data if encoding is None else encoding.feed(data)
                if not chunk:
                    continue  # the encoder holds it for now
                if writer is not None:
                    writer.write(chunk)
                if sharing is not None:
                    sharing.publish(chunk)
                if remaining is not None:
                    remaining -= len(chunk)
                    if remaining <= 0:
                        held = chunk
                        continue
                await response.write(chunk)
            if encoding is not None:
                held = encoding.finish()
                if writer is not None:
                    writer.write(held)
                if sharing is not None:
                    sharing.publish(held)
            complete = True
        except OriginError as exc:
            self._tracer.origin_error()
            raise ConnectionAbortedError(f"origin body failed: {exc.reason}") from exc
        finally:
            if writer is not None and not complete:
                writer.abort()
            await answer.aclose()
        return held

    async def _from_entry(
        self, request: Request, response: Response, found: Lookup, entry: Entry, x_cache: bytes
    ) -> None:
        """Answer from a stored entry; a disk body is streamed chunk by chunk.

        Disk chunks are read on the event loop (256 KiB at a time, usually from the page
        cache); a slow disk holds up the worker's other connections while it reads.
        """
        now = time.time()
        lookup = Lookup(found.kind, entry, found.conditional, found.request)
        parts = self._cache.answer(lookup, request.method, request.headers, now, x_cache)
        if parts is not None:
            response.write_raw(parts, int(parts[0][9:12]))
            return
        # A body on disk: the cache reads it (whole, one range or several) as it is sent.
        streamed = self._cache.stream(lookup, request.method, request.headers, now, x_cache)
        response.write_prepared(streamed.head, streamed.status, streamed.length)
        try:
            for chunk in streamed.chunks:
                await response.write(chunk)
        except (StorageError, OSError) as exc:
            # The head is out: only a cut connection tells the viewer the body went wrong.
            raise ConnectionAbortedError(f"stored body unreadable: {exc}") from exc
        response.end()

    async def _origin_failed(  # noqa: PLR0917 - the request's state, as _fetch holds it
        self,
        request: Request,
        response: Response,
        where: Route,
        found: Lookup | None,
        outcome: Outcome,
        error: OriginError,
    ) -> None:
        if found is not None and found.entry is not None:
            # RFC 9111 §4.2.4: refused, reset or timed out counts as disconnected.
            stale = self._cache.stale_if_error(found, time.time(), disconnected=True)
            if stale is not None:
                outcome.result = "Hit"
                await self._from_entry(request, response, found, stale, HIT)
                return
        custom = custom_response(self._dist, error.status)
        if custom is not None and await self._error_page(request, response, where, custom, None):
            outcome.result = "Error"
            return
        await self._refuse(response, outcome, error.status, error.reason)

    async def _error_page(
        self,
        request: Request,
        response: Response,
        where: Route,
        custom: ErrorResponse,
        role: Filler[SharedHead] | None,
    ) -> bool:
        """Answer with ``custom``'s page and keep it for its time; False when it cannot be had."""
        request_time = time.time()
        page = await fetch_page(self._ask_page, self._dist, request, custom, custom.error_code)
        if page is None:
            return False
        if role is not None:
            role.uncacheable()  # followers go their own way: this answer is the edge's own
        times = (request_time, time.time())
        fields = viewer_fields(page.fields, self._dist.node_name, ERROR, times[1])
        ttl = custom.caching_min_ttl
        if ttl is None:
            ttl = self._dist.cache.error_caching_ttl
        length = len(page.body)
        writer = None
        if ttl > 0:
            stored = stored_fields(fields[:-1], ttl)
            writer = self._writer(request, where, page.status, stored, times, length=length)
        if writer is not None:
            writer.write(page.body)
            writer.commit()
        response.write_head(page.status, reason_phrase(page.status), fields, length)
        await response.write(page.body)
        response.end()
        return True

    async def _ask_page(self, request: Request, where: Route) -> OriginResponse:
        return await self._ask(request, where, [])

    async def _refuse(
        self, response: Response, outcome: Outcome, status: int, reason: str
    ) -> None:
        """Answer an error of the edge's own with a short text body (X-Cache: Error)."""
        outcome.result = "Error"
        await answer_error(response, self._dist.node_name, status, reason)

    async def _redirect(self, request: Request, response: Response, outcome: Outcome) -> None:
        """Send a plain-HTTP viewer to HTTPS (ViewerProtocolPolicy redirect-to-https)."""
        outcome.result = "Redirect"
        answer_redirect(request, response, self._dist.node_name)

    async def _refresh(self, request: Request, where: Route) -> None:
        """Fetch a stale entry again in the background (RFC 5861 §3, stale-while-revalidate)."""
        request_time = time.time()
        try:
            # The whole object, whatever part or condition the triggering viewer asked for.
            answer = await self._ask(request, where, [], drop=_UNCONDITIONAL)
        except OriginError:
            self._tracer.origin_error()
            return
        times = (request_time, time.time())
        stored = viewer_fields(answer.headers, self._dist.node_name, MISS, times[1])[:-1]
        writer = self._writer(
            request, where, answer.status, stored, times, length=answer.content_length
        )
        try:
            async for chunk in answer.body:
                if writer is not None:
                    writer.write(chunk)
        except OriginError:
            if writer is not None:
                writer.abort()
            return
        if writer is not None:
            writer.commit()

    def _compression(
        self, request: Request, where: Route, answer: OriginResponse
    ) -> Coding | None:
        """The coding the edge compresses this response with (the behaviour's Compress)."""
        behavior = where.behavior
        if not behavior.compress or request.method != "GET":
            return None
        return choose(
            behavior,
            viewer_encodings(behavior, request.headers),
            http10=request.version == "1.0",
            status=answer.status,
            headers=answer.headers,
            content_length=answer.content_length,
        )

    def _new_lane(self, relayed: int) -> Lane:
        return Lane(
            self._dist,
            self._client,
            self._tracer,
            self._hidden,
            open_writer=self._writer,
            learn=self._after,
            recover=self._recover,
            passes=self._passes,
            holds_nothing=self._cache.holds_nothing,
            relayed=relayed,
        )

    def _recover(self, relay: Relay, error: OriginError) -> asyncio.Task[None]:
        """Take over a relayed request whose exchange failed before its head, in a task."""
        return asyncio.get_running_loop().create_task(self._resumed(relay, error))

    async def _resumed(self, relay: Relay, error: OriginError) -> None:
        """Retry a relayed request as the client's rules allow, else answer the error."""
        request, response, where = relay.request, relay.response, relay.where
        outcome = Outcome(result="Miss" if where.key is not None else "Pass")
        try:
            call = relay.call
            answer = await self._client.retry(
                call.origin_id,
                call.verb,
                call.target,
                call.headers,
                error,
                on_interim=interim_relay(response),
            )
            times = (relay.sent, time.time())
            outcome.origin_time = times[1] - times[0]
            await self._relay(request, response, where, answer, times)
        except OriginError as exc:
            self._tracer.origin_error()
            outcome.origin_time = time.time() - relay.sent
            await self._refuse(response, outcome, exc.status, exc.reason)
        except (ConnectionError, asyncio.CancelledError):
            response.abort()
        except Exception:
            log.exception("relaying %s %r failed", request.method, request.target)
            answer_failure(response)
        finally:
            report(
                self._tracer,
                request,
                response.status or outcome.status,
                response.bytes_sent,
                result=outcome.result,
                origin_time=outcome.origin_time,
            )

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
