"""Known response heads: a repeated head is answered from its kept parse, in callback mode.

Each test drives ``OriginClient.start`` (the callback mode the edge's relay uses) against a
scripted origin, with a sink that records every event, and compares a repeated exchange with
the first one, which went through the parser.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from edgeworks.http.headers import Headers
from edgeworks.origin import OriginClient, OriginError
from origin.servers import Handler, ScriptedOrigin, Seen, run
from origin.test_client import HOST, answering, client_for

HEAD = (
    b"HTTP/1.1 200 Fine\r\n"
    b"Date: Fri, 04 Dec 2026 10:00:00 GMT\r\n"
    b"Connection: keep-alive, x-hop\r\n"
    b"X-Hop: 1\r\n"
    b"Cache-Control: no-store\r\n"
    b"Content-Length: 5\r\n\r\n"
)


@dataclass
class Recorder:
    """A response sink that records what the connection told it."""

    heads: list[tuple[int, bytes, Headers, int | None]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    errors: list[OriginError] = field(default_factory=list)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    whole: bool = False  # told by on_response, as a known head whose body came with it

    def on_interim(self, status: int, headers: Headers) -> None:
        pass

    def on_head(self, status: int, reason: bytes, headers: Headers, length: int | None) -> None:
        self.heads.append((status, reason, headers, length))

    def on_body(self, data: bytes) -> None:
        self.body.append(data)

    def on_response(
        self, status: int, reason: bytes, headers: Headers, length: int, body: bytes
    ) -> None:
        self.whole = True
        self.on_head(status, reason, headers, length)
        self.on_body(body)
        self.on_end()

    def on_end(self) -> None:
        self.ended.set()

    def on_error(self, error: OriginError) -> None:
        self.errors.append(error)
        self.ended.set()


async def relayed(client: OriginClient) -> Recorder:
    """Send one GET in callback mode on an idle pooled connection and wait for its end."""
    if client.stats("o").idle == 0:
        warm = await client.request("o", "GET", b"/warm", HOST)  # pools a connection
        await warm.read()
    sink = Recorder()
    head = client.request_head("o", b"GET", b"/x", HOST)
    assert client.start("o", head, False, sink) is not None
    await asyncio.wait_for(sink.ended.wait(), 5)
    return sink


def known(client: OriginClient) -> dict[bytes, object]:
    return dict(client._pools["o"].heads)


def relayed_through(
    handler: Handler, times: int
) -> tuple[list[Recorder], dict[bytes, object], int]:
    """Relay ``times`` GETs to an origin answering with ``handler``.

    Returns the sinks, the heads the pool kept and the connections the origin accepted.
    """

    async def scenario() -> tuple[list[Recorder], dict[bytes, object], int]:
        async with ScriptedOrigin(handler) as origin:
            client = client_for(origin.port)
            sinks = [await relayed(client) for _ in range(times)]
            heads = known(client)
            await client.aclose()
        return sinks, heads, origin.connections

    return run(scenario())


def test_a_repeated_head_gets_the_parse_of_the_first() -> None:
    sinks, heads, connections = relayed_through(answering(HEAD + b"hello"), 3)
    assert list(heads) == [HEAD]  # kept by the first exchange in callback mode
    first = sinks[0]
    assert first.heads == [
        (
            200,
            b"Fine",
            [(b"date", b"Fri, 04 Dec 2026 10:00:00 GMT"), (b"cache-control", b"no-store")],
            5,
        )
    ]
    for sink in sinks:
        assert sink.heads == first.heads  # Connection and the field it names stay dropped
        assert b"".join(sink.body) == b"hello"
        assert sink.errors == []
    assert [sink.whole for sink in sinks] == [False, True, True]  # parsed once, then known
    assert connections == 1  # every exchange went back to the pool


def slow_body(pieces: list[bytes], tail: bytes = b"") -> Handler:
    """Answer HEAD, then each piece of the body in its own write.

    ``tail`` follows the last piece in the same write, except for the warm-up request.
    """

    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(HEAD)
        extra = b"" if seen.target == "/warm" else tail
        for index, piece in enumerate(pieces):
            await writer.drain()
            await asyncio.sleep(0.02)
            writer.write(piece + (extra if index == len(pieces) - 1 else b""))
        return True

    return handler


def test_a_body_after_a_known_head_is_counted_across_reads() -> None:
    sinks, _, connections = relayed_through(slow_body([b"he", b"l", b"lo"]), 3)
    for sink in sinks:
        assert sink.body == [b"he", b"l", b"lo"]
        assert sink.errors == []
        assert not sink.whole
    assert connections == 1


def test_bytes_past_a_known_response_end_the_connection() -> None:
    sinks, _, connections = relayed_through(slow_body([b"hel", b"lo"], tail=b"HTTP/1.1 200"), 2)
    for sink in sinks:
        assert b"".join(sink.body) == b"hello"  # the response itself arrives whole
        assert sink.errors == []
    # Each relayed exchange ended out of step, the first parsed, the second from the known
    # head: neither connection was used again.
    assert connections == 2


def test_an_origin_closing_inside_a_known_body_is_an_error() -> None:
    calls = 0

    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        nonlocal calls
        calls += 1
        if calls < 3:
            writer.write(HEAD + b"hello")
            return True
        writer.write(HEAD + b"he")
        return False  # closes two bytes into the body

    async def scenario() -> list[Recorder]:
        async with ScriptedOrigin(handler) as origin:
            client = client_for(origin.port)
            sinks = [await relayed(client) for _ in range(2)]
            await client.aclose()
        return sinks

    first, cut = run(scenario())
    assert first.errors == []
    assert cut.body == [b"he"]
    assert len(cut.errors) == 1
    assert "in the body" in cut.errors[0].detail


def test_heads_the_parser_may_read_otherwise_are_not_kept() -> None:
    early_hints = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + HEAD + b"hello"
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"

    for raw in (early_hints, chunked):
        sinks, heads, _ = relayed_through(answering(raw), 2)
        assert heads == {}, raw
        for sink in sinks:
            assert b"".join(sink.body) == b"hello"
            assert sink.heads[0][0] == 200


def test_a_head_with_bare_line_feeds_is_refused_and_not_kept() -> None:
    # Known heads rely on the parser ending every head at its first CRLF CRLF.
    raw = HEAD.replace(b"Content-Length: 5\r\n", b"Content-Length: 5\n") + b"hello"

    async def scenario() -> tuple[Recorder, dict[bytes, object]]:
        async with ScriptedOrigin(answering(HEAD + b"hello")) as origin:
            client = client_for(origin.port)
            await relayed(client)
            origin.handler = answering(raw)
            sink = await relayed(client)
            heads = known(client)
            await client.aclose()
        return sink, heads

    sink, heads = run(scenario())
    assert [error.reason for error in sink.errors] == ["origin sent a malformed response"]
    assert list(heads) == [HEAD]


def test_heads_that_change_between_exchanges_are_each_read_as_they_are() -> None:
    dates = [b"10:00:00", b"10:00:00", b"10:00:01", b"10:00:00", b"10:00:01"]
    answers = iter(dates)

    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        stamp = b"09:59:59" if seen.target == "/warm" else next(answers)
        writer.write(HEAD.replace(b"10:00:00", stamp) + b"hello")
        return True

    sinks, heads, connections = relayed_through(handler, len(dates))
    told = [dict(sink.heads[0][2])[b"date"] for sink in sinks]
    assert told == [b"Fri, 04 Dec 2026 " + stamp + b" GMT" for stamp in dates]
    assert [sink.whole for sink in sinks] == [False, True, False, True, True]
    assert len(heads) == 2 and connections == 1
