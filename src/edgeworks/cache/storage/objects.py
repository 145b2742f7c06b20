"""The objects the tiers hold: opaque metadata plus a body, in memory or in a file.

The facade serialises its own metadata (status, headers, times, vary values) into ``meta``; the
tiers never look inside it. Keys are opaque bytes too: the facade builds one key per variant.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO

from edgeworks.cache.storage.errors import CorruptObjectError, StorageError


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
    """An object whose body stays in a file; the file is open and must be closed.

    The open file keeps the bytes readable even if the entry is replaced or evicted meanwhile
    (POSIX keeps an unlinked inode alive while a descriptor is open), so a response streams the
    version it started with.

    Attributes:
        key: The variant's cache key.
        meta: The facade's serialised metadata.
        path: The file's path (for logs; read through :attr:`file`, which cannot change).
        body_offset: Where the body starts in the file.
        body_length: Length of the body in bytes.
        file: The open file, unbuffered; use with ``os.sendfile`` or ``loop.sendfile``.
    """

    __slots__ = (
        "_body",
        "_body_crc",
        "_on_corrupt",
        "_on_verified",
        "_verified",
        "body_length",
        "body_offset",
        "file",
        "key",
        "meta",
        "path",
    )

    def __init__(
        self,
        key: bytes,
        meta: bytes,
        file: BinaryIO,
        *,
        path: str,
        body_offset: int,
        body_length: int,
        body_crc: int,
        on_corrupt: Callable[[DiskObject], None],
        body: bytes | None = None,
        verified: bool = False,
        on_verified: Callable[[DiskObject], None] | None = None,
    ) -> None:
        """Wrap an open, already-checked file. Built by :class:`DiskTier`, not by callers."""
        self.key = key
        self.meta = meta
        self.file = file
        self.path = path
        self.body_offset = body_offset
        self.body_length = body_length
        self._body_crc = body_crc
        self._on_corrupt = on_corrupt
        self._body = body  # already read with the header (small files)
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
        """Return the open file's descriptor, for ``os.sendfile``."""
        return self.file.fileno()

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
        if crc != self._body_crc:
            self._fail(f"body checksum {crc:#010x} differs from stored {self._body_crc:#010x}")
        self._verified = True
        if self._on_verified is not None:
            self._on_verified(self)

    def read_body(self) -> bytes:
        """Return the whole body checked against its checksum (for small bodies).

        Raises:
            CorruptObjectError: The body does not match its checksum; the entry is dropped.
        """
        if self._body is not None and self._verified:
            return self._body
        return b"".join(self.read_chunks(max(self.body_length, 1)))

    def close(self) -> None:
        """Close the file."""
        self.file.close()

    def __enter__(self) -> DiskObject:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _chunks(self, chunk_size: int) -> Iterator[bytes]:
        if self._body is not None:
            for start in range(0, self.body_length, chunk_size):
                yield self._body[start : start + chunk_size]
            return
        fd = self.fileno()
        position = 0
        while position < self.body_length:
            want = min(chunk_size, self.body_length - position)
            try:
                chunk = os.pread(fd, want, self.body_offset + position)
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
