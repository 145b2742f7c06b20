"""`edgeworks serve` from the command line: the demo, argument and address errors."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
from pathlib import Path

from conftest import free_port
from edgeworks.edge.accesslog import parse_log

from .harness import running_node, wait_for


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        conn.close()


def test_demo_prints_what_to_try_and_shows_a_miss_then_a_hit(tmp_path: Path) -> None:
    with running_node([], tmp_path) as node:
        in_process = node.children() == []  # one worker by default: one cache to hit
        first = get(node.port, "/api/catalog.json")
        second = get(node.port, "/api/catalog.json")
        never = [get(node.port, "/api/time")[1]["x-cache"] for _ in range(2)]
        image = get(node.port, "/images/logo.png")

    assert in_process
    assert f"curl -si http://127.0.0.1:{node.port}/api/catalog.json" in node.stdout()
    assert first[1]["x-cache"].startswith("Miss")
    assert second[1]["x-cache"].startswith("Hit")
    assert second[2] == first[2]
    assert not any(result.startswith("Hit") for result in never)
    assert image[1]["content-type"] == "image/png"
    assert image[2].startswith(b"\x89PNG")


def test_demo_streams_the_large_object(tmp_path: Path) -> None:
    with running_node(["--workers", "1"], tmp_path) as node:
        status, _, body = get(node.port, "/files/large.bin")

    pattern = bytes(range(251))
    assert status == 200
    assert len(body) == 16 << 20
    assert body[:502] == pattern * 2


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edgeworks", "serve", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_taken_address_exits_1_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = run_serve("--origin", "http://127.0.0.1:9", "--listen", f"127.0.0.1:{port}")

    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_origin_url_exits_1_naming_the_option() -> None:
    done = run_serve("--origin", "ftp://example", "--listen", f"127.0.0.1:{free_port()}")

    assert done.returncode == 1
    assert "--origin" in done.stderr
    assert "ftp://example" in done.stderr
    assert "Traceback" not in done.stderr


def test_zero_workers_is_refused_by_the_parser() -> None:
    done = run_serve("--workers", "0")

    assert done.returncode == 2
    assert "--workers" in done.stderr
    assert "'0'" in done.stderr


def test_missing_config_file_exits_1(tmp_path: Path) -> None:
    done = run_serve("--config", str(tmp_path / "absent.yaml"))

    assert done.returncode == 1
    assert "absent.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_demo_with_two_workers_runs_its_origin_in_a_third_child(tmp_path: Path) -> None:
    with running_node(["--workers", "2"], tmp_path) as node:
        wait_for(lambda: len(node.children()) == 3, what="two workers and the demo origin")
        statuses = {get(node.port, "/images/logo.png")[0] for _ in range(6)}
        missing = get(node.port, "/anything")

    assert statuses == {200}
    assert missing[0] == 404
    assert missing[2].startswith(b"no such demo object")


def test_unwritable_access_log_exits_1_before_any_worker(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "access.log"
    done = run_serve(
        "--origin",
        "http://127.0.0.1:9",
        "--listen",
        f"127.0.0.1:{free_port()}",
        "--workers",
        "2",
        "--access-log",
        str(target),
    )

    assert done.returncode == 1
    assert str(target) in done.stderr
    assert "Traceback" not in done.stderr


def test_log_level_warning_silences_info_lines(tmp_path: Path) -> None:
    with running_node(["--workers", "1", "--log-level", "warning"], tmp_path) as node:
        assert get(node.port, "/")[0] == 200
        node.signal(signal.SIGTERM)
        assert node.proc.wait(10) == 0

    assert "INFO" not in node.stderr()
    assert len(parse_log(node.access_log.read_text())) == 1  # the access log is apart
