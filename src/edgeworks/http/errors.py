"""Errors of the viewer-facing HTTP server.

Tree::

    EdgeworksError
    └── HTTPError    a viewer request is malformed or over a limit; carries the status

The server answers an ``HTTPError`` with its status and a short reason body, then closes the
connection, because after a framing error the next request's start cannot be trusted.
"""

from __future__ import annotations

from edgeworks.errors import EdgeworksError


class HTTPError(EdgeworksError):
    """A request the server refuses, with the status to send and a short reason.

    Args:
        status: The status code to answer with (4xx or 5xx).
        reason: One line for the viewer that names the offending field or value.
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason
