"""The disk tier: one file per object under a directory, bounded in bytes, evicted by S3-FIFO.

Layout under the tier's directory::

    objects/ab/ab12...ef    one complete file per key (see diskformat), named by key digest
    tmp/                    files being written; start-up removes those of dead processes

A writer streams into ``tmp/``, writes the real header last, syncs the file and renames it into
``objects/``; the rename is atomic, so a reader sees the old complete file or the new complete
one, and a process killed mid-write leaves only a temp file that the next start removes. Every
read checks the header checksum and the file size; reading the body through ``read_chunks``
checks its checksum, the first time each file is read in this process (damage that strikes a
file after it was read back whole goes unnoticed). A file that fails is deleted and treated as
a miss.

Files that were read are kept open, with what the reader built from their metadata, up to a
bound (``edgeworks.cache.storage.diskopen``), so that a later read of the same key opens and
checks nothing. Every change to a file (replaced, deleted, evicted, dropped as corrupt) lets the
kept one go first.

The index (key to file, S3-FIFO order) lives in memory and is rebuilt at start-up from the
files' headers alone. Rebuilt entries go to the main queue, oldest modification first, so the
oldest files are evicted first; read counts from before the restart are not kept.

Several processes of one node (its workers) may share a directory, each with its own tier.
A read that misses this process's index still looks for the file, so objects another worker
stored are found and adopted; a file another worker evicted, deleted or replaced is dropped from
the index when a read finds it gone (for a file kept open, within ``recheck_after`` seconds);
start-up removes only temp files whose writer process is dead. Each process enforces the bound
on the files its own index knows, so each worker is given its share of the node's bytes and the
worker count: at start-up each takes a slot and indexes only the files of its slot, so the files
found are divided between the workers, not counted by each.
Files still being written are not counted against the bound until they are committed, so fills
in flight can overshoot it by their own size. File work is blocking; callers on an event loop
with slow disks run it in a thread, which is why index changes take a lock.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

from edgeworks.cache.storage.diskfiles import (
    OnLoad,
    claim_slot,
    remove_leftovers,
    same_file,
    scan_objects,
    sync_directory,
)
from edgeworks.cache.storage.diskformat import (
    MAX_KEY_BYTES,
    MAX_META_BYTES,
    FileHeader,
    FormatError,
    encode_head,
    file_name,
    read_head,
)
from edgeworks.cache.storage.diskopen import Kept, OpenFiles, default_limit
from edgeworks.cache.storage.diskwriter import DiskWriter
from edgeworks.cache.storage.errors import StorageError, check_sizes
from edgeworks.cache.storage.objects import DiskObject
from edgeworks.cache.storage.s3fifo import S3FifoIndex

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class DiskStats:
    """What the tier found at start-up and has dropped since."""

    loaded: int = 0
    temp_removed: int = 0
    corrupt_dropped: int = 0
    evicted: int = 0
    adopted: int = 0  # found on disk on a read, stored by another process
    opened: int = 0  # files opened and checked on a read (the reads not served by a kept file)


class DiskTier:
    """Objects stored as files, with bodies streamed in and read back in chunks.

    Args:
        directory: Where the files live; created if missing.
        max_bytes: Bound on the total size of the committed files.
        max_object_bytes: Largest single file accepted; defaults to an eighth of ``max_bytes``.
        durable: Sync each file and its directory before a commit returns. Without it a killed
            process still loses nothing (the kernel holds every byte written before the
            rename), but a power loss can leave a renamed file incomplete; the header checks
            then drop it, and a damaged body is caught when read through ``read_chunks``
            (not when sent with ``sendfile``, which bypasses the checksum).
        workers: How many processes share the directory, each with a tier bounded by its share
            of the node's bytes. Each takes a free slot at start-up and indexes only the
            files of its slot, so the files already there are divided, not counted N times
            (``on_load`` still hears of every file).
        on_load: Told the key and metadata of each file indexed at start-up (the facade
            rebuilds what it keeps about stored objects from it).
        max_open: How many files are kept open between reads; defaults to
            :func:`~edgeworks.cache.storage.diskopen.default_limit`.
        recheck_after: Seconds after which a kept file's path is checked again before the
            file is served, so that a change another process made is seen.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        max_bytes: int,
        max_object_bytes: int | None = None,
        *,
        durable: bool = True,
        workers: int = 1,
        on_load: OnLoad | None = None,
        max_open: int | None = None,
        recheck_after: float = 1.0,
    ) -> None:
        """Open the directory and rebuild the index from it; see the class docstring.

        Raises:
            StorageError: A size is not positive, or the directory cannot be used.
        """
        check_sizes(
            "disk",
            max_bytes=max_bytes,
            max_object_bytes=max_object_bytes,
            workers=workers,
            max_open=max_open,
        )
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.max_object_bytes = max_bytes // 8 if max_object_bytes is None else max_object_bytes
        self.durable = durable
        self.stats = DiskStats()
        self._objects = self.directory / "objects"
        self._tmp = self.directory / "tmp"
        self._index: S3FifoIndex[str] = S3FifoIndex(max_bytes)
        self._lock = threading.Lock()
        self._open = OpenFiles(default_limit() if max_open is None else max_open)
        self._recheck_after = recheck_after
        # Weak, so that a writer its caller dropped without commit or abort can be collected
        # (and clean up after itself) instead of being kept alive here.
        self._writers: weakref.WeakSet[DiskWriter] = weakref.WeakSet()
        # File name -> inode whose body passed its checksum once in this process. Later reads
        # of that same file skip the checksum: it guards against damage from a crash or a
        # power loss, which cannot strike a file after it was read back whole.
        self._verified: dict[str, tuple[int, int]] = {}  # name -> (inode, mtime in ns)
        try:
            self._objects.mkdir(parents=True, exist_ok=True)
            self._tmp.mkdir(parents=True, exist_ok=True)
            self.share = self._claim(workers)
            self._load(on_load)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise StorageError(
                f"cache directory {str(directory)!r} cannot be used: {reason}"
            ) from exc

    def get(self, key: bytes) -> DiskObject | None:
        """Return the open, checked object under ``key``; None when absent or found corrupt.

        The object is shared: the tier keeps it open for later reads and closes it once it
        has let it go and nothing holds it any more, so callers never close it.
        """
        kept = self.find(key)
        return None if kept is None else kept.obj

    def find(self, key: bytes) -> Kept | None:
        """Return the kept file under ``key``, opening and checking it if not kept yet.

        A key missing from this process's index is still looked for on disk, so that objects
        another process sharing the directory stored are found (and adopted into the index).
        The caller may set :attr:`Kept.decoded` for later reads to use.
        """
        # The hit path takes no lock: each step is one dictionary operation, atomic under the
        # interpreter lock, and the read count it bumps is only a hint for eviction.
        name = self._index.get(key)
        if name is not None:
            kept = self._open.get(name)
            if kept is not None and (
                time.monotonic() - kept.checked_at < self._recheck_after
                or self._still_named(name, kept)
            ):
                return kept

        path = self._path(name or file_name(key))
        obj = self._load_object(key, path, known=name is not None)
        if obj is None:
            return None
        if name is None:
            self._adopt(key, obj.body_offset + obj.body_length)
        return self._keep(path, obj)

    def release(self, key: bytes) -> None:
        """Let the kept file under ``key`` go, if any (the file itself stays stored)."""
        with self._lock:
            name = self._index.peek(key)
            if name is not None:
                self._open.drop(name)

    @property
    def open_files(self) -> int:
        """How many files are kept open between reads."""
        return len(self._open)

    def open_writer(
        self, key: bytes, meta: bytes, expected_length: int | None = None
    ) -> DiskWriter | None:
        """Start streaming a new object for ``key``; None when it cannot be stored.

        An object refused for its size (here, or later in :meth:`DiskWriter.write`) also removes
        any older object under ``key``, as :meth:`MemoryTier.put` does, so that an outdated
        response is never served after a newer one was seen.

        Args:
            key: The variant's cache key.
            meta: The facade's serialised metadata.
            expected_length: The body length when known (Content-Length), to refuse early.
        """
        if len(key) > MAX_KEY_BYTES or len(meta) > MAX_META_BYTES:
            return None
        head = encode_head(key, meta, 0, 0)
        if not self._fits(len(head) + (expected_length or 0)):
            self.delete(key)
            return None

        temp = self._tmp / f"{os.getpid()}.{uuid.uuid4().hex}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError as exc:
            logger.warning("cannot create cache file %s: %s", temp, exc)
            return None

        writer = DiskWriter(self, key, meta, temp_path=temp, fd=fd, head_size=len(head))
        with self._lock:
            self._writers.add(writer)
        if not writer._write_all(head):
            return None
        return writer

    def delete(self, key: bytes) -> bool:
        """Remove the object under ``key`` (and void unfinished writers for it).

        The file goes even when another process sharing the directory stored it and this
        one's index never knew it.
        """
        with self._lock:
            for writer in self._writers:
                if writer.key == key:
                    writer.voided = True
            name = self._index.remove(key)
            unlinked = self._unlink(self._path(name or file_name(key)))
        return name is not None or unlinked

    @property
    def bytes_used(self) -> int:
        """Total size of the committed files the index holds."""
        return self._index.bytes_used

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def _still_named(self, name: str, kept: Kept) -> bool:
        # Another process sharing the directory may have replaced or removed the file: the
        # path is checked again once kept.checked_at is older than the recheck interval.
        if _names(self._path(name), kept.obj.identity):
            kept.checked_at = time.monotonic()
            return True
        with self._lock:
            self._open.drop(name, only=kept)
        return False

    def _load_object(self, key: bytes, path: Path, *, known: bool) -> DiskObject | None:
        fd = self._open_fd(key, path, known=known)
        if fd is None:
            return None
        checked = self._check(key, path, fd)
        if checked is None:
            return None
        header, body, stat = checked
        self.stats.opened += 1
        identity = (stat.st_dev, stat.st_ino)
        return DiskObject(
            key,
            header.meta,
            fd,
            path=str(path),
            body_offset=header.body_offset,
            body_length=header.body_length,
            body_crc=header.body_crc,
            identity=identity,
            on_corrupt=self._on_corrupt,
            body=body,
            verified=self._verified.get(path.name) == (stat.st_ino, stat.st_mtime_ns),
            on_verified=self._on_verified,
        )

    def _keep(self, path: Path, obj: DiskObject) -> Kept:
        kept = Kept(obj, None, time.monotonic())
        with self._lock:
            # A commit may have renamed a newer file over the path since it was opened, or a
            # delete removed it: the file read is then served to this caller only.
            if obj.key in self._index and _names(path, obj.identity):
                self._open.add(path.name, kept)
            else:
                obj.retired = True
        return kept

    def _open_fd(self, key: bytes, path: Path, *, known: bool) -> int | None:
        try:
            # The DiskObject built from it closes it once nothing holds that object any more.
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            if known:
                self._drop_missing(key)
        except OSError as exc:
            # Out of descriptors, permissions: a miss for now, the entry may serve later.
            logger.warning("cannot open cache file %s: %s", path, exc)
        return None

    def _check(
        self, key: bytes, path: Path, fd: int
    ) -> tuple[FileHeader, bytes | None, os.stat_result] | None:
        try:
            stat = os.fstat(fd)
            if not S_ISREG(stat.st_mode):
                # Something else stands where the file was: a miss, as when it cannot be
                # opened, not a damaged file to remove.
                logger.warning("cannot open cache file %s: not a regular file", path)
                os.close(fd)
                return None
            header, body = read_head(fd, stat.st_size)
            if header.key != key:
                raise FormatError("file holds another key")
        except (FormatError, OSError) as exc:
            self._forget(key, path, str(exc), fd)
            os.close(fd)
            return None
        return header, body, stat

    def _fits(self, size: int) -> bool:
        return size <= self.max_object_bytes and self._index.admits(size)

    def _path(self, name: str) -> Path:
        return self._objects / name[:2] / name

    def _install(self, writer: DiskWriter) -> bool:
        path = self._path(file_name(writer.key))
        with self._lock:
            self._writers.discard(writer)
            if writer.voided or not self._rename(writer.temp_path, path):
                return False
            self._index_put(writer.key, path.name, writer.file_size)
        if self.durable:
            try:
                sync_directory(path.parent)
            except OSError as exc:
                logger.warning("cannot sync cache directory %s: %s", path.parent, exc)
        return True

    def _rename(self, temp: Path, path: Path) -> bool:
        try:
            if not path.parent.is_dir():
                path.parent.mkdir(exist_ok=True)
                if self.durable:
                    sync_directory(self._objects)  # the new subdirectory's own entry
            os.replace(temp, path)
        except OSError as exc:
            logger.warning("cannot install cache file %s: %s", path, exc)
            return False
        self._verified.pop(path.name, None)
        self._open.drop(path.name)
        return True

    def _index_put(self, key: bytes, name: str, size: int, *, main: bool = False) -> None:
        evicted = self._index.put(key, name, size, main=main)
        for old in evicted:
            self._unlink(self._path(old))
        self.stats.evicted += len(evicted)

    def _discard(self, writer: DiskWriter) -> None:
        with self._lock:
            self._writers.discard(writer)
        self._unlink(writer.temp_path)

    def _on_verified(self, obj: DiskObject) -> None:
        with self._lock:
            stat = os.fstat(obj.fileno())
            self._verified[Path(obj.path).name] = (stat.st_ino, stat.st_mtime_ns)

    def _on_corrupt(self, obj: DiskObject) -> None:
        reason = f"body check failed in {obj.path}"
        self._forget(obj.key, Path(obj.path), reason, obj.fileno())

    def _forget(self, key: bytes, path: Path, reason: str, failed_fd: int) -> None:
        # Drop only the file that failed: every version of a key has the same name, and a
        # newer commit may have renamed a good file over it meanwhile (compare inodes).
        with self._lock:
            if not same_file(path, failed_fd):
                return
            self._index.remove(key)
            self._unlink(path)
            self.stats.corrupt_dropped += 1
        logger.warning("dropped cache file %s: %s", path, reason)

    def _drop_missing(self, key: bytes) -> None:
        # Evicted or deleted by another process sharing the directory, or removed by hand.
        with self._lock:
            path = self._path(file_name(key))
            if not path.exists():
                self._index.remove(key)
                self._verified.pop(path.name, None)
                self._open.drop(path.name)

    def _adopt(self, key: bytes, size: int) -> None:
        with self._lock:
            if key not in self._index:
                self._index_put(key, file_name(key), size)
                self.stats.adopted += 1

    def _unlink(self, path: Path) -> bool:
        self._verified.pop(path.name, None)
        self._open.drop(path.name)
        try:
            path.unlink()
        except FileNotFoundError:
            return False  # another process of the node removed it first
        except OSError as exc:
            logger.warning("cannot remove cache file %s: %s", path, exc)
            return False
        return True

    def _claim(self, workers: int) -> tuple[int, int]:
        if workers == 1:
            return 0, 1
        claimed = claim_slot(self.directory / "slots", workers)
        if claimed is None:
            # More processes than workers (an old node still running): index nothing found at
            # start-up, only what this process stores or reads.
            logger.warning("disk cache %s: all %d worker slots taken", self.directory, workers)
            return -1, workers
        slot, fd = claimed
        weakref.finalize(self, os.close, fd)
        return slot, workers

    def _load(self, on_load: OnLoad | None) -> None:
        self.stats.temp_removed = remove_leftovers(self._tmp)
        found, self.stats.corrupt_dropped = scan_objects(self._objects, self.share, on_load)
        for entry in found:
            self._index_put(entry.key, entry.name, entry.size, main=True)
        self.stats.loaded = len(self._index)
        logger.info(
            "disk cache %s: %d entries, %d bytes; removed %d temp and %d corrupt files",
            self.directory,
            len(self._index),
            self._index.bytes_used,
            self.stats.temp_removed,
            self.stats.corrupt_dropped,
        )


def _names(path: Path, identity: tuple[int, int]) -> bool:
    """Whether ``path`` names the file whose (device, inode) is ``identity``."""
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return (stat.st_dev, stat.st_ino) == identity
