"""The lean relay: a request passed to the origin and answered from callbacks, with no task.

The general path (``EdgeApp.handle``) runs each request as a task and awaits the origin client
step by step. For the commonest trip to the origin, a bodiless request whose response will not
be shared with other viewers, that machinery costs more than the work itself. Here the server
hands such a request over synchronously (``App.start_now``); the relay writes the origin
request on an idle pooled connection, and the origin connection's parser callbacks drive the
viewer's response directly (``edgeworks.origin.sink``):

    on the head     the viewer head is built (Via, X-Cache, Date, targeted fields hidden) and
                    queued; a storable response to a GET opens a cache writer
    on body bytes   they go to the viewer (and the writer); while the viewer's socket is backed
                    up the origin is not read, until the viewer drains
    on the end      the writer commits, the cache learns (RFC 9111 §4.3.5 HEAD, §4.4
                    invalidation), the last bytes go out, the request is reported once

What qualifies (:func:`lean_origin`): a request the behaviour allows, to a single origin (not
an origin group, whose failover stays on the general path), that is either not looked up in
the cache or a miss with nothing stored that does not collapse: a HEAD, or a GET on a key whose
last response could not be shared (a pass mark). A cold GET miss still collapses on the
general path. Without an idle pooled connection the request takes the general path too, and so
do all requests of a distribution with custom error pages and GETs under a behaviour that
compresses: both change the response on the general path only.

Memos keep repeated exchanges cheap, all per configuration and bounded: the origin request
built for an exact viewer request (method, target, fields, address, behaviour); the viewer's
fields built from an exact origin head within one second, with the cache's refusals to store
exchanges with that head (whose Date moves on every second anyway), so that a stream of
identical uncacheable exchanges asks the cache's storability rules once per second.

A viewer that repeats a relayed request byte for byte skips even the deciding: the first relay
leaves a :class:`Rerun` with the server beside the exact head (``edgeworks.http.heads``), and a
repeat on an idle keep-alive connection goes straight to it, before ``respond_now``. Routing
and the origin request depend on the head and the configuration alone, so the rerun keeps
them; what can change under them is asked again on every repeat (the configuration is still
the same, nothing is stored under the key, the key's pass mark holds), and the repeat is
reported from a log line made once. The origin side has its own memo
(``edgeworks.origin.connection``): a response head seen before is not parsed again, and a
response that arrived whole reaches the relay in one call (``on_response``), whose head and
body leave in one write. A repeated GET goes out as a :class:`Repeat`, which answers such a
response as prepared bytes through the server's link, with no response object at all, and
turns into a :class:`Relay` for anything else (a streamed body, an interim response, a
failure).

When the exchange fails before its head (a pooled connection found closed, a read timeout),
nothing has reached the viewer: the request moves to a task that applies the client's retry
rules and answers as the general path does (``Lane.recover``). After the head, a failure
cuts the viewer's connection, as on the general path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple, Protocol

from edgeworks.cache import Writer
from edgeworks.cache.rules.request import PLAIN, read_request
from edgeworks.config.model import Distribution
from edgeworks.edge.pipeline import MISS, Route, origin_request, viewer_fields
from edgeworks.edge.proxy_collapse import PassMarks
from edgeworks.edge.proxy_parts import report
from edgeworks.edge.trace import Prepared as Report
from edgeworks.edge.trace import Tracer
from edgeworks.http.headers import Headers
from edgeworks.http.heads import Link
from edgeworks.http.request import Request
from edgeworks.http.response import Response, field_lines, plain_whole
from edgeworks.http.status import reason_phrase
from edgeworks.origin import OriginClient, OriginError
from edgeworks.origin.pool import Pool
from edgeworks.origin.sink import Control

log = logging.getLogger(__name__)


# What the pipeline does for the relay: open a cache writer, learn from a response to a method
# other than GET (a HEAD freshens, an unsafe method invalidates), tell whether anything is
# stored under a key, and take over a request whose exchange failed before its head.
class OpenWriter(Protocol):
    """Opens a cache writer for a storable response to a cached GET, else returns None."""

    def __call__(
        self,
        request: Request,
        where: Route,
        status: int,
        fields: Headers,
        times: tuple[float, float],
        *,
        length: int | None,
    ) -> Writer | None:
        """See ``EdgeApp._writer``."""


Learn = Callable[[Request, Route, int, Headers, tuple[float, float]], None]
HoldsNothing = Callable[[bytes, Headers], bool]
Recover = Callable[["Relay", OriginError], "asyncio.Task[None]"]


def lean_origin(dist: Distribution, where: Route, request: Request, passes: PassMarks) -> str:
    """Return the origin id a request may be relayed to from callbacks, or "" when it may not."""
    if where.insecure or not where.allowed or dist.error_responses:
        return ""  # refusals, redirects and custom error pages are the general path's
    if where.behavior.compress and request.method == "GET":
        return ""  # the edge compresses on the general path only
    key = where.key
    if key is not None:
        found = where.found
        if found is None or found.kind != "miss" or found.entry is not None:
            return ""  # revalidation, stale-if-error and stored answers need the general path
        if request.method == "GET" and not passes.marked(key, request.arrived):
            return ""  # a cold GET miss collapses with its followers
    target_id = where.behavior.target_origin_id
    if target_id in dist.origin_groups or target_id not in dist.origins:
        return ""
    return target_id


class Prepared(NamedTuple):
    """A request as it goes to the origin, the ``Host`` it names there, the viewer's fields."""

    origin_id: str
    verb: bytes
    target: bytes
    headers: Headers
    head: bytes
    origin_host: bytes
    request_fields: tuple[tuple[bytes, bytes], ...]
    pool: Pool


