"""Request collapsing at the edge: concurrent misses for one cache key share one origin fetch.

The first GET miss for a key becomes the filler and goes to the origin; the misses that arrive
while it is under way follow it and stream the same bytes (CloudFront collapses per cache key
at each edge). Only a response that the cache will store, with a declared length within the
collapser's buffer and without ``Vary`` (whose variants the key does not tell apart), is
shared; for anything else the followers are released at once and go to the origin themselves.

Followers of a fetch that turns out not to be shareable have waited one origin round trip for
nothing. So a key whose response was not shareable is marked for :data:`PASS_SECONDS`, and its
misses go straight to the origin meanwhile (:class:`PassMarks`).
"""

from __future__ import annotations

from edgeworks.cache.storage import Collapser, FillError
from edgeworks.cache.storage.collapse import Follower
from edgeworks.edge.compress import MAX_SIZE as COMPRESS_MAX_SIZE
from edgeworks.http.headers import Headers, get
from edgeworks.http.response import Response
from edgeworks.origin import OriginResponse

PASS_SECONDS = 10.0
_PASS_CAPACITY = 10000

# What the filler shares: status, reason, viewer fields without X-Cache, body length.
SharedHead = tuple[int, bytes, Headers, int | None]


def shared_head(  # noqa: PLR0917 - the relay's own values, in its order
    collapser: Collapser[SharedHead],
    answer: OriginResponse,
    fields: Headers,
    storing: bool,
    length: int | None,
    coding: str | None,
) -> SharedHead | None:
    """Return the head to share with followers, or None when the response is not shareable.

    ``length`` is the body length the viewers get; None for a body the edge compresses, whose
    length is known only at its end but bounded by the edge's compression limit.
    """
    bound = answer.content_length if coding is None else length or COMPRESS_MAX_SIZE
    if not storing or bound is None or bound > collapser.max_buffer_bytes:
        return None
    if get(answer.headers, b"vary") is not None:
        return None
    return answer.status, answer.reason, fields, length


async def follow(follower: Follower[SharedHead], response: Response, x_cache: bytes) -> bool:
    """Answer from another request's fill; False when the viewer must go to the origin.

    Raises:
        ConnectionAbortedError: The fill failed after its head was sent on; the viewer's
            response is cut short.
    """
    head = await follower.head()
    if head is None:
        return False
    status, reason, fields, length = head
    response.write_head(status, reason, [*fields, (b"x-cache", x_cache)], length)
    try:
        async for chunk in follower.body():
            await response.write(chunk)
    except FillError as exc:
        raise ConnectionAbortedError(f"shared fill failed: {exc}") from exc
    response.end()
    return True


class PassMarks:
    """Keys whose last response could not be shared, each until a deadline."""

    def __init__(self) -> None:
        self._until: dict[bytes, float] = {}

    def marked(self, key: bytes, now: float) -> bool:
        """Whether misses for ``key`` should skip collapsing at ``now``."""
        until = self._until.get(key)
        if until is None:
            return False
        if now < until:
            return True
        del self._until[key]
        return False

    def mark(self, key: bytes, now: float) -> None:
        """Let misses for ``key`` go straight to the origin for a while."""
        if len(self._until) >= _PASS_CAPACITY:
            self._until.clear()  # a flood of distinct keys: start over rather than track age
        self._until[key] = now + PASS_SECONDS
