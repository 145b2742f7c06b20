"""The objects the tiers hold: opaque metadata plus a body, in memory or in a file.

The facade serialises its own metadata (status, headers, times, vary values) into ``meta``; the
tiers never look inside it. Keys are opaque bytes too: the facade builds one key per variant.
"""

from __future__ import annotations

import asyncio
import contextlib
import mmap
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from edgeworks.cache.storage.errors import CorruptObjectError, StorageError

# Slices of a mapped body handed out at a time: large, since they copy nothing.
MAPPED_CHUNK = 1 << 20


class _Turn(threading.local):
    """Reads of one file made in one turn of the running event loop share their bytes.

    Answers written in the same turn are made at the same instant from a file that never
    changes in place, so one ``os.pread`` serves them all: under load, the many hits on one
    object that a single poll of the sockets brings in cost one read instead of one each. The
    bytes are let go when the loop's queued callbacks run, before it polls the sockets again;
    outside a running loop nothing is shared. One per thread, as event loops are; a loop that
    stopped before its turn ended leaves nothing behind for the next one.
    """

    def __init__(self) -> None:
        self._held: list[DiskObject] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def hold(self, obj: DiskObject, body: bytes) -> None:
        """Share ``body`` as ``obj``'s read for the rest of this turn."""
        loop = asyncio._get_running_loop()
        if loop is None:
            return
        if not self._held or loop is not self._loop:
            self.release()  # what a loop that stopped mid-turn still held goes now
            self._loop = loop
            loop.call_soon(self.release)
        self._held.append(obj)
        obj._shared = body

    def live(self) -> bool:
        """Whether the reads held were made in a turn of the loop running now."""
        loop = self._loop
        return loop is not None and loop is asyncio._get_running_loop()

    def release(self) -> None:
        """Let go of every read shared in the turn that ends."""
        held, self._held = self._held, []
        for obj in held:
            obj._shared = None


_TURN = _Turn()


@dataclass(slots=True, frozen=True)
class StoredObject:
    """An object held whole in memory.

    Attributes:
        key: The variant's cache key.
        meta: The facade's serialised metadata, opaque to the tier.
        body: The whole body.
    """

    key: bytes
    meta: bytes
    body: bytes

    @property
    def size(self) -> int:
        """Bytes of key, metadata and body together."""
        return len(self.key) + len(self.meta) + len(self.body)

    @property
    def body_length(self) -> int:
        """Length of the body in bytes."""
        return len(self.body)


