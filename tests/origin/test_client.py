"""Requests and responses through the client, against a scripted origin on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from conftest import free_port
from edgeworks.config.model import Origin
from edgeworks.http.headers import Headers
from edgeworks.origin import OriginClient, OriginError, OriginResponse
from origin.servers import Handler, ScriptedOrigin, Seen, run

HOST = [(b"host", b"example")]


def client_for(port: int, **options: object) -> OriginClient:
    origin = Origin("o", "http", "127.0.0.1", port, **options)  # type: ignore[arg-type]
    return OriginClient({"o": origin})


def answering(raw: bytes, keep: bool = True) -> Handler:
    """A handler that answers every request with the same raw bytes."""

    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(raw)
        return keep

    return handler


async def exchange(
    raw: bytes, method: str = "GET", keep: bool = True
) -> tuple[OriginResponse, bytes]:
    """Send one request to an origin that answers ``raw``; return the response and its body."""
    async with ScriptedOrigin(answering(raw, keep)) as origin:
        client = client_for(origin.port)
        resp = await client.request("o", "GET", b"/", HOST)
        body = await resp.read()
        await client.aclose()
    return resp, body


def test_path_prefix_and_custom_headers_are_applied() -> None:
    async def scenario() -> list[Seen]:
        async with ScriptedOrigin() as origin:
            client = client_for(
                origin.port, path="/v1", custom_headers=(("X-Secret", "s"), ("X-Env", "prod"))
            )
            headers = [(b"host", b"example"), (b"x-secret", b"viewer"), (b"accept", b"*/*")]
            resp = await client.request("o", b"GET", b"/img/a.png?w=1", headers)
            await resp.read()
            await client.aclose()
        return origin.requests

    (seen,) = run(scenario())
    assert seen.target == "/v1/img/a.png?w=1"
    assert seen.headers == [
        ("host", "example"),
        ("accept", "*/*"),
        ("x-secret", "s"),
        ("x-env", "prod"),
    ]


def test_bytes_body_goes_with_content_length() -> None:
    async def scenario() -> Seen:
        async with ScriptedOrigin() as origin:
            client = client_for(origin.port)
            resp = await client.request("o", "POST", b"/form", HOST, body=b"a=1&b=2")
            await resp.read()
            await client.aclose()
        return origin.requests[0]

    seen = run(scenario())
    assert (seen.method, seen.body, seen.header("content-length")) == ("POST", b"a=1&b=2", "7")


def test_streamed_body_goes_chunked_and_the_connection_is_reused() -> None:
    async def pieces() -> AsyncIterator[bytes]:
        for piece in (b"first,", b"", b"second,", b"third"):
            await asyncio.sleep(0)
            yield piece

    async def scenario() -> tuple[list[Seen], int]:
        async with ScriptedOrigin() as origin:
            client = client_for(origin.port)
            resp = await client.request("o", "PUT", b"/up", HOST, body=pieces())
            await resp.read()
            resp = await client.request("o", "GET", b"/after", HOST)
            await resp.read()
            await client.aclose()
        return origin.requests, origin.connections

    requests, connections = run(scenario())
    assert requests[0].header("transfer-encoding") == "chunked"
    assert requests[0].body == b"first,second,third"
    assert connections == 1


def test_extension_methods_pass_through() -> None:
    async def scenario() -> Seen:
        async with ScriptedOrigin() as origin:
            client = client_for(origin.port)
            resp = await client.request("o", "PURGE", b"/x", HOST)
            await resp.read()
            await client.aclose()
        return origin.requests[0]

    assert run(scenario()).method == "PURGE"


def test_chunked_response_is_decoded_and_trailers_dropped() -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\nX-A: 1\r\n\r\n"
        b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 9\r\n\r\n"
    )
    resp, body = run(exchange(raw))
    assert body == b"hello world"
    assert resp.headers == [(b"x-a", b"1")]
    assert resp.content_length is None


def test_close_delimited_response_ends_when_the_origin_closes() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"z" * 100_000
    resp, body = run(exchange(raw, keep=False))
    assert body == b"z" * 100_000
    assert resp.content_length is None
    assert resp.headers == [(b"content-type", b"text/plain")]


def test_hop_by_hop_fields_are_removed_and_length_surfaced() -> None:
    raw = (
        b"HTTP/1.1 200 Fine\r\nConnection: X-Hop\r\nKeep-Alive: timeout=3\r\nX-Hop: 1\r\n"
        b'Content-Length: 3\r\nETag: "e"\r\n\r\nabc'
    )
    resp, body = run(exchange(raw))
    assert (resp.status, resp.reason, resp.content_length, body) == (200, b"Fine", 3, b"abc")
    assert resp.headers == [(b"etag", b'"e"')]


def test_head_response_has_no_body_but_keeps_its_declared_length() -> None:
    async def scenario() -> tuple[OriginResponse, bytes, int]:
        async with ScriptedOrigin(
            answering(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")
        ) as o:
            client = client_for(o.port)
            resp = await client.request("o", "HEAD", b"/", HOST)
            body = await resp.read()
            o.handler = answering(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            after = await client.request("o", "GET", b"/", HOST)
            assert await after.read() == b"ok"
            await client.aclose()
        return resp, body, o.connections

    resp, body, connections = run(scenario())
    assert (resp.content_length, body, connections) == (50, b"", 1)


@pytest.mark.parametrize("status", [204, 304])
def test_204_and_304_have_no_body(status: int) -> None:
    raw = b'HTTP/1.1 %d X\r\nContent-Length: 10\r\nETag: "a"\r\n\r\n' % status
    resp, body = run(exchange(raw))
    assert (resp.status, body) == (status, b"")


def test_early_hints_reach_on_interim_and_100_is_swallowed() -> None:
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    )
    interim: list[tuple[int, Headers]] = []

    async def scenario() -> bytes:
        async with ScriptedOrigin(answering(raw)) as origin:
            client = client_for(origin.port)
            resp = await client.request(
                "o", "GET", b"/", HOST, on_interim=lambda s, h: interim.append((s, h))
            )
            body = await resp.read()
            await client.aclose()
        return body

    assert run(scenario()) == b"ok"
    assert interim == [(103, [(b"link", b"</s.css>; rel=preload")])]


class ClosesSecondRequest:
    """An origin that drops each connection when its second request arrives, unanswered.

    This is the race of an origin closing an idle keep-alive connection just as the edge
    reuses it.
    """

    def __init__(self) -> None:
        self.per_connection: dict[int, int] = {}

    async def __call__(self, seen: Seen, writer: asyncio.StreamWriter) -> bool:
        count = self.per_connection.get(seen.connection, 0) + 1
        self.per_connection[seen.connection] = count
        if count == 2:
            return False
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PUT", b"data"), ("DELETE", None)])
def test_idempotent_request_is_retried_once_on_a_stale_pooled_connection(
    method: str, body: bytes | None
) -> None:
    async def scenario() -> tuple[bytes, int, int, int]:
        async with ScriptedOrigin(ClosesSecondRequest()) as origin:
            client = client_for(origin.port)
            await (await client.request("o", "GET", b"/", HOST)).read()
            resp = await client.request("o", method, b"/again", HOST, body=body)
            answer = await resp.read()
            stats = client.stats("o")
            await client.aclose()
        return answer, origin.connections, stats.connections_opened, stats.requests

    assert run(scenario()) == (b"ok", 2, 2, 3)


def test_retry_happens_when_the_origin_closed_idle_sockets_just_before() -> None:
    async def scenario() -> tuple[bytes, int]:
        async with ScriptedOrigin() as origin:
            client = client_for(origin.port)
            await (await client.request("o", "GET", b"/", HOST)).read()
            origin.close_idle()
            resp = await client.request("o", "GET", b"/", HOST)
            answer = await resp.read()
            await client.aclose()
        return answer, origin.connections

    assert run(scenario()) == (b"hello", 2)


def test_post_is_not_retried_on_a_stale_pooled_connection() -> None:
    async def scenario() -> tuple[OriginError, int]:
        async with ScriptedOrigin(ClosesSecondRequest()) as origin:
            client = client_for(origin.port)
            await (await client.request("o", "GET", b"/", HOST)).read()
            with pytest.raises(OriginError) as raised:
                await client.request("o", "POST", b"/order", HOST, body=b"{}")
            await client.aclose()
        return raised.value, origin.connections

    error, connections = run(scenario())
    assert (error.status, error.reason, connections) == (502, "origin closed the connection", 1)


def test_cancelled_request_closes_its_connection_instead_of_pooling_it() -> None:
    async def never(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(30)
        return False

    async def scenario() -> tuple[int, int]:
        async with ScriptedOrigin(never) as origin:
            client = client_for(origin.port)
            task = asyncio.create_task(client.request("o", "GET", b"/", HOST))
            while not origin.requests:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            idle = client.stats("o").idle
            await client.aclose()
        return idle, len(origin.requests)

    assert run(scenario()) == (0, 1)


def test_unknown_origin_is_a_502_naming_the_id() -> None:
    async def scenario() -> None:
        client = OriginClient({})
        await client.request("nowhere", "GET", b"/", HOST)

    with pytest.raises(OriginError, match="nowhere") as raised:
        run(scenario())
    assert raised.value.status == 502


def test_closing_the_client_fails_a_request_in_flight_with_502() -> None:
    async def never(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(30)
        return False

    async def scenario() -> OriginError:
        async with ScriptedOrigin(never) as origin:
            client = client_for(origin.port)
            task = asyncio.create_task(client.request("o", "GET", b"/", HOST))
            while not origin.requests:
                await asyncio.sleep(0.01)
            await client.aclose(grace=0)
            with pytest.raises(OriginError) as raised:
                await task
        return raised.value

    error = run(scenario())
    assert (error.status, error.reason) == (502, "origin client is closed")


def test_an_early_answer_during_an_upload_stops_the_upload_and_the_connection() -> None:
    yielded = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal yielded
        for _ in range(500):
            yielded += 1
            yield b"piece"
            await asyncio.sleep(0.01)

    async def refuse_early(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 413 Too Large\r\nContent-Length: 4\r\n\r\nbig!")
        # Read on until the client gives up, so that closing never turns into a reset.
        while await reader.read(65536):
            pass
        writer.close()

    async def scenario() -> tuple[int, bytes, int]:
        server = await asyncio.start_server(refuse_early, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = client_for(port)
        resp = await client.request("o", "PUT", b"/up", HOST, body=endless())
        body = await resp.read()
        idle = client.stats("o").idle
        await client.aclose()
        server.close()
        await server.wait_closed()
        return resp.status, body, idle

    assert run(scenario()) == (413, b"big!", 0)
    assert yielded < 500


@pytest.mark.parametrize(
    "extra", [b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", b"junk", b"\x00\xff"]
)
def test_bytes_after_a_complete_response_keep_it_but_retire_the_connection(extra: bytes) -> None:
    async def scenario() -> tuple[bytes, bytes, int]:
        raw = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + extra
        async with ScriptedOrigin(answering(raw)) as origin:
            client = client_for(origin.port)
            first = await (await client.request("o", "GET", b"/", HOST)).read()
            second = await (await client.request("o", "GET", b"/", HOST)).read()
            await client.aclose()
        return first, second, origin.connections

    assert run(scenario()) == (b"ok", b"ok", 2)


def test_a_graceful_close_lets_requests_in_flight_finish() -> None:
    async def slow(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.2)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone")
        return True

    async def scenario() -> tuple[bytes, int, int]:
        async with ScriptedOrigin(slow) as origin:
            client = client_for(origin.port)
            task = asyncio.create_task(client.request("o", "GET", b"/", HOST))
            while not origin.requests:
                await asyncio.sleep(0.01)
            closing = asyncio.create_task(client.aclose(grace=5.0))
            resp = await task
            body = await resp.read()
            await closing
            with pytest.raises(OriginError) as raised:
                await client.request("o", "GET", b"/", HOST)
            for _ in range(100):
                if origin.closed:
                    break
                await asyncio.sleep(0.01)
        return body, raised.value.status, origin.closed

    assert run(scenario()) == (b"done", 502, 1)


def test_a_failing_interim_handler_is_logged_and_the_response_still_arrives(
    caplog: pytest.LogCaptureFixture,
) -> None:
    raw = (
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    )

    def broken(status: int, fields: Headers) -> None:
        raise RuntimeError("viewer went away")

    async def scenario() -> bytes:
        async with ScriptedOrigin(answering(raw)) as origin:
            client = client_for(origin.port)
            resp = await client.request("o", "GET", b"/", HOST, on_interim=broken)
            body = await resp.read()
            await client.aclose()
        return body

    assert run(scenario()) == b"ok"
    assert "interim 103 handler failed" in caplog.text


async def pieces_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        await asyncio.sleep(0)
        yield data[start : start + size]


def test_a_streamed_body_of_known_length_goes_with_content_length() -> None:
    async def scenario() -> tuple[Seen, bytes]:
        async with ScriptedOrigin() as origin:
            client = client_for(origin.port)
            data = b"0123456789" * 1000
            resp = await client.request(
                "o", "PUT", b"/up", HOST, body=pieces_of(data, 777), body_length=len(data)
            )
            await resp.read()
            after = await (await client.request("o", "GET", b"/", HOST)).read()
            await client.aclose()
        return origin.requests[0], after

    seen, after = run(scenario())
    assert (seen.header("content-length"), seen.header("transfer-encoding")) == ("10000", None)
    assert seen.body == b"0123456789" * 1000
    assert after == b"hello"


@pytest.mark.parametrize("declared", [5, 50])
def test_a_streamed_body_that_breaks_its_declared_length_is_refused(declared: int) -> None:
    async def scenario() -> str:
        async with ScriptedOrigin() as origin:
            client = client_for(origin.port)
            with pytest.raises(ValueError) as raised:
                await client.request(
                    "o", "PUT", b"/up", HOST, body=pieces_of(b"x" * 20, 3), body_length=declared
                )
            await client.aclose()
        return str(raised.value)

    assert f"declared length {declared} ran to" in run(scenario())


def test_a_negative_body_length_is_refused_naming_it() -> None:
    async def scenario() -> None:
        client = client_for(free_port())
        await client.request("o", "PUT", b"/", HOST, body=pieces_of(b"x", 1), body_length=-2)

    with pytest.raises(ValueError, match="body_length -2"):
        run(scenario())


def test_an_upload_that_fails_after_the_head_ends_the_body_with_its_error() -> None:
    async def failing() -> AsyncIterator[bytes]:
        yield b"first"
        await asyncio.sleep(0.1)
        raise RuntimeError("viewer went away")

    async def answer_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        while await reader.read(65536):
            pass
        writer.close()

    async def scenario() -> tuple[int, str]:
        server = await asyncio.start_server(answer_at_once, "127.0.0.1", 0)
        client = client_for(server.sockets[0].getsockname()[1])
        resp = await client.request("o", "PUT", b"/up", HOST, body=failing())
        with pytest.raises(RuntimeError) as raised:
            await resp.read()
        await client.aclose()
        server.close()
        await server.wait_closed()
        return resp.status, str(raised.value)

    assert run(scenario()) == (200, "viewer went away")
