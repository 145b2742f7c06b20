"""Access log: the line format round-trips through the parser, and the writer buffers."""

from __future__ import annotations

import asyncio
import os
import select
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgeworks.edge import accesslog
from edgeworks.edge.accesslog import (
    FIELDS,
    HEADER,
    AccessLog,
    AccessLogError,
    format_line,
    parse_line,
    parse_log,
)

LINE_ARGS = {
    "client": "192.0.2.7",
    "method": b"GET",
    "host": b"cdn.example",
    "target": b"/img/a.png?size=2",
    "status": 200,
    "bytes_sent": 1234,
    "result": "Hit",
    "origin_time": None,
    "total_time": 0.0004,
}


def test_line_has_fixed_fields_and_parses_back() -> None:
    line = format_line(0.0, **LINE_ARGS).decode()

    record = parse_line(line)

    assert line.count("\t") == len(FIELDS) - 1
    assert (record.date, record.time) == ("1970-01-01", "00:00:00")
    assert record.client == "192.0.2.7"
    assert (record.method, record.host) == ("GET", "cdn.example")
    assert (record.path, record.query, record.url) == ("/img/a.png", "size=2", "/img/a.png?size=2")
    assert (record.status, record.bytes_sent, record.result) == (200, 1234, "Hit")
    assert record.origin_time is None
    assert record.total_time == 0.0


def test_origin_time_and_missing_query_and_host() -> None:
    args = {**LINE_ARGS, "target": "/a", "host": "", "origin_time": 0.25, "total_time": 0.3}

    record = parse_line(format_line(1.5e9, **args).decode())

    assert (record.query, record.host, record.url) == ("", "", "/a")
    assert record.origin_time == 0.25
    assert record.total_time == 0.3
    assert record.date == "2017-07-14"


def test_separators_and_non_ascii_are_percent_encoded() -> None:
    args = {**LINE_ARGS, "target": "/a b\tc/é", "host": b"h\x00st"}

    line = format_line(0.0, **args).decode()
    record = parse_line(line)

    assert record.path == "/a%20b%09c/%C3%A9"
    assert record.host == "h%00st"


@given(
    target=st.binary(max_size=60).map(lambda raw: b"/" + raw),
    host=st.binary(max_size=30),
    method=st.text(min_size=1, max_size=10),
    status=st.integers(min_value=100, max_value=999),
    sent=st.integers(min_value=0, max_value=1 << 40),
    origin=st.none() | st.floats(min_value=0, max_value=1e5),
)
def test_any_request_gives_one_parseable_line(
    target: bytes, host: bytes, method: str, status: int, sent: int, origin: float | None
) -> None:
    args = {**LINE_ARGS, "target": target, "host": host, "method": method, "status": status}
    args.update(bytes_sent=sent, origin_time=origin)

    line = format_line(1e9, **args).decode()
    record = parse_line(line)

    assert line.endswith("\n") and line.count("\n") == 1
    assert (record.status, record.bytes_sent) == (status, sent)
    assert (record.origin_time is None) == (origin is None)


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("a\tb\n", "expected 12"),
        ("\t".join(["x"] * 7 + ["OK"] + ["x"] * 4), "sc-status"),
        ("\t".join(["x"] * 7 + ["200", "lots"] + ["x"] * 3), "sc-bytes"),
        ("\t".join(["x"] * 7 + ["200", "1", "Hit", "-", "slow"]), "time-taken"),
    ],
)
def test_malformed_lines_name_the_field(line: str, named: str) -> None:
    with pytest.raises(AccessLogError, match=named):
        parse_line(line)


def test_file_log_buffers_then_flushes_with_one_header(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    log = AccessLog(str(path))
    log.record(**LINE_ARGS)

    assert path.read_text() == HEADER  # queued, not written yet
    log.close()
    again = AccessLog(str(path))
    again.record(**{**LINE_ARGS, "status": 404})
    again.close()

    text = path.read_text()
    assert text.count("#Fields:") == 1
    assert [record.status for record in parse_log(text)] == [200, 404]


def test_full_batch_is_written_without_waiting(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    log = AccessLog(str(path))
    for _ in range(accesslog.FLUSH_LINES):
        log.record(**LINE_ARGS)

    assert len(parse_log(path.read_text())) == accesslog.FLUSH_LINES
    log.close()


def test_timer_flushes_on_the_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accesslog, "FLUSH_INTERVAL", 0.01)
    path = tmp_path / "access.log"
    log = AccessLog(str(path))

    async def record_then_wait() -> None:
        log.start(asyncio.get_running_loop())
        log.record(**LINE_ARGS)
        for _ in range(100):
            await asyncio.sleep(0.01)
            if parse_log(path.read_text()):
                return

    asyncio.run(record_then_wait())
    log.close()
    assert len(parse_log(path.read_text())) == 1


def test_reopen_follows_a_rotated_file(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    log = AccessLog(str(path))
    log.record(**LINE_ARGS)
    path.rename(tmp_path / "access.log.1")

    log.reopen()
    log.record(**LINE_ARGS)
    log.close()

    assert len(parse_log((tmp_path / "access.log.1").read_text())) == 1
    assert len(parse_log(path.read_text())) == 1


def test_pipe_writes_are_bounded_and_file_writes_are_not(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    try:
        assert accesslog._atomic_write_size(write_end) == select.PIPE_BUF
    finally:
        os.close(read_end)
        os.close(write_end)
    with (tmp_path / "log").open("wb") as file:
        assert accesslog._atomic_write_size(file.fileno()) is None


def test_batches_split_at_line_ends_under_the_limit() -> None:
    lines = [b"a" * 40 + b"\n"] * 10 + [b"b" * 300 + b"\n"]

    batches = accesslog._batches(lines, 100)

    assert b"".join(batches) == b"".join(lines)
    assert all(len(batch) <= 100 for batch in batches[:-1])
    assert all(batch.endswith(b"\n") for batch in batches)
    assert accesslog._batches(lines, None) == [b"".join(lines)]


def test_failing_write_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = AccessLog(str(tmp_path / "access.log"))
    log.record(**LINE_ARGS)
    os.close(log._fd)  # the disk goes away under the log
    log._fd = os.open(str(tmp_path / "access.log"), os.O_RDONLY)

    log.flush()

    assert "write failed" in caplog.text
    assert str(tmp_path / "access.log") in caplog.text
    log.close()


@given(
    lines=st.lists(st.binary(min_size=0, max_size=300).map(lambda raw: raw + b"\n"), max_size=40),
    limit=st.integers(min_value=1, max_value=1000),
)
def test_batches_keep_every_byte_and_the_limit(lines: list[bytes], limit: int) -> None:
    batches = accesslog._batches(lines, limit)

    assert b"".join(batches) == b"".join(lines)
    assert all(len(batch) <= limit or batch in lines for batch in batches)
