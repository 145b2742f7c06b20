"""Request collapsing: one origin request for many concurrent misses, bounded waits, release."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from storage_support import BODY, SlowOrigin, origin_get, run

from edgeworks.cache.storage import Collapser, Filler, FillError, Follower, StorageError


async def fetch(collapser: Collapser[bytes], key: bytes, port: int) -> tuple[bytes, bytes]:
    """What a cache miss does: fill (sharing what arrives) or follow, falling back if told."""
    role = collapser.join(key)
    if isinstance(role, Follower):
        head = await role.head()
        if head is not None:
            return head, b"".join([piece async for piece in role.body()])
        return await direct(port)
    with role:
        return await fill(role, port)


async def fill(role: Filler[bytes], port: int) -> tuple[bytes, bytes]:
    pieces = origin_get(port)
    status = await anext(pieces)
    shareable = b" 200 " in status
    if shareable:
        role.publish_head(status)
    else:
        role.uncacheable()
    body = bytearray()
    async for piece in pieces:
        body += piece
        if shareable:
            role.publish(piece)
    role.finish()
    return status, bytes(body)


async def direct(port: int) -> tuple[bytes, bytes]:
    pieces = origin_get(port)
    status = await anext(pieces)
    return status, b"".join([piece async for piece in pieces])


@run
async def test_200_concurrent_misses_make_one_origin_request_and_get_identical_bytes() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=10)
    async with SlowOrigin() as origin:
        results = await asyncio.gather(*(fetch(collapser, b"k", origin.port) for _ in range(200)))

    assert origin.requests == 1
    assert {result for result in results} == {(b"HTTP/1.1 200 OK", BODY)}
    assert (collapser.stats.fills, collapser.stats.followers) == (1, 199)
    assert len(collapser) == 0


@run
async def test_late_joiners_get_the_full_body_from_its_first_byte() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=10)
    async with SlowOrigin() as origin:
        origin.resume.clear()
        first = asyncio.create_task(fetch(collapser, b"k", origin.port))
        await origin.halfway.wait()
        await asyncio.sleep(0.05)  # let the first half reach the filler and be shared
        late = [asyncio.create_task(fetch(collapser, b"k", origin.port)) for _ in range(5)]
        await asyncio.sleep(0)
        origin.resume.set()
        results = await asyncio.gather(first, *late)

    assert origin.requests == 1
    assert all(body == BODY for _, body in results)
    assert collapser.stats.followers == 5


@run
async def test_joiner_after_chunks_were_shared_streams_them_all() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=10)
    filler = collapser.join(b"k")
    assert isinstance(filler, Filler)
    filler.publish_head(b"200")
    filler.publish(b"one ")
    filler.publish(b"two ")

    late = collapser.join(b"k")
    assert isinstance(late, Follower)
    reading = asyncio.create_task(collect(late))
    await asyncio.sleep(0)
    filler.publish(b"three")
    filler.finish()

    assert await late.head() == b"200"
    assert await reading == b"one two three"


@run
async def test_uncacheable_response_releases_every_waiter_at_once() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=60)
    filler = collapser.join(b"k")
    followers = [collapser.join(b"k") for _ in range(50)]
    heads = [asyncio.create_task(f.head()) for f in followers if isinstance(f, Follower)]
    await asyncio.sleep(0)
    assert isinstance(filler, Filler)

    filler.uncacheable()
    done, pending = await asyncio.wait(heads, timeout=5)

    assert not pending
    assert [task.result() for task in done] == [None] * 50
    assert collapser.stats.fallbacks == 50
    assert collapser.join(b"k").is_filler


@run
async def test_uncacheable_origin_answer_sends_each_waiter_to_the_origin() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=60)
    async with SlowOrigin(status=500) as origin:
        results = await asyncio.gather(*(fetch(collapser, b"k", origin.port) for _ in range(10)))

    assert origin.requests == 10
    assert all(body == BODY for _, body in results)


@run
async def test_failing_filler_lets_waiters_fall_back_to_the_origin() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=60)
    filler = collapser.join(b"k")
    assert isinstance(filler, Filler)
    async with SlowOrigin() as origin:
        waiters = [asyncio.create_task(fetch(collapser, b"k", origin.port)) for _ in range(5)]
        await asyncio.sleep(0.01)
        with pytest.raises(ConnectionRefusedError), filler:
            raise ConnectionRefusedError("origin down")
        results = await asyncio.wait_for(asyncio.gather(*waiters), timeout=10)

    assert origin.requests == 5
    assert all(body == BODY for _, body in results)


@run
async def test_filler_failing_after_the_head_makes_followers_abort() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=60)
    filler = collapser.join(b"k")
    follower = collapser.join(b"k")
    assert isinstance(filler, Filler) and isinstance(follower, Follower)
    filler.publish_head(b"200")
    filler.publish(b"part")

    received = []
    filler.fail("origin reset the connection")
    assert await follower.head() == b"200"
    with pytest.raises(FillError, match="origin reset"):
        async for piece in follower.body():
            received.append(piece)
    assert received == [b"part"]


@run
async def test_filler_leaving_mid_body_without_finishing_fails_the_fill() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=60)
    filler = collapser.join(b"k")
    follower = collapser.join(b"k")
    assert isinstance(filler, Filler) and isinstance(follower, Follower)
    with filler:
        filler.publish_head(b"200")

    with pytest.raises(FillError, match="without finishing"):
        _ = [piece async for piece in follower.body()]


@run
async def test_wait_for_the_head_is_bounded() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=0.2)
    filler = collapser.join(b"k")
    follower = collapser.join(b"k")
    assert isinstance(follower, Follower)

    assert await asyncio.wait_for(follower.head(), timeout=5) is None
    assert collapser.stats.fallbacks == 1
    assert isinstance(filler, Filler)


@run
async def test_stalled_body_raises_after_the_bounded_wait() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=0.2)
    filler = collapser.join(b"k")
    follower = collapser.join(b"k")
    assert isinstance(filler, Filler) and isinstance(follower, Follower)
    filler.publish_head(b"200")
    filler.publish(b"first")

    with pytest.raises(FillError, match="no data"):
        await asyncio.wait_for(collect(follower), timeout=5)
    filler.publish(b"late, for the filler's own viewer only")
    filler.finish()
    assert collapser.join(b"k").is_filler


@run
async def test_body_without_a_head_waits_for_it_and_is_bounded_too() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=0.2)
    filler = collapser.join(b"k")
    follower = collapser.join(b"k")
    assert isinstance(filler, Filler) and isinstance(follower, Follower)

    with pytest.raises(FillError, match="no head"):
        await asyncio.wait_for(collect(follower), timeout=5)


async def collect(follower: Follower[bytes]) -> bytes:
    return b"".join([piece async for piece in follower.body()])


@run
async def test_fill_past_the_buffer_limit_admits_no_new_followers() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=5, max_buffer_bytes=10)
    filler = collapser.join(b"k")
    early = collapser.join(b"k")
    assert isinstance(filler, Filler) and isinstance(early, Follower)
    filler.publish_head(b"200")
    filler.publish(b"0123456789abc")

    assert collapser.join(b"k").is_filler
    filler.publish(b"rest")
    filler.finish()
    assert await collect(early) == b"0123456789abcrest"


@run
async def test_misuse_of_a_filler_is_refused() -> None:
    collapser: Collapser[bytes] = Collapser()
    filler = collapser.join(b"k")
    assert isinstance(filler, Filler)

    with pytest.raises(RuntimeError, match="chunk published"):
        filler.publish(b"x")
    with pytest.raises(ValueError, match="must not be None"):
        filler.publish_head(None)  # type: ignore[arg-type]
    filler.publish_head(b"200")
    with pytest.raises(RuntimeError, match="head published in state streaming"):
        filler.publish_head(b"200")
    with pytest.raises(StorageError, match="wait_timeout must be positive, got 0"):
        Collapser(wait_timeout=0)
    with pytest.raises(StorageError, match="max_buffer_bytes must be a positive integer, got -1"):
        Collapser(max_buffer_bytes=-1)


@run
async def test_cancelled_filler_releases_its_followers() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=60)
    started = asyncio.Event()

    async def filler_task() -> None:
        role = collapser.join(b"k")
        with role:
            started.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(filler_task())
    await started.wait()
    follower = collapser.join(b"k")
    assert isinstance(follower, Follower)
    waiting = asyncio.create_task(follower.head())
    await asyncio.sleep(0)

    task.cancel()
    done, _ = await asyncio.wait([waiting], timeout=5)

    assert done and waiting.result() is None
    assert collapser.join(b"k").is_filler


@settings(max_examples=100, deadline=None)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("join"), st.integers(0, 3)),
            st.tuples(st.just("chunk"), st.binary(min_size=1, max_size=8)),
            st.tuples(st.just("burst"), st.integers(1, 40)),  # that many chunks at once
            st.tuples(st.sampled_from(["finish", "fail", "uncacheable", "tick"]), st.none()),
        ),
        max_size=60,
    ),
    buffer_limit=st.sampled_from([4, 64 << 20]),
)
def test_every_follower_gets_the_whole_body_a_fallback_or_an_error(
    steps: list[tuple[str, object]], buffer_limit: int
) -> None:
    asyncio.run(asyncio.wait_for(play(steps, buffer_limit), timeout=30))


async def play(steps: list[tuple[str, object]], buffer_limit: int) -> None:
    # One filler, its head out at once; followers join at random points of the body. The model:
    # chunks count until the fill ends; it ends done (every follower gets every chunk, from the
    # first) or failed (every follower gets an error).
    collapser: Collapser[bytes] = Collapser(wait_timeout=5, max_buffer_bytes=buffer_limit)
    filler = collapser.join(b"k")
    assert isinstance(filler, Filler)
    filler.publish_head(b"200")
    published = bytearray()
    ended: str | None = None
    readers: list[asyncio.Task[bytes | str]] = []
    for action, value in steps:
        if action == "join":
            role = collapser.join(b"k")
            if isinstance(role, Follower):
                readers.append(asyncio.create_task(read_all(role)))
            else:
                role.uncacheable()  # a fresh fill after the first one left the registry
        elif action == "chunk" and isinstance(value, bytes):
            filler.publish(value)
            published += value if ended is None else b""
        elif action == "burst" and isinstance(value, int):
            for index in range(value):
                filler.publish(b"%d," % index)
                published += b"%d," % index if ended is None else b""
        elif action == "tick":
            await asyncio.sleep(0)
        elif action == "finish":
            filler.finish()
            ended = ended or "done"
        elif action == "fail":
            filler.fail("test failure")
            ended = ended or "failed"
        elif action == "uncacheable":
            filler.uncacheable()
    filler.finish()
    expected = "error" if ended == "failed" else bytes(published)

    assert await asyncio.gather(*readers) == [expected] * len(readers)


async def read_all(follower: Follower[bytes]) -> bytes | str:
    if await follower.head() != b"200":
        return "no head"
    try:
        return b"".join([piece async for piece in follower.body()])
    except FillError:
        return "error"


@run
async def test_closed_fill_drops_what_every_follower_has_read() -> None:
    collapser: Collapser[bytes] = Collapser(wait_timeout=10, max_buffer_bytes=1 << 20)
    filler = collapser.join(b"k")
    followers = [collapser.join(b"k") for _ in range(3)]
    assert isinstance(filler, Filler)
    readers = [asyncio.create_task(count(f)) for f in followers if isinstance(f, Follower)]
    filler.publish_head(b"200")
    tracemalloc.start()

    for _ in range(400):  # 25 MiB in all, far past the buffer limit
        filler.publish(bytes(64 * 1024))
        await asyncio.sleep(0)  # the followers keep up
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    filler.finish()

    assert await asyncio.gather(*readers) == [400 * 64 * 1024] * 3
    assert peak < 8 << 20, f"{peak} bytes held at the peak"


async def count(follower: Follower[bytes]) -> int:
    await follower.head()
    return sum([len(piece) async for piece in follower.body()])
