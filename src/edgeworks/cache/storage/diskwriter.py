"""Streaming one object into the disk tier: a temp file, made visible by an atomic rename.

A :class:`DiskWriter` writes the body behind a placeholder header, then the real header, syncs
when the tier is durable and asks the tier to rename the file into place (see
``edgeworks.cache.storage.disk``). A body can also be copied whole from another object's file
by the kernel (:meth:`DiskWriter.copy_body`), which is how a refreshed large entry gets its new
metadata without its body passing through the process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import zlib
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from edgeworks.cache.storage.diskformat import encode_head
from edgeworks.cache.storage.objects import DiskObject

if TYPE_CHECKING:
    from edgeworks.cache.storage.disk import DiskTier

logger = logging.getLogger(__name__)


class DiskWriter:
    """Streams one object into a temp file; :meth:`commit` makes it visible, atomically.

    Every method returns False instead of raising when the object cannot be kept (too large,
    disk full, deleted meanwhile): the response it mirrors goes on regardless. Use it as a
    context manager to abort automatically when not committed.
    """

    def __init__(
        self, tier: DiskTier, key: bytes, meta: bytes, *, temp_path: Path, fd: int, head_size: int
    ) -> None:
        """Built by :meth:`DiskTier.open_writer`."""
        self.key = key
        self.meta = meta
        self.temp_path = temp_path
        self.voided = False
        self._tier = tier
        self._fd: int | None = fd
        self._head_size = head_size
        self._body_length = 0
        self._crc = 0

    @property
    def file_size(self) -> int:
        """Size of the file so far: header, key, metadata and body."""
        return self._head_size + self._body_length

    def write(self, chunk: bytes) -> bool:
        """Append a body chunk; False once the object has been given up."""
        if self._fd is None:
            return False
        if not self._tier._fits(self.file_size + len(chunk)):
            self.abort()
            self._tier.delete(self.key)
            return False
        if not self._write_all(chunk):
            return False
        self._body_length += len(chunk)
        self._crc = zlib.crc32(chunk, self._crc)
        return True

    def copy_body(self, source: DiskObject) -> bool:
        """Write ``source``'s whole body as this object's body, copied by the kernel.

        The body keeps the checksum ``source`` stored, so damage to the source body is still
        caught when the copy is read. False (and the object given up) when it cannot be kept.
        """
        fd = self._fd
        if fd is None or self._body_length:
            return False
        length = source.body_length
        if not self._tier._fits(self.file_size + length):
            self.abort()
            self._tier.delete(self.key)
            return False
        try:
            _copy_range(source, fd, length)
        except OSError as exc:
            logger.warning("cannot copy cache file %s: %s", source.path, exc)
            self.abort()
            return False
        self._body_length = length
        self._crc = source.body_crc
        return True

    def commit(self) -> bool:
        """Write the final header, sync, and rename into place; True when stored."""
        fd = self._fd
        if fd is None or self.voided:
            self.abort()
            return False
        try:
            os.pwrite(fd, encode_head(self.key, self.meta, self._body_length, self._crc), 0)
            if self._tier.durable:
                os.fsync(fd)
        except OSError as exc:
            logger.warning("cannot finish cache file %s: %s", self.temp_path, exc)
            self.abort()
            return False
        self._close()
        if self._tier._install(self):
            return True
        self._tier._discard(self)
        return False

    def abort(self) -> None:
        """Give the object up and remove its temp file."""
        if self._close():
            self._tier._discard(self)

    def __enter__(self) -> DiskWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.abort()

    def _write_all(self, data: bytes) -> bool:
        fd = self._fd
        if fd is None:
            return False
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view) :]
        except OSError as exc:
            logger.warning("cannot write cache file %s: %s", self.temp_path, exc)
            self.abort()
            return False
        return True

    def __del__(self) -> None:
        # A writer dropped without commit or abort: release its descriptor and temp file now
        # rather than at the next start-up.
        if self._fd is not None:
            # Also runs at interpreter exit, when module globals may already be gone.
            with contextlib.suppress(Exception):
                self._close()
                os.unlink(self.temp_path)

    def _close(self) -> bool:
        fd, self._fd = self._fd, None
        if fd is None:
            return False
        os.close(fd)
        return True


def _copy_range(source: DiskObject, fd: int, length: int) -> None:
    copied = 0
    while copied < length:
        done = os.copy_file_range(
            source.fileno(), fd, length - copied, source.body_offset + copied
        )
        if done == 0:
            raise OSError(f"{source.path} ends at {copied} of {length} body bytes")
        copied += done