PreparedKey = tuple[int, str, bytes, str, tuple[tuple[bytes, bytes], ...]]
PREPARED_CAPACITY = 1024

Fields = tuple[tuple[bytes, bytes], ...]
# An origin's response fields and the second they arrived in, which fix the viewer's fields.
HeadKey = tuple[Fields, int]
# What else the cache's refusal to store depends on: the behaviour's policy, the request's
# fields (True for any request without a field the cache reads), the status and the length.
RefusalKey = tuple[int, Fields | bool, int, int | None]
HEADS_CAPACITY = 1024
REFUSED_CAPACITY = 64


class ViewerHead:
    """What the edge makes of one origin head in one second (see :meth:`Lane.viewer_head`).

    Attributes:
        lines: The viewer's field lines.
        stored: The fields a cache entry keeps.
        refused: Exchanges with this head that the cache refused to store. The refusal is a
            function of the request's fields, the status, the response's fields and the
            behaviour's policy; the response's Date (or the one the edge added) changes every
            second, and a head is kept for one second, so a refusal is remembered no longer.
    """

    __slots__ = ("lines", "refused", "stored")

    def __init__(self, lines: bytes, stored: Headers) -> None:
        self.lines = lines
        self.stored = stored
        self.refused: set[RefusalKey] = set()