class DiskObject:
    """An object whose body stays in a file, read through a descriptor this object owns.

    The descriptor is closed only when the object itself is gone (nothing refers to it any
    more), never while a holder could still read through it: a descriptor number the kernel
    hands out again for another file can therefore never be read by mistake. The disk tier keeps
    a bounded number of these open between reads and marks one :attr:`retired` when its file is
    replaced, deleted, evicted or found corrupt, or when it lets the object go to stay within
    its bound of open files. A holder that looked the object up before that still reads the
    version it started with (POSIX keeps an unlinked inode alive while a descriptor is open); a
    holder that asks later (:meth:`read_current`) gets None and looks the key up again.

    Attributes:
        key: The variant's cache key.
        meta: The facade's serialised metadata.
        path: The file's path (for logs; reads go through the descriptor, which cannot change).
        body_offset: Where the body starts in the file.
        body_length: Length of the body in bytes.
        identity: (device, inode) of the open file, to tell whether the path still names it.
        retired: The tier no longer serves this file to new lookups.
    """

    __slots__ = (
        "_body",
        "_body_crc",
        "_fd",
        "_on_corrupt",
        "_on_verified",
        "_shared",
        "_verified",
        "body_length",
        "body_offset",
        "identity",
        "key",
        "meta",
        "path",
        "retired",
    )

    def __init__(
        self,
        key: bytes,
        meta: bytes,
        fd: int,
        *,
        path: str,
        body_offset: int,
        body_length: int,
        body_crc: int,
        identity: tuple[int, int],
        on_corrupt: Callable[[DiskObject], None],
        body: bytes | None = None,
        verified: bool = False,
        on_verified: Callable[[DiskObject], None] | None = None,
    ) -> None:
        """Take over an open, already-checked descriptor. Built by :class:`DiskTier`."""
        self._fd = fd
        self._shared: bytes | None = None  # this turn's read (see _Turn)
        self.key = key
        self.meta = meta
        self.path = path
        self.body_offset = body_offset
        self.body_length = body_length
        self.identity = identity
        self.retired = False
        self._body_crc = body_crc
        self._on_corrupt = on_corrupt
        self._body = body  # read with the header (small files), dropped after the first read
        self._verified = verified  # this very file passed its body checksum before
        self._on_verified = on_verified

    @property
    def size(self) -> int:
        """Bytes of key, metadata and body together."""
        return len(self.key) + len(self.meta) + self.body_length

    @property
    def body_crc(self) -> int:
        """The body checksum stored in the file's header."""
        return self._body_crc

    @property
    def checked(self) -> bool:
        """Whether this very file's body already passed its checksum in this process.

        ``os.sendfile`` bypasses the checksum; a caller that wants every byte checked sends
        an unchecked file through :meth:`read_chunks` once and uses ``sendfile`` after that.
        """
        return self._verified

    def fileno(self) -> int:
        """Return the open file's descriptor, for ``os.sendfile`` while this object is held."""
        return self._fd

    def read_now(self) -> bytes | None:
        """Return the whole body read with one ``os.pread``, or None when the read fails.

        The body is not checked against its checksum here (see :meth:`read_body`): this is
        the hit path of a file that passed it before. A read that comes up short (the file was
        damaged behind the tier's back) also gives None; reading it through
        :meth:`read_chunks` then finds and drops it. Reads in one turn of the event loop share
        one ``os.pread`` (see :class:`_Turn`).
        """
        body = self._shared
        if body is not None and _TURN.live():
            return body
        try:
            body = os.pread(self._fd, self.body_length, self.body_offset)
        except OSError:
            return None
        if len(body) != self.body_length:
            return None
        _TURN.hold(self, body)
        return body

    def read_current(self) -> bytes | None:
        """Like :meth:`read_now`, but None once the tier has retired the object."""
        return None if self.retired else self.read_now()

    def read_chunks(self, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
        """Yield the body in chunks, never holding more than one chunk.

        The body checksum is checked once the last chunk has been read.

        Raises:
            CorruptObjectError: The body does not match its checksum; the entry is dropped. Bytes
                already yielded were wrong, so a response in flight must be aborted.
            StorageError: The file could not be read (an I/O error); the entry is kept.
        """
        if self._verified:
            yield from self._chunks(chunk_size)
            return
        crc = 0
        for chunk in self._chunks(chunk_size):
            crc = zlib.crc32(chunk, crc)
            yield chunk
        self._check(crc)

    def mapped_chunks(self, chunk_size: int = MAPPED_CHUNK) -> Iterator[bytes]:
        """Yield the body as slices of a read-only mapping of the file, copying nothing.

        For a file whose body already passed its checksum (:attr:`checked`); any other is read
        through :meth:`read_chunks`, as is one that cannot be mapped. The slices are
        ``memoryview`` objects (bytes-like, valid while referenced); the process never reads
        them itself, it hands them to the kernel, which copies them to the socket. Cache files
        never change in place (a new version is a new file renamed over the old one), so the
        mapping cannot shrink under a reader; if the file were cut behind the tier's back, or a
        page failed to read, the kernel would report the write as failed (EFAULT) rather than
        stop the process, and the response would be aborted.
        """
        if not self._verified:
            yield from self.read_chunks(chunk_size)
            return
        end = self.body_offset + self.body_length
        try:
            view = memoryview(mmap.mmap(self._fd, end, prot=mmap.PROT_READ))
        except (OSError, ValueError):
            yield from self._chunks(chunk_size)  # shorter than its header says: caught there
            return
        for start in range(self.body_offset, end, chunk_size):
            # Typed as bytes for the server's write, which takes any bytes-like buffer.
            yield view[start : min(start + chunk_size, end)]  # type: ignore[misc]

    def read_body(self) -> bytes:
        """Return the whole body checked against its checksum (for small bodies).

        Raises:
            CorruptObjectError: The body does not match its checksum; the entry is dropped.
        """
        body, self._body = self._body, None  # kept objects hold no body bytes after this
        if body is None:
            return b"".join(self.read_chunks(max(self.body_length, 1)))
        if not self._verified:
            self._check(zlib.crc32(body))
        return body

    def __del__(self) -> None:
        # Nothing can read through the descriptor any more: only now may its number go back to
        # the kernel. Also runs at interpreter exit, when module globals may already be gone.
        fd, self._fd = self._fd, -1
        if fd >= 0:
            with contextlib.suppress(Exception):
                os.close(fd)

    def _check(self, crc: int) -> None:
        if crc != self._body_crc:
            self._fail(f"body checksum {crc:#010x} differs from stored {self._body_crc:#010x}")
        self._verified = True
        if self._on_verified is not None:
            self._on_verified(self)

    def _chunks(self, chunk_size: int) -> Iterator[bytes]:
        body = self._body
        if body is not None:
            for start in range(0, self.body_length, chunk_size):
                yield body[start : start + chunk_size]
            return
        position = 0
        while position < self.body_length:
            want = min(chunk_size, self.body_length - position)
            try:
                chunk = os.pread(self._fd, want, self.body_offset + position)
            except OSError as exc:
                raise StorageError(f"cannot read cache file {self.path!r}: {exc}") from exc
            if len(chunk) != want:
                self._fail(f"body ends at {position + len(chunk)} of {self.body_length} bytes")
            position += want
            yield chunk

    def _fail(self, reason: str) -> None:
        self._on_corrupt(self)
        raise CorruptObjectError(self.path, reason)


Stored = StoredObject | DiskObject
"""Either kind of object a tier hands out."""
