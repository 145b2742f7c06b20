"""The streaming body: order, errors after buffered bytes, and the flow-control watermarks."""

from __future__ import annotations

import asyncio

import pytest

from edgeworks.origin.body import HIGH_WATER, LOW_WATER, OriginResponse, ResponseBody
from edgeworks.origin.errors import OriginError
from origin.servers import run


class Recorder:
    """The connection side of a body, reduced to a log of what the body asked of it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def pause_body(self) -> None:
        self.calls.append("pause")

    def resume_body(self) -> None:
        self.calls.append("resume")

    def abandon(self) -> None:
        self.calls.append("abandon")


def test_chunks_arrive_in_order_and_the_end_stops_iteration() -> None:
    async def scenario() -> list[bytes]:
        body = ResponseBody(Recorder())
        loop = asyncio.get_running_loop()
        loop.call_soon(body.feed, b"a")
        loop.call_soon(body.feed, b"b")
        loop.call_soon(body.finish)
        return [chunk async for chunk in body]

    assert run(scenario()) == [b"a", b"b"]


def test_an_error_comes_after_the_bytes_already_received() -> None:
    async def scenario() -> list[bytes]:
        body = ResponseBody(Recorder())
        body.feed(b"partial")
        body.fail(OriginError("origin closed the connection"))
        seen = []
        with pytest.raises(OriginError, match="closed"):
            async for chunk in body:
                seen.append(chunk)
        return seen

    assert run(scenario()) == [b"partial"]


def test_reading_pauses_above_the_high_mark_and_resumes_at_the_low_mark() -> None:
    async def scenario() -> list[str]:
        reader = Recorder()
        body = ResponseBody(reader)
        piece = b"x" * (64 << 10)
        for _ in range(HIGH_WATER // len(piece) + 1):
            body.feed(piece)
        assert reader.calls[-1:] == ["pause"]
        drained = 0
        while "resume" not in reader.calls:
            drained += len(await anext(body))
        assert HIGH_WATER + len(piece) - drained <= LOW_WATER
        return reader.calls

    calls = run(scenario())
    assert calls.index("pause") < calls.index("resume")


@pytest.mark.parametrize(("finished", "expected"), [(False, ["abandon"]), (True, [])])
def test_abandon_closes_the_connection_only_while_bytes_are_still_due(
    finished: bool, expected: list[str]
) -> None:
    async def scenario() -> list[str]:
        reader = Recorder()
        body = ResponseBody(reader)
        body.feed(b"some")
        if finished:
            body.finish()
        await OriginResponse(200, b"OK", [], None, body).aclose()
        return reader.calls

    assert run(scenario()) == expected


def test_a_bodiless_response_reads_as_empty() -> None:
    resp = OriginResponse(204, b"No Content", [], None, ResponseBody(None))
    assert run(resp.read()) == b""