@dataclass(slots=True)
class Lane:
    """What every relay of one pipeline shares, set once per configuration.

    Attributes:
        relayed: Requests taken over so far (carried over to the next configuration's lane).
    """

    dist: Distribution
    client: OriginClient
    tracer: Tracer
    hidden: frozenset[bytes]
    open_writer: OpenWriter
    learn: Learn
    recover: Recover
    passes: PassMarks
    holds_nothing: HoldsNothing
    relayed: int = 0
    retired: bool = False
    prepared: dict[PreparedKey, Prepared] = field(default_factory=dict)
    heads: dict[HeadKey, ViewerHead] = field(default_factory=dict)
    # The last head asked for: an origin repeats the same head object (OriginConnection).
    last_head: tuple[Headers, int, ViewerHead] | None = None

    def start(self, request: Request, response: Response, where: Route, origin_id: str) -> bool:
        """Relay ``request`` from callbacks; False when no idle origin connection is at hand.

        A relayed request leaves a :class:`Rerun` on ``request.starter`` for repeats of its
        head (``edgeworks.http.heads``).
        """
        call = self.prepare(request, where, origin_id)
        if not self.relay(request, response, where, call):
            return False
        # The repeats share one route: nothing writes it but the Host each relay sends.
        shared = Route(where.behavior, where.allowed, where.key, insecure=where.insecure)
        request.starter = Rerun(self, shared, call, request)
        return True

    def relay(
        self,
        request: Request,
        response: Response,
        where: Route,
        call: Prepared,
        *,
        rerun: Rerun | None = None,
    ) -> bool:
        """Send ``call`` on an idle pooled connection and answer ``request`` from callbacks."""
        relay = Relay(self, request, response, where, call, rerun=rerun)
        if not self.launch(call, relay):
            return False
        response.watcher = relay
        return True

    def launch(self, call: Prepared, sink: Relay | Repeat) -> bool:
        """Send ``call`` on an idle pooled connection to ``sink``; False when none is idle."""
        control = call.pool.start(call.head, call.verb == b"HEAD", sink)
        if control is None:
            return False
        sink.control = control
        self.relayed += 1
        return True

    def viewer_head(self, headers: Headers, received: float) -> ViewerHead:
        """Return the viewer's field lines and the stored fields for an origin's fields.

        The fields the viewer gets are the origin's with Via extended, X-Cache added, Date
        added when missing (from ``received``) and RFC 9213 targeted fields hidden; the cache
        gets them without X-Cache and with the targeted fields. Both are a function of the
        origin's fields and the second they arrived in, so each is built once per second.
        """
        second = int(received)
        last = self.last_head
        if last is not None and last[0] is headers and last[1] == second:
            return last[2]
        key = (tuple(headers), second)
        known = self.heads.get(key)
        if known is None:
            fields = viewer_fields(headers, self.dist.node_name, MISS, received)
            stored = fields[:-1]  # the entry keeps Via; Age and X-Cache are added per hit
            if not self.hidden.isdisjoint(map(itemgetter(0), headers)):
                # RFC 9213: the cache reads targeted fields, viewers never see them.
                fields = [item for item in fields if item[0] not in self.hidden]
            if len(self.heads) >= HEADS_CAPACITY:
                self.heads.clear()
            known = self.heads[key] = ViewerHead(field_lines(fields), stored)
        self.last_head = (headers, second, known)
        return known

    def writer(
        self,
        request: Request,
        where: Route,
        call: Prepared,
        head: ViewerHead,
        *,
        status: int,
        length: int | None,
        times: tuple[float, float],
    ) -> Writer | None:
        """Ask the cache for a writer, unless it just refused this very exchange.

        The cache reads a request only for its cache directives and Authorization
        (``read_request``): a request with none of them is refused like any other such one,
        whatever its other fields.
        """
        asked = True if read_request(request.headers) is PLAIN else call.request_fields
        refusal = (id(where.behavior), asked, status, length)
        if refusal in head.refused:
            return None
        writer = self.open_writer(request, where, status, head.stored, times, length=length)
        if writer is None and len(head.refused) < REFUSED_CAPACITY:
            head.refused.add(refusal)
        return writer

    def prepare(self, request: Request, where: Route, origin_id: str) -> Prepared:
        """Return the origin request for ``request``, built once per exact request head.

        What goes to the origin is a function of the behaviour, the method, the target, the
        viewer's fields and address, all in the key; the lane lives as long as one
        configuration, so the behaviour and origin behind a key never change under it.
        """
        fields = tuple(request.headers)
        key = (id(where.behavior), request.method, request.target, request.client[0], fields)
        prepared = self.prepared.get(key)
        if prepared is not None:
            return prepared
        origin = self.dist.origins[origin_id]
        target, headers = origin_request(request, where.behavior, origin, self.dist.node_name)
        verb = request.method.encode("ascii")
        head = self.client.request_head(origin_id, verb, target, headers)
        host = origin.authority.encode()
        pool = self.client.pool(origin_id)
        prepared = Prepared(origin_id, verb, target, headers, head, host, fields, pool)
        if len(self.prepared) >= PREPARED_CAPACITY:
            self.prepared.clear()  # a flood of distinct requests: start over, stay bounded
        self.prepared[key] = prepared
        return prepared


