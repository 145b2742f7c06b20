"""The origin client: keep-alive connection pools to the origins behind a node.

``OriginClient.request`` sends one request to an origin and returns an ``OriginResponse``
whose body streams. Failures raise ``OriginError`` (502) or ``OriginTimeout`` (504), each
carrying the status and a short reason for the viewer.
"""

from edgeworks.origin.body import OriginResponse
from edgeworks.origin.client import OriginClient
from edgeworks.origin.errors import OriginError, OriginTimeout
from edgeworks.origin.pool import PoolStats

__all__ = ["OriginClient", "OriginError", "OriginResponse", "OriginTimeout", "PoolStats"]
