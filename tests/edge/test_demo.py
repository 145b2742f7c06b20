"""The demo origin on the project's own HTTP server: objects, validators, the echo."""

from __future__ import annotations

import asyncio
import http.client
import json
from collections.abc import Callable
from typing import TypeVar

from edgeworks.config.model import Limits
from edgeworks.edge import demo
from edgeworks.edge.demo_objects import OBJECTS
from edgeworks.http.server import HTTPServer

T = TypeVar("T")


def against_demo_origin(talk: Callable[[http.client.HTTPConnection], T]) -> T:
    """Serve the demo origin on a free port and run ``talk`` against it in a thread."""

    async def scenario() -> T:
        sock = demo.bind_origin_socket()
        server = HTTPServer(demo.DemoOrigin(), Limits())
        await server.start(sock)
        conn = http.client.HTTPConnection("127.0.0.1", sock.getsockname()[1], timeout=10)
        try:
            return await asyncio.get_running_loop().run_in_executor(None, talk, conn)
        finally:
            conn.close()
            await server.drain(1.0)

    return asyncio.run(scenario())


def exchange(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    fields = {name.lower(): value for name, value in response.getheaders()}
    return response.status, fields, response.read()


def test_every_object_is_served_with_its_cache_control() -> None:
    def talk(conn: http.client.HTTPConnection) -> dict[str, tuple[int, str]]:
        answers = {}
        for path in OBJECTS:
            status, fields, _ = exchange(conn, "GET", path)
            answers[path] = (status, fields["cache-control"])
        return answers

    answers = against_demo_origin(talk)

    assert answers == {path: (200, item.cache_control) for path, item in OBJECTS.items()}


def test_matching_etag_gets_304_and_head_gets_no_body() -> None:
    def talk(conn: http.client.HTTPConnection) -> list[tuple[int, dict[str, str], bytes]]:
        first = exchange(conn, "GET", "/images/logo.png")
        again = exchange(
            conn, "GET", "/images/logo.png", headers={"If-None-Match": first[1]["etag"]}
        )
        head = exchange(conn, "HEAD", "/images/logo.png")
        return [first, again, head]

    first, again, head = against_demo_origin(talk)

    assert first[2].startswith(b"\x89PNG\r\n\x1a\n")
    assert (again[0], again[2]) == (304, b"")
    assert (head[0], head[2], head[1]["content-length"]) == (200, b"", str(len(first[2])))


def test_clock_is_made_per_request_and_never_stored() -> None:
    def talk(conn: http.client.HTTPConnection) -> list[tuple[int, dict[str, str], bytes]]:
        return [exchange(conn, "GET", "/api/time") for _ in range(2)]

    first, second = against_demo_origin(talk)

    assert first[1]["cache-control"] == "no-store"
    assert json.loads(first[2])["now"] <= json.loads(second[2])["now"]


def test_other_methods_get_an_echo_and_unknown_paths_a_404() -> None:
    def talk(conn: http.client.HTTPConnection) -> list[tuple[int, dict[str, str], bytes]]:
        return [
            exchange(conn, "PURGE", "/any/where?x=1", body=b"12345"),
            exchange(conn, "GET", "/nothing/here"),
        ]

    echo, missing = against_demo_origin(talk)

    assert json.loads(echo[2]) == {
        "method": "PURGE",
        "path": "/any/where",
        "query": "x=1",
        "body_bytes": 5,
    }
    assert echo[1]["cache-control"] == "no-store"
    assert missing[0] == 404


def test_banner_names_the_edge_and_what_to_ask() -> None:
    text = demo.banner("http://127.0.0.1:8080", "http://127.0.0.1:9999")

    assert "http://127.0.0.1:9999" in text
    assert text.count("curl -si http://127.0.0.1:8080/api/catalog.json") == 2
