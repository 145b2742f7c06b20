"""Signals on a real node: SIGTERM drains, SIGHUP reloads or refuses a configuration."""

from __future__ import annotations

import http.client
import json
import signal
import threading
from pathlib import Path

from edgeworks.edge.accesslog import parse_log

from .harness import OriginServer, running_node, running_origin, wait_for


def config_for(origin: OriginServer, log_path: Path) -> str:
    return json.dumps(
        {
            "Origins": [{"Id": "main", "Url": origin.url}],
            "DefaultCacheBehavior": {
                "TargetOriginId": "main",
                "CachePolicyId": "CachingDisabled",
                "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
            },
            "Edgeworks": {"AccessLog": str(log_path), "Limits": {"DrainTimeout": 10}},
        }
    )


def origin_of(conn: http.client.HTTPConnection, path: str = "/plain/which") -> str:
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200, (response.status, body)
    answer: str = json.loads(body)["origin"]
    return answer


def test_sigterm_finishes_a_slow_request_then_exits_zero(tmp_path: Path) -> None:
    with (
        running_origin() as origin,
        running_node(["--origin", origin.url, "--workers", "1"], tmp_path) as node,
    ):
        answers: list[tuple[int, bytes]] = []

        def slow_request() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=20)
            conn.request("GET", "/slow?ms=1500")
            response = conn.getresponse()
            answers.append((response.status, response.read()))

        viewer = threading.Thread(target=slow_request)
        viewer.start()
        wait_for(lambda: origin.count("/slow") == 1, what="slow request at the origin")
        node.signal(signal.SIGTERM)

        viewer.join(20)
        assert node.proc.wait(20) == 0

    assert len(answers) == 1
    assert answers[0][0] == 200
    assert json.loads(answers[0][1])["path"] == "/slow"


def test_sighup_switches_origin_on_the_same_connection(tmp_path: Path) -> None:
    config = tmp_path / "distribution.json"
    with running_origin("origin-a") as first, running_origin("origin-b") as second:
        config.write_text(config_for(first, tmp_path / "access.log"))
        with running_node(["--config", str(config), "--workers", "1"], tmp_path) as node:
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
            assert origin_of(conn) == "origin-a"
            viewer_end = conn.sock.getsockname()

            config.write_text(config_for(second, tmp_path / "access.log"))
            node.signal(signal.SIGHUP)
            wait_for(lambda: origin_of(conn) == "origin-b", what="reload to origin-b")

            assert conn.sock.getsockname() == viewer_end  # still the first connection
            conn.close()
    assert "configuration reloaded" in node.stderr()


def test_sighup_with_a_bad_config_keeps_the_old_one(tmp_path: Path) -> None:
    config = tmp_path / "distribution.json"
    with running_origin("origin-a") as origin:
        config.write_text(config_for(origin, tmp_path / "access.log"))
        with running_node(["--config", str(config), "--workers", "1"], tmp_path) as node:
            broken = json.loads(config_for(origin, tmp_path / "access.log"))
            broken["DefaultCacheBehavior"]["TargetOriginId"] = "nowhere"
            config.write_text(json.dumps(broken))

            node.signal(signal.SIGHUP)
            wait_for(lambda: "refused" in node.stderr(), what="refusal logged")

            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
            assert origin_of(conn) == "origin-a"
            conn.close()
            assert node.proc.poll() is None
    log = node.stderr()
    assert "DefaultCacheBehavior.TargetOriginId" in log
    assert "nowhere" in log
    assert "Traceback" not in log


def test_bad_config_at_start_exits_1_naming_the_field(tmp_path: Path) -> None:
    config = tmp_path / "distribution.yaml"
    config.write_text(
        "Origins: [{Id: main, Url: 'http://127.0.0.1:1'}]\n"
        "DefaultCacheBehavior: {TargetOriginId: main, CachePolicyId: NoSuchPolicy}\n"
        "Edgeworks: {Listen: 'nowhere'}\n"
    )
    with running_node(["--config", str(config)], tmp_path, ready=False) as node:
        assert node.proc.wait(20) == 1
    err = node.stderr()
    assert "DefaultCacheBehavior.CachePolicyId" in err
    assert "NoSuchPolicy" in err
    assert "Edgeworks.Listen" in err
    assert "Traceback" not in err


def test_reload_keeps_what_is_cached(tmp_path: Path) -> None:
    config = tmp_path / "distribution.json"
    with running_origin() as origin:
        document = json.loads(config_for(origin, tmp_path / "access.log"))
        del document["DefaultCacheBehavior"]["CachePolicyId"]  # follow the origin's headers
        config.write_text(json.dumps(document))
        with running_node(["--config", str(config), "--workers", "1"], tmp_path) as node:
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
            conn.request("GET", "/cached/kept")
            assert conn.getresponse().read() == b"origin-a /cached/kept"

            node.signal(signal.SIGHUP)
            wait_for(lambda: "configuration reloaded" in node.stderr(), what="reload")
            conn.request("GET", "/cached/kept")
            response = conn.getresponse()
            response.read()
            conn.close()

    assert response.getheader("x-cache", "").startswith("Hit")
    assert origin.count("/cached/kept") == 1


def test_reload_moves_the_access_log_and_refuses_one_it_cannot_open(tmp_path: Path) -> None:
    config = tmp_path / "distribution.json"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    with running_origin() as origin:
        config.write_text(config_for(origin, first_log))
        args = ["--config", str(config), "--workers", "1"]
        with running_node(args, tmp_path, own_log=False) as node:
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
            origin_of(conn, "/plain/one")

            config.write_text(config_for(origin, tmp_path / "missing" / "dir" / "x.log"))
            node.signal(signal.SIGHUP)
            wait_for(lambda: "refused" in node.stderr(), what="unopenable log refused")
            config.write_text(config_for(origin, second_log))
            node.signal(signal.SIGHUP)
            wait_for(lambda: "configuration reloaded" in node.stderr(), what="reload")
            origin_of(conn, "/plain/two")
            conn.close()
            node.signal(signal.SIGTERM)
            assert node.proc.wait(10) == 0

    assert [r.path for r in parse_log(first_log.read_text())] == ["/plain/one"]
    assert [r.path for r in parse_log(second_log.read_text())] == ["/plain/two"]
    assert "x.log" in node.stderr()
