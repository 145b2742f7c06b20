"""The disk tier's open files: checked files kept open between reads, least recently used first.

Opening a cache file, checking its header and decoding its metadata costs far more than reading
a small body, so the tier keeps the files it has read open, each with what its reader built from
the metadata (the facade's decoded entry). A hit on a kept file is a dictionary lookup and one
``os.pread``. The set is bounded in files (:func:`default_limit`); past the bound the least
recently used one is let go.

A file that leaves the set (replaced, deleted, evicted, found corrupt, or let go for the bound)
is marked retired, so that holders asking for the current version look again, and its
descriptor is closed once nothing holds the object any more (see ``DiskObject``): a response in
flight finishes on the version it started with.

Another process sharing the directory may replace or remove a kept file. The tier checks that
the path still names the kept file when it was last checked more than ``recheck_after`` seconds
ago (one ``stat``), so such a change is seen within that time, not at once.

Cost per kept file: one descriptor and about 2.1 KiB of memory, measured with tracemalloc over
4,096 kept objects with a 65-byte key, a 561-byte record and a 238-byte head (the record, kept
to decode again, about 600 bytes; the decoded entry and its head about 700; the open-file
object, its path and this set's slot the rest).
"""

from __future__ import annotations

import resource
from collections import OrderedDict
from dataclasses import dataclass

from edgeworks.cache.storage.objects import DiskObject

# Open files kept per tier at most, and the share of the process's descriptor limit they may
# take: the rest is for sockets, the access log and files being written.
MAX_OPEN = 4096
LIMIT_SHARE = 4


def default_limit() -> int:
    """Return how many files a tier keeps open: MAX_OPEN, or a quarter of the soft limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_OPEN
    return max(1, min(MAX_OPEN, soft // LIMIT_SHARE))


@dataclass(slots=True)
class Kept:
    """One file kept open, and what its reader built from it.

    Attributes:
        obj: The open file.
        decoded: What the reader built from ``obj.meta`` (the facade's entry), or None.
        checked_at: ``time.monotonic()`` when the path was last seen to name this file.
    """

    obj: DiskObject
    decoded: object | None
    checked_at: float


class OpenFiles:
    """A bounded map from file name to kept file, least recently used let go first.

    Changes are made under the tier's lock; :meth:`get` may run without it.

    Args:
        limit: How many files are kept open at most.
    """

    def __init__(self, limit: int) -> None:
        """Create an empty set; see the class docstring for the arguments."""
        self.limit = limit
        self._files: OrderedDict[str, Kept] = OrderedDict()

    def get(self, name: str) -> Kept | None:
        """Return the kept file ``name`` and mark it used, or None."""
        kept = self._files.get(name)
        if kept is not None:
            try:
                self._files.move_to_end(name)
            except KeyError:
                return None  # let go meanwhile by another thread (reads take no lock)
        return kept

    def add(self, name: str, kept: Kept) -> None:
        """Keep ``kept`` under ``name``; past the bound the least recently used file goes."""
        self.drop(name)
        self._files[name] = kept
        while len(self._files) > self.limit:
            _, oldest = self._files.popitem(last=False)
            oldest.obj.retired = True

    def drop(self, name: str, only: Kept | None = None) -> None:
        """Let the file ``name`` go (only when it is still ``only``, if given)."""
        kept = self._files.get(name)
        if kept is None or (only is not None and kept is not only):
            return
        del self._files[name]
        kept.obj.retired = True

    def __len__(self) -> int:
        return len(self._files)