class Rerun:
    """What a relayed request left for repeats of its exact head: its route and origin request.

    Routing and the origin request are functions of the configuration and the head, so a
    repeat of the head on the same lane needs neither again. Whether it may still be relayed
    also depends on the cache (:func:`lean_origin`): :meth:`start` asks again exactly what can
    have changed since, nothing stored under the key and, for a GET, the key's pass mark.
    """

    __slots__ = ("call", "client", "lane", "report", "scheme", "where")

    def __init__(self, lane: Lane, where: Route, call: Prepared, request: Request) -> None:
        self.lane = lane
        self.where = where
        self.call = call
        self.client = request.client[0]
        # The route read the scheme (ViewerProtocolPolicy); the head's bytes do not hold it.
        self.scheme = request.scheme
        # The last repeat's report, made ready for the next with the same outcome.
        self.report: Report | None = None

    def start(self, request: Request, link: Link) -> bool:
        """Relay a repeat of the head; False when it no longer may be, or no connection is idle.

        A repeat declined here takes the full path, which leaves a new rerun if it relays. A
        GET goes out as a :class:`Repeat`, which needs no response object for the common
        answer; a HEAD as a :class:`Relay` on one.
        """
        lane = self.lane
        if lane.retired or request.scheme != self.scheme:
            return False
        call = self.call
        key = self.where.key
        if key is not None:
            if call.verb == b"GET" and not lane.passes.marked(key, request.arrived):
                return False  # the mark lapsed: the next miss may collapse again
            if not lane.holds_nothing(key, request.headers):
                return False
        if request.client[0] != self.client:
            call = lane.prepare(request, self.where, call.origin_id)  # X-Forwarded-For differs
        if call.verb != b"GET":
            return lane.relay(request, link.respond(), self.where, call, rerun=self)
        return lane.launch(call, Repeat(self, request, link, call))

    def tell(self, request: Request, status: int, bytes_sent: int, origin_time: float) -> None:
        """Report a repeat: like the last one, but for its times, from a line made once."""
        result = "Miss" if self.where.key is not None else "Pass"
        ready = self.report
        client = request.client[0]
        if (
            ready is None
            or ready.client != client
            or ready.status != status
            or ready.bytes_out != bytes_sent
            or ready.result != result
        ):
            ready = self.report = self.lane.tracer.prepare(
                client=client,
                method=request.method,
                host=request.host,
                target=request.target,
                status=status,
                bytes_out=bytes_sent,
                result=result,
                origin_asked=True,
            )
        finished = time.time()
        ready.done(finished, finished - request.arrived, origin_time)


