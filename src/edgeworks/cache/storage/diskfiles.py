"""File-level work of the disk tier: the start-up scan, leftover temp files, file identity.

At start-up the tier removes temp files whose writer process is gone and reads the header of
every complete file in its share of the directory (one read of its first 16 KiB) to rebuild its
index. Files that fail their checks, or whose name does not match the key they hold, are
deleted on the spot. The scan costs one open and one read per file (``bench/cache_memory.py``
measures it: 15 to 40 µs per file with a warm page cache), and it runs before the tier serves
anything. Workers sharing a directory each take a slot (a locked file under ``slots/``) and
index only the files whose name falls in their slot.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edgeworks.cache.storage.diskformat import FormatError, file_name, read_head

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, order=True)
class FoundFile:
    """A complete, checked cache file found at start-up (orders oldest first)."""

    mtime: float
    key: bytes
    name: str
    size: int


def remove_leftovers(tmp: Path) -> int:
    """Remove what dead writers left in ``tmp``; return how many entries went."""
    removed = 0
    for leftover in tmp.iterdir():
        if not writer_alive(leftover.name):
            remove(leftover)
            removed += 1
    return removed


def remove(path: Path) -> None:
    """Remove a stray file or directory; a failure is logged, not raised."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        pass  # another process of the node removed it first
    except OSError as exc:
        logger.warning("cannot remove %s from the cache directory: %s", path, exc)


OnLoad = Callable[[bytes, bytes], None]
"""Told the key and metadata of every good file a start-up scan indexes."""


def scan_objects(
    objects: Path, share: tuple[int, int] = (0, 1), on_load: OnLoad | None = None
) -> tuple[list[FoundFile], int]:
    """Return the good files under ``objects`` oldest first, and how many bad ones were deleted.

    Args:
        objects: the directory of object subdirectories.
        share: (slot, slots): only files whose name falls in this slot are returned, so that
            the workers sharing a directory divide its files between their indexes.
        on_load: told the key and metadata of every good file, also those of other slots
            (each worker then knows every stored object, for invalidation).
    """
    found: list[FoundFile] = []
    dropped = 0
    for sub in objects.iterdir():
        if not sub.is_dir():
            continue
        for path in sub.iterdir():
            mine = in_share(path.name, share)
            if not mine and on_load is None:
                continue
            entry = read_entry(path, on_load)
            if entry is None:
                remove(path)
                dropped += int(mine)
            elif mine:
                found.append(entry)
    found.sort()
    return found, dropped


def in_share(name: str, share: tuple[int, int]) -> bool:
    """Whether the file ``name`` (a hex digest) falls in the slot ``share`` names."""
    slot, slots = share
    if slots <= 1:
        return True
    try:
        return int(name[:8], 16) % slots == slot
    except ValueError:
        return slot == 0  # a stray name is checked (and removed) by one worker only


def claim_slot(directory: Path, slots: int) -> tuple[int, int] | None:
    """Take the first free worker slot of a shared directory; None when all are taken.

    A slot is a file locked for the life of the process that holds its descriptor (the lock
    goes with the process, however it ends), so a restarted worker takes the slot its
    predecessor held.

    Returns:
        (slot, descriptor): the descriptor must stay open while the slot is used.
    """
    directory.mkdir(exist_ok=True)
    for slot in range(slots):
        fd = os.open(directory / str(slot), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return slot, fd
    return None


def read_entry(path: Path, on_load: OnLoad | None = None) -> FoundFile | None:
    """Check one file's header and name; None (after a warning) when it is not servable."""
    try:
        with open(path, "rb", buffering=0) as file:
            stat = os.fstat(file.fileno())
            header, _ = read_head(file.fileno(), stat.st_size)
    except (FormatError, OSError) as exc:
        logger.warning("dropped cache file %s at start-up: %s", path, exc)
        return None
    if file_name(header.key) != path.name:
        logger.warning("dropped cache file %s at start-up: name does not match key", path)
        return None
    if on_load is not None:
        on_load(header.key, header.meta)
    return FoundFile(stat.st_mtime, header.key, path.name, header.file_size)


def writer_alive(temp_name: str) -> bool:
    """Whether the process that named a temp file ``<pid>.<random>.tmp`` is still running.

    Another process of the node sharing the directory may be writing it right now; anything
    else (this process's own pid from an earlier life, a dead pid, a foreign name) is left over.
    """
    pid_text = temp_name.split(".", 1)[0]
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return True


def same_file(path: Path, fd: int) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (or names nothing any more)."""
    try:
        current = path.stat()
    except FileNotFoundError:
        return True  # gone already: only the index entry is left to drop
    opened = os.fstat(fd)
    return (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino)


def sync_directory(path: Path) -> None:
    """Make a rename in ``path`` durable: it is so only once the directory is synced (POSIX)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
