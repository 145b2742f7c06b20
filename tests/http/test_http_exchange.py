"""Well-formed exchanges: keep-alive, pipelining, chunked bodies, HEAD, 100-continue, TLS."""

from __future__ import annotations

import socket
import ssl
import time

import pytest
import trustme
from http_support import EchoApp, Reader, Running, exchange

from edgeworks.config.model import Limits


@pytest.fixture
def running() -> Running:
    with Running(EchoApp()) as server:
        yield server


def test_get_is_echoed_with_content_length(running: Running) -> None:
    [reply] = exchange(running, b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.status == 200
    assert reply.body == b"GET /a?b=1 "
    assert reply.header("content-length") == str(len(reply.body))


def test_keep_alive_serves_many_requests_on_one_connection(running: Running) -> None:
    with running.connect() as sock:
        reader = Reader(sock)
        for number in range(5):
            sock.sendall(b"GET /n%d HTTP/1.1\r\nHost: x\r\n\r\n" % number)
            assert reader.response().body == b"GET /n%d " % number
        sock.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        assert reader.response().body == b"fast"
    assert running.server.connections in (0, 1)


def test_pipelined_answers_leave_in_request_order(running: Running) -> None:
    data = (
        b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        b"GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    replies = exchange(running, data, count=4)
    assert [r.body for r in replies] == [b"GET /slow ", b"fast", b"POST /p abc", b"GET /chunked "]


def test_chunked_request_body_and_chunked_response(running: Running) -> None:
    data = (
        b"POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    [reply] = exchange(running, data)
    assert reply.header("transfer-encoding") == "chunked"
    assert reply.body == b"POST /chunked abcde"


def test_http10_unknown_length_is_close_delimited(running: Running) -> None:
    with running.connect() as sock:
        sock.sendall(b"GET /chunked HTTP/1.0\r\n\r\n")
        reader = Reader(sock)
        reply = reader.response()
        assert reply.body == b"GET /chunked "
        assert reply.header("transfer-encoding") is None
        assert reply.header("connection") == "close"


def test_http10_keep_alive_is_honoured(running: Running) -> None:
    with running.connect() as sock:
        reader = Reader(sock)
        for _ in range(2):
            sock.sendall(b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            reply = reader.response()
            assert reply.header("connection") == "keep-alive"


def test_head_has_headers_but_no_body(running: Running) -> None:
    with running.connect() as sock:
        sock.sendall(b"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        reader = Reader(sock)
        head = reader.response(head_only=True)
        assert head.status == 200
        assert head.header("content-length") == str(len(b"HEAD /h "))
        # The next response starts right after the head: no body bytes in between.
        assert reader.response().body == b"fast"


def test_connection_close_is_honoured(running: Running) -> None:
    with running.connect() as sock:
        sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reader = Reader(sock)
        assert reader.response().header("connection") == "close"
        assert reader.closed()


def test_continue_is_sent_only_when_the_body_is_read(running: Running) -> None:
    head = b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
    with running.connect() as sock:
        sock.sendall(head)
        reader = Reader(sock)
        assert reader.response().status == 100
        sock.sendall(b"body")
        assert reader.response().body == b"POST /p body"


def test_no_continue_when_the_app_answers_without_reading(running: Running) -> None:
    head = (
        b"POST /no-read HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
    )
    with running.connect() as sock:
        sock.sendall(head)
        reader = Reader(sock)
        reply = reader.response()
        assert reply.status == 200
        assert reply.body == b"no"
        # The unread body leaves the connection unusable, so the server says so and closes.
        assert reply.header("connection") == "close"
        assert reader.closed()


def test_extension_method_reaches_the_app(running: Running) -> None:
    data = (
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        b"PURGE-ALL /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
        b"FROB /c HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    replies = exchange(running, data, count=3)
    assert [r.body for r in replies] == [b"GET /a ", b"PURGE-ALL /b hi", b"FROB /c "]


def test_extension_method_arriving_byte_by_byte(running: Running) -> None:
    with running.connect() as sock:
        for byte in b"MKTHING /z HTTP/1.1\r\nHost: x\r\n\r\n":
            sock.sendall(bytes([byte]))
        assert Reader(sock).response().body == b"MKTHING /z "


def test_tls_termination() -> None:
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    app = EchoApp()
    with (
        Running(app, ssl_context=context) as running,
        running.connect() as raw,
        client_context.wrap_socket(raw, server_hostname="localhost") as sock,
    ):
        reader = Reader(sock)
        for _ in range(2):
            sock.sendall(b"GET /tls HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert reader.response().body == b"GET /tls "
    assert app.seen[0].scheme == "https"


def test_silent_tls_handshake_is_cut_after_the_header_timeout() -> None:
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)
    limits = Limits(header_timeout=0.3)
    with (
        Running(EchoApp(), limits, ssl_context=context) as running,
        running.connect(timeout=5.0) as raw,
    ):
        started = time.monotonic()
        assert raw.recv(1) == b""
        assert time.monotonic() - started < 3.0


def test_drain_finishes_in_flight_request_and_stops_accepting() -> None:
    running = Running(EchoApp()).__enter__()
    try:
        busy = running.connect()
        busy.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        idle = running.connect()
        idle.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        assert Reader(idle).response().body == b"fast"
        time.sleep(0.05)
        running.call(running.server.drain(5.0))
        reply = Reader(busy).response()
        assert reply.body == b"GET /slow "
        assert reply.header("connection") == "close" or Reader(busy).closed()
        assert Reader(idle).closed()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", running.port), timeout=1).recv(1)
        assert running.server.connections == 0
    finally:
        running.__exit__(None, None, None)


def test_set_app_swaps_without_dropping_the_connection(running: Running) -> None:
    with running.connect() as sock:
        reader = Reader(sock)
        sock.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        assert reader.response().body == b"fast"
        other = EchoApp()
        running.server.set_app(other)
        sock.sendall(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
        assert reader.response().body == b"GET /after "
        assert other.seen[0].path == b"/after"


def test_limits_default_is_used() -> None:
    assert Limits().max_connections > 0


def test_repeated_heads_are_replayed_faithfully(running: Running) -> None:
    app = running.server.app
    assert isinstance(app, EchoApp)
    head = b"GET /r?x=1 HTTP/1.1\r\nHost: one\r\nX-A: 1\r\n\r\n"
    other = b"GET /r?x=1 HTTP/1.1\r\nHost: two\r\nX-A: 1\r\n\r\n"
    with running.connect() as sock:
        reader = Reader(sock)
        for data in (head, head, other, head):
            sock.sendall(data)
            assert reader.response().body == b"GET /r?x=1 "
    assert len(running.server.heads) == 2
    hosts = [request.host for request in app.seen]
    assert hosts == [b"one", b"one", b"two", b"one"]
    assert app.seen[1].headers == app.seen[0].headers
    assert app.seen[1] is not app.seen[0]


def test_replayed_close_request_still_closes(running: Running) -> None:
    head = b"GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    for _ in range(2):
        with running.connect() as sock:
            sock.sendall(head)
            reader = Reader(sock)
            assert reader.response().header("connection") == "close"
            assert reader.closed()
    assert len(running.server.heads) == 1


def test_absolute_form_target_becomes_origin_form_with_its_host(running: Running) -> None:
    app = running.server.app
    assert isinstance(app, EchoApp)
    [reply] = exchange(
        running, b"GET http://Other.example:81/p?q=1#frag HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    assert reply.body == b"GET /p?q=1 "
    assert app.seen[-1].host == b"Other.example:81"
    assert [name for name, _ in app.seen[-1].headers].count(b"host") == 1


def test_asterisk_form_is_for_options_only(running: Running) -> None:
    [reply] = exchange(running, b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.body == b"OPTIONS * "
    [refused] = exchange(running, b"GET * HTTP/1.1\r\nHost: x\r\n\r\n")
    assert refused.status == 400
    assert b"OPTIONS" in refused.body


def test_empty_lines_before_a_request_are_ignored(running: Running) -> None:
    with running.connect() as sock:
        reader = Reader(sock)
        sock.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n\r\n")
        assert reader.response().body == b"fast"
        sock.sendall(b"\r\nFROB /e HTTP/1.1\r\nHost: x\r\n\r\n")
        assert reader.response().body == b"FROB /e "


def test_http10_keep_alive_after_a_prepared_answer_closes(running: Running) -> None:
    with running.connect() as sock:
        sock.sendall(b"GET /fast HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        reader = Reader(sock)
        assert reader.response().body == b"fast"
        assert reader.closed()