class Repeat:
    """One repeat of a relayed GET: the origin's sink, answering through the viewer's link.

    The common answer, a response that arrived whole with a status that carries a body, goes
    to the viewer as one prepared write (``Link.answer``) with no response object made. Any
    other event (a head before its body, an interim response, a failure) turns the repeat
    into a :class:`Relay` on a response from the link, and that event and the rest go there.
    """

    __slots__ = ("call", "control", "link", "relay", "request", "rerun", "sent")

    def __init__(self, rerun: Rerun, request: Request, link: Link, call: Prepared) -> None:
        self.rerun = rerun
        self.request = request
        self.link = link
        self.call = call
        self.sent = time.time()
        self.control: Control | None = None
        self.relay: Relay | None = None

    def on_response(
        self, status: int, reason: bytes, headers: Headers, length: int, body: bytes
    ) -> None:
        """Answer a whole response in one write; hand an unusual one to a relay."""
        if self.relay is not None or status in (204, 304):
            relay = self._as_relay()
            if not relay.finished:
                relay.on_response(status, reason, headers, length, body)
            return
        rerun = self.rerun
        lane = rerun.lane
        request = self.request
        received = time.time()
        head = lane.viewer_head(headers, received)
        if rerun.where.key is not None:
            times = (self.sent, received)
            writer = lane.writer(
                request, rerun.where, self.call, head, status=status, length=length, times=times
            )
            if writer is not None:
                writer.write(body)
                writer.commit()
        data = plain_whole(status, reason, head.lines, body)
        if self.link.answer(data):
            rerun.tell(request, status, len(data), received - self.sent)
        else:
            rerun.tell(request, 0, 0, received - self.sent)  # the viewer left meanwhile

    def on_interim(self, status: int, headers: Headers) -> None:
        """Pass a 1xx on through a relay."""
        relay = self._as_relay()
        if not relay.finished:
            relay.on_interim(status, headers)

    def on_head(self, status: int, reason: bytes, headers: Headers, length: int | None) -> None:
        """A head before its whole body: a relay streams the rest."""
        relay = self._as_relay()
        if not relay.finished:
            relay.on_head(status, reason, headers, length)

    def on_body(self, data: bytes) -> None:
        """Body bytes after a head, for the relay."""
        assert self.relay is not None
        self.relay.on_body(data)

    def on_end(self) -> None:
        """The end of a streamed body, for the relay."""
        assert self.relay is not None
        self.relay.on_end()

    def on_error(self, error: OriginError) -> None:
        """A failure: the relay retries it or answers it as the general path does."""
        self._as_relay().on_error(error)

    def _as_relay(self) -> Relay:
        relay = self.relay
        if relay is None:
            rerun = self.rerun
            response = self.link.respond()
            relay = Relay(rerun.lane, self.request, response, rerun.where, self.call, rerun=rerun)
            relay.sent = self.sent
            relay.control = self.control
            response.watcher = relay
            self.relay = relay
            if self.link.lost():
                relay.viewer_lost()  # gone while the origin was asked: stop, report once
        return relay


