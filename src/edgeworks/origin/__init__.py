"""The origin client: keep-alive connection pools to the origins behind a node.

``OriginClient.request`` sends one request to an origin and returns an ``OriginResponse`` as
soon as its head has arrived; the body streams after it. Failures raise ``OriginError`` (502)
or ``OriginTimeout`` (504), each carrying the status and a short reason for the viewer.

The modules, from the pure core outwards:

- ``framing``: request heads and response framing as pure functions (no socket).
- ``errors``: the error tree and what each error means to a viewer.
- ``body``: the streaming response body and its flow-control watermarks.
- ``connection``: one connection, one exchange at a time, over httptools' parser.
- ``pool``: the bounded keep-alive pool of one origin (LIFO reuse, waiters, expiry).
- ``client``: the boundary callers use: prefix, custom headers, retries, logging.
"""

from edgeworks.origin.body import OriginResponse
from edgeworks.origin.client import OriginClient
from edgeworks.origin.errors import OriginError, OriginTimeout
from edgeworks.origin.pool import PoolStats

__all__ = ["OriginClient", "OriginError", "OriginResponse", "OriginTimeout", "PoolStats"]
