"""The Step Functions API as an application of the project's HTTP/1.1 server.

The server parses and checks the request; this adapter reads the JSON body (at most
:data:`MAX_BODY` bytes), hands the exchange to the :class:`Dispatcher` and writes its answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from edgeworks.http.server import Request, Response
from edgeworks.states.api.protocol import Dispatcher, Exchange

# The largest Definition the service accepts is 1 MiB; leave room for the JSON around it.
MAX_BODY = 4 * 1024 * 1024
_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 500: b"Internal Server Error"}


class StatesApp:
    """Answers every request through the dispatcher; nothing is answered from memory."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    def respond_now(self, request: Request) -> Sequence[bytes] | None:
        """Never answer synchronously: every operation needs the dispatcher."""
        return None

    async def handle(self, request: Request, response: Response) -> None:
        """Read the body, dispatch, and write the JSON answer."""
        body = await request.body.read(MAX_BODY)
        exchange = Exchange(request.method, request.path.decode("latin-1"), request.headers, body)
        status, headers, payload = await self._dispatcher(exchange)
        response.write_head(status, _REASONS.get(status, b"Error"), headers, len(payload))
        await response.write(payload)
        response.end()
