"""Cache storage: a memory tier, a disk tier and request collapsing.

The tiers hold opaque keys (one per variant) mapped to opaque metadata plus a body; the cache
facade decides what the keys and metadata mean. Both tiers are bounded in bytes and evict by
S3-FIFO, which keeps a hot set through a one-pass scan of cold keys.

Error tree::

    EdgeworksError
    └── StorageError           a tier could not do what was asked
        ├── CorruptObjectError      a stored file failed its length or checksum check
        └── FillError         the fill a follower was streaming stopped before its end
"""

from edgeworks.cache.storage.collapse import Collapser, CollapseStats, Filler, Follower
from edgeworks.cache.storage.disk import DiskStats, DiskTier
from edgeworks.cache.storage.diskwriter import DiskWriter
from edgeworks.cache.storage.errors import CorruptObjectError, FillError, StorageError
from edgeworks.cache.storage.memory import ENTRY_OVERHEAD, MemoryTier
from edgeworks.cache.storage.objects import DiskObject, Stored, StoredObject
from edgeworks.cache.storage.s3fifo import S3FifoIndex

__all__ = [
    "ENTRY_OVERHEAD",
    "CollapseStats",
    "Collapser",
    "CorruptObjectError",
    "DiskObject",
    "DiskStats",
    "DiskTier",
    "DiskWriter",
    "FillError",
    "Filler",
    "Follower",
    "MemoryTier",
    "S3FifoIndex",
    "StorageError",
    "Stored",
    "StoredObject",
]
