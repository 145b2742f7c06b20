"""Where a node's distribution comes from, and how command-line options override it."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from edgeworks.config import ConfigError
from edgeworks.edge.source import NodeOptions, Source
from edgeworks.edge.worker import listening_socket


def write_config(tmp_path: Path, listen: str = "127.0.0.1:9000") -> str:
    path = tmp_path / "distribution.json"
    document = {
        "Origins": [{"Id": "main", "Url": "http://127.0.0.1:9"}],
        "DefaultCacheBehavior": {"TargetOriginId": "main"},
        "Edgeworks": {"Listen": listen, "AccessLog": "access.log"},
    }
    path.write_text(json.dumps(document))
    return str(path)


def test_config_file_settings_are_used_when_not_overridden(tmp_path: Path) -> None:
    source = Source(NodeOptions(config=write_config(tmp_path)), None)

    dist = source.load()

    assert (dist.listen_host, dist.listen_port) == ("127.0.0.1", 9000)
    assert dist.access_log == str(tmp_path / "access.log")
    assert source.current is None  # loading alone does not make it current


def test_listen_and_access_log_options_override_the_file(tmp_path: Path) -> None:
    options = NodeOptions(config=write_config(tmp_path), listen="[::1]:9100", access_log="off")

    dist = Source(options, None).load()

    assert (dist.listen_host, dist.listen_port) == ("::1", 9100)
    assert dist.access_log is None


def test_origin_option_gives_one_origin_on_the_default_address() -> None:
    dist = Source(NodeOptions(origin="http://127.0.0.1:8000"), "http://127.0.0.1:8000").load()

    assert [origin.port for origin in dist.origins.values()] == [8000]
    assert (dist.listen_host, dist.listen_port) == ("127.0.0.1", 8080)


@pytest.mark.parametrize("listen", ["8080", "host:", "host:99999", ":80x"])
def test_bad_listen_override_names_the_option(tmp_path: Path, listen: str) -> None:
    options = NodeOptions(config=write_config(tmp_path), listen=listen)

    with pytest.raises(ConfigError) as raised:
        Source(options, None).load()

    assert raised.value.problems[0].path == "--listen"
    assert raised.value.problems[0].value == listen


def test_validate_keeps_the_last_good_distribution(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_config(tmp_path)
    source = Source(NodeOptions(config=path), None)
    assert source.validate() is True
    good = source.current
    Path(path).write_text('{"Origins": []}')

    assert source.validate() is False
    assert source.current is good
    assert "DefaultCacheBehavior" in caplog.text


def test_validate_refuses_an_access_log_that_cannot_be_opened(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    options = NodeOptions(config=path, access_log=str(tmp_path / "no" / "dir" / "a.log"))

    assert Source(options, None).validate() is False


def test_taken_address_is_named_in_the_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]

        with pytest.raises(OSError, match=f"127.0.0.1:{port}"):
            listening_socket("127.0.0.1", port)


def test_two_sockets_share_a_port_with_reuseport() -> None:
    first = listening_socket("127.0.0.1", 0)
    try:
        second = listening_socket("127.0.0.1", first.getsockname()[1])
        second.close()
    finally:
        first.close()
