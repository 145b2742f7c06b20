"""Relayed requests (``edgeworks.edge.relay``) in flight through SIGTERM and SIGHUP.

A bodiless DELETE with an origin connection waiting in the pool is relayed from callbacks; these
tests hold one at the origin while the node drains or reloads.
"""

from __future__ import annotations

import http.client
import json
import signal
import threading
from pathlib import Path

from .harness import running_node, running_origin, wait_for
from .test_node_signals import config_for, origin_of


def _slow_delete(port: int, answers: list[tuple[int, bytes]]) -> threading.Thread:
    def send() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        conn.request("DELETE", "/slow?ms=1500")
        response = conn.getresponse()
        answers.append((response.status, response.read()))
        conn.close()

    viewer = threading.Thread(target=send)
    viewer.start()
    return viewer


def test_sigterm_lets_a_relayed_request_finish(tmp_path: Path) -> None:
    with (
        running_origin() as origin,
        running_node(["--origin", origin.url, "--workers", "1"], tmp_path) as node,
    ):
        origin_of(http.client.HTTPConnection("127.0.0.1", node.port, timeout=10))
        answers: list[tuple[int, bytes]] = []
        viewer = _slow_delete(node.port, answers)
        wait_for(lambda: origin.count("/slow") == 1, what="slow request at the origin")
        node.signal(signal.SIGTERM)
        viewer.join(20)
        assert node.proc.wait(20) == 0

    assert [status for status, _ in answers] == [200]
    assert json.loads(answers[0][1])["method"] == "DELETE"


def test_sighup_lets_a_relayed_request_finish_on_the_old_origin(tmp_path: Path) -> None:
    config = tmp_path / "distribution.json"
    with running_origin("origin-a") as first, running_origin("origin-b") as second:
        config.write_text(config_for(first, tmp_path / "access.log"))
        with running_node(["--config", str(config), "--workers", "1"], tmp_path) as node:
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
            assert origin_of(conn) == "origin-a"
            answers: list[tuple[int, bytes]] = []
            viewer = _slow_delete(node.port, answers)
            wait_for(lambda: first.count("/slow") == 1, what="slow request at origin-a")

            config.write_text(config_for(second, tmp_path / "access.log"))
            node.signal(signal.SIGHUP)
            wait_for(lambda: origin_of(conn) == "origin-b", what="reload to origin-b")
            viewer.join(20)
            conn.close()

    assert [status for status, _ in answers] == [200]
    assert json.loads(answers[0][1])["origin"] == "origin-a"
