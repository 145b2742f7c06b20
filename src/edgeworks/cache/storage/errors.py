"""Errors of the cache storage tiers.

Error tree::

    EdgeworksError
    └── StorageError           a tier could not do what was asked
        ├── CorruptObjectError      a stored file failed its length or checksum check
        └── FillError         the fill a follower was streaming stopped before its end
"""

from __future__ import annotations

from edgeworks.errors import EdgeworksError


class StorageError(EdgeworksError):
    """Root of the errors raised by the cache storage tiers."""


class CorruptObjectError(StorageError):
    """A stored object failed its check; the tier has already dropped it.

    Attributes:
        path: The file that failed.
        reason: What was wrong with it.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cache file {path!r} is corrupt: {reason}")
        self.path = path
        self.reason = reason


class FillError(StorageError):
    """The filler of a collapsed request failed or stalled after the head was shared.

    Attributes:
        key: The cache key of the fill.
        reason: Why the fill stopped.
    """

    def __init__(self, key: bytes, reason: str) -> None:
        super().__init__(f"fill for cache key {key[:80]!r} stopped: {reason}")
        self.key = key
        self.reason = reason


def check_sizes(part: str, **sizes: int | None) -> None:
    """Refuse sizes that cannot work, naming the part, the field and the value.

    Sizes given as None mean "use the default" and are skipped.

    Raises:
        StorageError: A size is not a positive integer.
    """
    for name, value in sizes.items():
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise StorageError(f"{part} cache {name} must be a positive integer, got {value!r}")
