"""Errors of the cache facade.

Error tree::

    EdgeworksError
    ├── CacheError           the facade was asked for something it cannot do
    └── StorageError         a storage tier failed (``edgeworks.cache.storage``)

The cache never raises for what origins or viewers send: garbage in a header is read as the
RFC says (ignored, or "already stale"). A :class:`CacheError` means the caller used the facade
wrongly, and its message names the offending value.
"""

from __future__ import annotations

from edgeworks.errors import EdgeworksError


class CacheError(EdgeworksError):
    """The cache facade was called in a way it cannot serve."""
