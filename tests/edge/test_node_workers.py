"""`--workers 2`: two processes on one port, a killed worker replaced, shared counters."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .harness import NodeProcess, running_node, running_origin, wait_for


def get_json(node: NodeProcess, path: str) -> dict[str, object]:
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 200
        document: dict[str, object] = json.loads(response.read())
        return document
    finally:
        conn.close()


def requests_counted(node: NodeProcess) -> int:
    counters = get_json(node, "/.edgeworks/stats")["counters"]
    assert isinstance(counters, dict)
    count: int = counters["requests"]
    return count


def test_two_workers_share_the_port_and_survive_a_killed_one(tmp_path: Path) -> None:
    with (
        running_origin() as origin,
        running_node(["--origin", origin.url, "--workers", "2"], tmp_path) as node,
    ):
        wait_for(lambda: len(node.children()) == 2, what="two workers")
        workers = node.children()

        answered_by = {get_json(node, "/.edgeworks/stats")["pid"] for _ in range(40)}
        os.kill(workers[0], signal.SIGKILL)
        wait_for(
            lambda: len(node.children()) == 2 and workers[0] not in node.children(),
            what="a replacement worker",
        )
        for _ in range(10):
            assert get_json(node, "/plain/after")["origin"] == "origin-a"
        # A request is counted just after its last byte leaves: poll rather than race it.
        wait_for(lambda: requests_counted(node) >= 10, what="ten requests counted")
        stats = get_json(node, "/.edgeworks/stats")

        node.signal(signal.SIGTERM)
        assert node.proc.wait(20) == 0

    assert answered_by <= set(workers)
    counters = stats["counters"]
    assert isinstance(counters, dict)
    assert counters["workers"] == 2
    assert "starting it again" in node.stderr()


def config_for(origin_url: str) -> str:
    return json.dumps(
        {
            "Origins": [{"Id": "main", "Url": origin_url}],
            "DefaultCacheBehavior": {"TargetOriginId": "main", "CachePolicyId": "CachingDisabled"},
        }
    )


def test_supervisor_checks_a_reload_then_every_worker_takes_it(tmp_path: Path) -> None:
    config = tmp_path / "distribution.json"
    with running_origin("origin-a") as first, running_origin("origin-b") as second:
        config.write_text(config_for(first.url))
        with running_node(["--config", str(config), "--workers", "2"], tmp_path) as node:
            wait_for(lambda: len(node.children()) == 2, what="two workers")

            config.write_text('{"Origins": "none"}')
            node.signal(signal.SIGHUP)
            wait_for(lambda: "refused" in node.stderr(), what="refusal logged")
            assert get_json(node, "/plain/x")["origin"] == "origin-a"

            config.write_text(config_for(second.url))
            node.signal(signal.SIGHUP)
            wait_for(
                lambda: node.stderr().count("configuration reloaded") == 2,
                what="both workers reloaded",
            )
            origins = {get_json(node, "/plain/x")["origin"] for _ in range(20)}

    assert origins == {"origin-b"}
    assert "Origins" in node.stderr()
    assert "Traceback" not in node.stderr()


def test_one_viewer_sees_a_hit_whichever_connection_it_opens(tmp_path: Path) -> None:
    with (
        running_origin() as origin,
        running_node(["--origin", origin.url, "--workers", "2"], tmp_path) as node,
    ):
        # Until both workers joined the port, the first one takes every connection.
        wait_for(lambda: node.stderr().count("edge listening") == 2, what="both listening")
        results = []
        for _ in range(6):  # a new connection each time, as successive curls would open
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
            conn.request("GET", "/cached/affinity")
            response = conn.getresponse()
            response.read()
            results.append(response.getheader("x-cache", ""))
            conn.close()

    assert results[0].startswith("Miss")
    assert all(result.startswith("Hit") for result in results[1:])
    assert origin.count("/cached/affinity") == 1


def test_sigterm_to_the_supervisor_lets_a_slow_request_finish(tmp_path: Path) -> None:
    with (
        running_origin() as origin,
        running_node(["--origin", origin.url, "--workers", "2"], tmp_path) as node,
    ):
        wait_for(lambda: node.stderr().count("edge listening") == 2, what="both listening")
        answers: list[int] = []

        def slow_request() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=20)
            conn.request("GET", "/slow?ms=1500")
            response = conn.getresponse()
            response.read()
            answers.append(response.status)

        viewer = threading.Thread(target=slow_request)
        viewer.start()
        wait_for(lambda: origin.count("/slow") == 1, what="slow request at the origin")
        workers = node.children()
        node.signal(signal.SIGTERM)
        viewer.join(20)

        assert node.proc.wait(20) == 0
    assert answers == [200]
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_port_zero_becomes_one_port_for_every_worker(tmp_path: Path) -> None:
    err = tmp_path / "stderr"
    command = [sys.executable, "-m", "edgeworks", "serve", "--origin", "http://127.0.0.1:9"]
    command += ["--listen", "127.0.0.1:0", "--workers", "2", "--access-log", "off"]
    with err.open("wb") as sink:
        proc = subprocess.Popen(command, stderr=sink)
    try:
        wait_for(lambda: err.read_text().count("edge listening") == 2, what="both listening")
        ports = set(re.findall(r"edge listening on 127\.0\.0\.1:(\d+)", err.read_text()))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    assert len(ports) == 1
    assert ports != {"0"}


def _get_from(node: NodeProcess, source: str, method: str, path: str) -> tuple[str, bytes]:
    conn = http.client.HTTPConnection(
        "127.0.0.1", node.port, timeout=10, source_address=(source, 0)
    )
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.getheader("x-cache", ""), response.read()
    finally:
        conn.close()


def test_an_invalidation_in_one_worker_reaches_the_other(tmp_path: Path) -> None:
    # RFC 9111 §4.4 binds the cache, not one process: a PUT relayed by one worker must remove
    # what the other worker stored for the URL.
    with (
        running_origin() as origin,
        running_node(["--origin", origin.url, "--workers", "2"], tmp_path) as node,
    ):
        wait_for(lambda: node.stderr().count("edge listening") == 2, what="both listening")
        # Viewers are kept on a worker by address (edgeworks.edge.steering): .1 and .2 differ.
        pids = {
            source: {json.loads(_get_from(node, source, "GET", "/.edgeworks/stats")[1])["pid"]}
            for source in ("127.0.0.1", "127.0.0.2")
        }
        assert pids["127.0.0.1"] != pids["127.0.0.2"]
        for source in ("127.0.0.1", "127.0.0.2"):
            assert _get_from(node, source, "GET", "/cached/shared")[0].startswith("Miss")
            assert _get_from(node, source, "GET", "/cached/shared")[0].startswith("Hit")
        assert origin.count("/cached/shared") == 2

        assert _get_from(node, "127.0.0.2", "PUT", "/cached/shared")[0].startswith("Miss")
        wait_for(
            lambda: _get_from(node, "127.0.0.1", "GET", "/cached/shared")[0].startswith("Miss"),
            what="the other worker's copy invalidated",
        )
