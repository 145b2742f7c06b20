"""Errors of the origin client.

The tree, rooted at :class:`edgeworks.errors.EdgeworksError`::

    OriginError                   502: refused, reset, closed early or a malformed response
     ├── StaleConnectionError     502: a pooled connection was found closed (retried once)
     └── OriginTimeout            504: connect or read timed out, or no connection in time
          └── FirstByteTimeoutError  504: not one byte of the response came (GET/HEAD retried)

Each carries the ``status`` the edge answers with and a short ``reason`` fit for a viewer;
``detail`` holds what an operator needs (address, parser message) and goes to the log only;
``kind`` names the fault in the words of CloudFront's access log field
x-edge-detailed-result-type:

    OriginConnectError          refused, unreachable, connect timeout, TLS handshake failed
    OriginDnsError              the origin's host name did not resolve
    OriginReadError             closed, reset or silent while the response was due
    OriginInvalidResponseError  the response broke HTTP/1.1 framing or syntax
    OriginHeaderTooBigError     the response head passed its bound
    OriginError                 anything else (unknown origin, client closed, pool busy)
"""

from __future__ import annotations

from edgeworks.errors import EdgeworksError


class OriginError(EdgeworksError):
    """An origin could not be reached or answered badly.

    Attributes:
        status: The status the edge sends to the viewer (502 unless a subclass says otherwise).
        reason: A short phrase for the viewer, free of addresses and internals.
        detail: What went wrong in full, for the log.
        kind: The fault's name for the access log (see the module docstring).
    """

    default_status = 502
    default_kind = "OriginError"

    def __init__(
        self, reason: str, detail: str = "", status: int | None = None, kind: str | None = None
    ) -> None:
        self.status = self.default_status if status is None else status
        self.reason = reason
        self.detail = detail
        self.kind = self.default_kind if kind is None else kind
        super().__init__(f"{reason} ({detail})" if detail else reason)


class OriginTimeout(OriginError):  # noqa: N818 (the name the contract fixes)
    """An origin did not connect or answer in time (504)."""

    default_status = 504
    default_kind = "OriginReadError"


class StaleConnectionError(OriginError):
    """A pooled connection was closed by the origin before any response byte arrived.

    The client retries an idempotent request once on a fresh connection when it meets this; a
    caller sees it only when no retry was allowed, as an ordinary 502.
    """

    default_kind = "OriginReadError"


class FirstByteTimeoutError(OriginTimeout):
    """The origin sent not one byte of its response within the read timeout.

    CloudFront's origin response timeout: a GET or HEAD is then tried again on a new
    connection, up to ConnectionAttempts tries in all; a caller sees it as an ordinary 504.
    """
