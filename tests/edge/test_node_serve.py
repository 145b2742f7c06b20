"""The one-liner `edgeworks serve --origin URL --listen ADDR`, as a real process."""

from __future__ import annotations

import http.client
import json
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from edgeworks.edge.accesslog import parse_log

from .harness import NodeProcess, OriginServer, running_node, running_origin


@pytest.fixture(scope="module")
def origin() -> Iterator[OriginServer]:
    with running_origin() as server:
        yield server


@pytest.fixture(scope="module")
def node(origin: OriginServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    workdir = tmp_path_factory.mktemp("node")
    with running_node(["--origin", origin.url, "--workers", "1"], workdir) as process:
        yield process


def ask(
    node: NodeProcess, method: str, path: str, body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        conn.close()


def test_get_is_forwarded(node: NodeProcess, origin: OriginServer) -> None:
    status, _, body = ask(node, "GET", "/plain/get?x=1")

    assert status == 200
    assert json.loads(body)["path"] == "/plain/get"
    assert origin.count("/plain/get") == 1


def test_post_body_is_forwarded(node: NodeProcess, origin: OriginServer) -> None:
    status, _, body = ask(node, "POST", "/plain/post", body=b"name=edge")

    assert status == 200
    assert json.loads(body) | {"origin": "x"} == {
        "origin": "x",
        "method": "POST",
        "path": "/plain/post",
        "body": "name=edge",
    }


@pytest.mark.parametrize("method", ["PURGE", "MKCOL", "PATCH"])
def test_extension_methods_are_forwarded(node: NodeProcess, method: str) -> None:
    status, _, body = ask(node, method, f"/plain/{method.lower()}", body=b"x")

    assert status == 200
    assert json.loads(body)["method"] == method


def test_cacheable_response_is_a_miss_then_a_hit(node: NodeProcess, origin: OriginServer) -> None:
    first = ask(node, "GET", "/cached/one")
    second = ask(node, "GET", "/cached/one")

    assert first[1]["x-cache"].startswith("Miss")
    assert second[1]["x-cache"].startswith("Hit")
    assert second[2] == first[2] == b"origin-a /cached/one"
    assert origin.count("/cached/one") == 1


def test_no_store_response_goes_to_the_origin_every_time(
    node: NodeProcess, origin: OriginServer
) -> None:
    for _ in range(3):
        assert ask(node, "GET", "/plain/fresh")[0] == 200

    assert origin.count("/plain/fresh") == 3


def test_stats_path_reports_counters_and_is_not_forwarded(
    node: NodeProcess, origin: OriginServer
) -> None:
    ask(node, "GET", "/plain/counted")

    status, headers, body = ask(node, "GET", "/.edgeworks/stats")

    counters = json.loads(body)["counters"]
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert counters["requests"] >= 1
    assert counters["status_2xx"] >= 1
    assert origin.count("/.edgeworks/stats") == 0


def test_access_log_has_one_parseable_line_per_request(
    origin: OriginServer, tmp_path: Path
) -> None:
    with running_node(["--origin", origin.url, "--workers", "1"], tmp_path) as node:
        ask(node, "GET", "/cached/logged?q=1")
        ask(node, "GET", "/cached/logged?q=1")
        ask(node, "DELETE", "/plain/logged")
        node.signal(signal.SIGTERM)  # the drain flushes the log
        assert node.proc.wait(10) == 0

    records = parse_log(node.access_log.read_text())

    assert [(r.method, r.url, r.status) for r in records] == [
        ("GET", "/cached/logged?q=1", 200),
        ("GET", "/cached/logged?q=1", 200),
        ("DELETE", "/plain/logged", 200),
    ]
    assert [r.result for r in records[:2]] == ["Miss", "Hit"]
    assert records[0].origin_time is not None
    assert records[1].origin_time is None
    assert all(r.client == "127.0.0.1" and r.bytes_sent > 0 for r in records)


def test_refused_requests_are_logged_and_counted(origin: OriginServer, tmp_path: Path) -> None:
    with running_node(["--origin", origin.url, "--workers", "1"], tmp_path) as node:
        with socket.create_connection(("127.0.0.1", node.port), timeout=5) as sock:
            # Both Content-Length and Transfer-Encoding: the server answers 400 on its own.
            sock.sendall(
                b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            answer = sock.recv(4096)
        _, _, stats = ask(node, "GET", "/.edgeworks/stats")
        node.signal(signal.SIGTERM)  # the drain flushes the log
        assert node.proc.wait(10) == 0

    assert answer.startswith(b"HTTP/1.1 400 ")
    assert json.loads(stats)["counters"]["status_4xx"] == 1
    records = parse_log(node.access_log.read_text())
    assert [(r.client, r.status) for r in records] == [("127.0.0.1", 400)]


def test_stats_path_answers_head_without_a_body(node: NodeProcess) -> None:
    status, headers, body = ask(node, "HEAD", "/.edgeworks/stats")

    assert status == 200
    assert body == b""
    assert int(headers["content-length"]) > 0
    assert headers["cache-control"] == "no-store"


def test_response_without_caching_headers_is_not_kept(
    node: NodeProcess, origin: OriginServer
) -> None:
    # The one-liner's policy has DefaultTTL 0: silence from the origin means "do not keep".
    results = [ask(node, "GET", "/bare/page")[1]["x-cache"] for _ in range(2)]

    assert origin.count("/bare/page") == 2
    assert not any(result.startswith("Hit") for result in results)
