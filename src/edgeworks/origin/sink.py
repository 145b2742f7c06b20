"""Callback mode of an origin exchange: the response is pushed to a sink, nothing is awaited.

``OriginClient.request`` hands its caller an :class:`~edgeworks.origin.body.OriginResponse`
through a future and streams the body through an async iterator: each request costs a task on
the caller's side and an await per step. A caller that can act on each event as it happens,
such as the edge's pass-through relay, instead calls :meth:`OriginClient.start` with a
:class:`ResponseSink`: the connection's parser callbacks then call the sink directly, on the
event loop, as the origin's bytes arrive.

The order of calls is fixed: any number of ``on_interim``, then ``on_head``, any number of
``on_body``, and ``on_end``; or, for a response whose head and body arrived together,
``on_response`` alone; or ``on_error`` at any point, which ends the exchange (before
``on_head``: nothing of the response was seen; after it: the body is cut short). ``on_end``
and ``on_response`` come after the connection went back to its pool (or closed), so the
sink may start the next exchange from it. A sink that must stop the exchange early calls the
handle's ``abandon``.
"""

from __future__ import annotations

from typing import Protocol

from edgeworks.http.headers import Headers
from edgeworks.origin.errors import OriginError


class ResponseSink(Protocol):
    """Receives one origin response as events (see the module docstring for their order)."""

    def on_interim(self, status: int, headers: Headers) -> None:
        """A 1xx interim response other than 100, such as 103 Early Hints."""

    def on_head(self, status: int, reason: bytes, headers: Headers, length: int | None) -> None:
        """The final head: end-to-end fields only, and the declared Content-Length or None.

        The fields are the sink's to read, not to change: a connection hands the same list
        again for each repeat of an identical head (``OriginConnection``, known heads).

        For HEAD, 204 and 304 no body follows, whatever ``length`` says.
        """

    def on_response(
        self, status: int, reason: bytes, headers: Headers, length: int, body: bytes
    ) -> None:
        """The whole response at once, in place of ``on_head``, ``on_body`` and ``on_end``.

        Sent when the final head and all of its body arrived together; as with ``on_end``,
        the connection is already pooled again. ``length`` is the body's length.
        """

    def on_body(self, data: bytes) -> None:
        """A piece of the body, in order."""

    def on_end(self) -> None:
        """The response is complete; its connection is already pooled again or closed."""

    def on_error(self, error: OriginError) -> None:
        """The exchange failed; the connection is closed."""


class Control(Protocol):
    """What a sink may ask of the connection that feeds it."""

    def pause_body(self) -> None:
        """Stop reading from the origin (the consumer is behind); the read timeout waits."""

    def resume_body(self) -> None:
        """Read from the origin again."""

    def abandon(self) -> None:
        """Close the connection; no further event reaches the sink."""
