"""Invalidations passed between workers over real Unix datagram sockets."""

from __future__ import annotations

import asyncio

import pytest

from edgeworks.edge.siblings import MAX_MESSAGE, Invalidation, Siblings


def _done(path: bytes = b"/a") -> Invalidation:
    fields = [(b"location", b"/b"), (b"content-location", b"/c"), (b"etag", b'"x"')]
    return Invalidation.of("PUT", 201, b"example.com", path, fields, origin_host=b"o:80")


def test_an_invalidation_survives_the_wire_with_only_the_fields_it_needs() -> None:
    done = _done()
    assert done.fields == [(b"location", b"/b"), (b"content-location", b"/c")]
    assert Invalidation.decode(done.encode()) == done
    odd = Invalidation.of("DELETE", 204, b"h\xe9", b"/\xff", [], origin_host=None)
    assert Invalidation.decode(odd.encode()) == odd


@pytest.mark.parametrize("garbage", [b"", b"{}", b"[1,2]", b"not json", b'["a",1,2,3,4,5]'])
def test_garbage_is_refused_with_a_value_error(garbage: bytes) -> None:
    with pytest.raises(ValueError, match="not an invalidation message"):
        Invalidation.decode(garbage)


def test_every_other_worker_hears_and_the_sender_does_not() -> None:
    siblings = Siblings(3)
    heard: dict[int, list[Invalidation]] = {0: [], 1: [], 2: []}

    async def run() -> None:
        loop = asyncio.get_running_loop()
        links = [siblings.link(index) for index in range(3)]
        for index, link in enumerate(links):
            link.listen(loop, heard[index].append)
        links[1].tell(_done(b"/one"))
        links[2].tell(_done(b"/two"))
        for _ in range(100):
            if len(heard[0]) == 2 and heard[1] and heard[2]:
                break
            await asyncio.sleep(0.01)
        for link in links:
            link.close()

    asyncio.run(run())
    siblings.close()
    assert sorted(done.path for done in heard[0]) == [b"/one", b"/two"]
    assert [done.path for done in heard[1]] == [b"/two"]
    assert [done.path for done in heard[2]] == [b"/one"]


def test_a_message_past_the_limit_is_not_sent() -> None:
    siblings = Siblings(2)
    sender, receiver = siblings.link(0), siblings.link(1)
    huge = Invalidation.of(
        "PUT", 200, b"h", b"/", [(b"location", b"x" * MAX_MESSAGE)], origin_host=None
    )
    sender.tell(huge)
    sender.tell(_done(b"/small"))
    inbox = receiver._inbox
    assert Invalidation.decode(inbox.recv(MAX_MESSAGE + 1)).path == b"/small"
    with pytest.raises(BlockingIOError):
        inbox.recv(MAX_MESSAGE + 1)
    siblings.close()
    assert inbox.fileno() == -1