class Relay:
    """One relayed request: the origin's response sink and the viewer response's watcher.

    Attributes:
        request: The viewer's request.
        response: The viewer's response.
        where: The request's route.
        call: What was sent to which origin.
        sent: When the request went to the origin (``time.time()``).
    """

    __slots__ = (
        "_held",
        "_lane",
        "_origin_fields",
        "_received",
        "_remaining",
        "_task",
        "_writer",
        "call",
        "control",
        "finished",
        "request",
        "rerun",
        "response",
        "sent",
        "where",
    )

    def __init__(
        self,
        lane: Lane,
        request: Request,
        response: Response,
        where: Route,
        call: Prepared,
        *,
        rerun: Rerun | None = None,
    ) -> None:
        where.origin_host = call.origin_host
        self.rerun = rerun
        self._lane = lane
        self.request = request
        self.response = response
        self.where = where
        self.call = call
        self.sent = time.time()
        self.control: Control | None = None
        self.finished = False
        self._received = 0.0
        self._origin_fields: Headers = []
        self._writer: Writer | None = None
        self._remaining: int | None = None
        self._held = b""
        self._task: asyncio.Task[None] | None = None

    # ResponseSink: the origin's side.

    def on_interim(self, status: int, headers: Headers) -> None:
        """Relay a 1xx such as 103 Early Hints to the viewer (RFC 9110 §15.2)."""
        self.response.write_interim(status, reason_phrase(status), headers)

    def on_head(self, status: int, reason: bytes, headers: Headers, length: int | None) -> None:
        """Queue the viewer's head; open a cache writer when the response is storable."""
        head = self._take_head(status, headers, length)
        self._remaining = length
        self.response.write_head_lines(status, reason, head.lines, length)

    def on_response(
        self, status: int, reason: bytes, headers: Headers, length: int, body: bytes
    ) -> None:
        """Answer a response that arrived whole: head and body leave in one write."""
        if self.finished:
            return
        head = self._take_head(status, headers, length)
        if self._writer is not None:
            self._writer.write(body)
        self._conclude(status)
        self.response.write_whole(status, reason, head.lines, body)
        self._report()

    def _take_head(self, status: int, headers: Headers, length: int | None) -> ViewerHead:
        """Note the origin's head; open a cache writer when the response is storable."""
        received = self._received = time.time()
        head = self._lane.viewer_head(headers, received)
        self._origin_fields = headers
        if self.where.key is not None and self.call.verb == b"GET":
            times = (self.sent, received)
            where, call = self.where, self.call
            self._writer = self._lane.writer(
                self.request, where, call, head, status=status, length=length, times=times
            )
        return head

    def on_body(self, data: bytes) -> None:
        """Pass body bytes to the viewer (and the writer); stop reading while it lags."""
        if self._writer is not None:
            self._writer.write(data)
        if self._remaining is not None:
            self._remaining -= len(data)
            if self._remaining <= 0:
                # The completing bytes wait until the cache has learnt from the response.
                self._held = data
                return
        if self.response.write_nowait(data) and self.control is not None:
            self.control.pause_body()

    def on_end(self) -> None:
        """Commit, let the cache learn, send the last bytes and report."""
        if self.finished:
            return
        self._conclude(self.response.status)
        self.response.finish(self._held)
        self._report()

    def _conclude(self, status: int) -> None:
        """Commit and let the cache learn, before the viewer's last byte leaves.

        As on the general path: the viewer's next request, on any connection or worker,
        sees what the cache learnt from this response.
        """
        self.finished = True
        if self._writer is not None:
            self._writer.commit()
        if self.call.verb != b"GET":  # a GET teaches the cache nothing but what it stores
            times = (self.sent, self._received)
            self._lane.learn(self.request, self.where, status, self._origin_fields, times)

    def on_error(self, error: OriginError) -> None:
        """Hand a failure before the head to the general path; after it, cut the viewer."""
        if self.finished:
            return
        if not self.response.started:
            self._task = self._lane.recover(self, error)
            return
        self.finished = True
        if self._writer is not None:
            self._writer.abort()
        self._lane.tracer.origin_error()
        log.warning(
            "origin %s: %s after the response head (%s)", self.call.origin_id, error, error.detail
        )
        self.response.abort()
        self._report()

    # Watcher: the viewer's side.

    def viewer_resumed(self) -> None:
        """The viewer drained: read the origin again."""
        if self.control is not None and not self.finished:
            self.control.resume_body()

    def viewer_lost(self) -> None:
        """The viewer left: stop the origin exchange (or the recovery task) and report."""
        if self._task is not None:
            self._task.cancel()  # the task reports for itself
            return
        if self.finished:
            return
        self.finished = True
        if self._writer is not None:
            self._writer.abort()
        if self.control is not None:
            self.control.abandon()
        self._report()

    def _report(self) -> None:
        result = "Miss" if self.where.key is not None else "Pass"
        origin_time = (self._received or time.time()) - self.sent
        response = self.response
        # The response and its watcher refer to each other: part them, so that both go by
        # reference counting instead of waiting for the cycle collector.
        response.watcher = None
        tracer = self._lane.tracer
        request = self.request
        rerun = self.rerun
        if rerun is None:
            report(
                tracer,
                request,
                response.status,
                response.bytes_sent,
                result=result,
                origin_time=origin_time,
            )
            return
        rerun.tell(request, response.status, response.bytes_sent, origin_time)
