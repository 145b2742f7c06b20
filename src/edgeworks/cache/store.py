"""Entries on the storage tiers: memory first, disk when configured.

Responses without Vary live directly under their cache key. Responses with Vary leave a
variants record under the cache key and live under one key per variant (see
``edgeworks.cache.meta``), so any number of variants of one URL coexist (RFC 9111 §4.1).

The memory tier holds decoded records (ready entries and variants records), never their bytes:
an entry's prepared head is its only copy of the stored fields (see ``edgeworks.cache.entry``).
Reads try the memory tier, then the disk tier; a disk object small enough for memory is read
whole, decoded once and promoted. A larger one stays on disk: its entry is decoded once and
kept with the open file by the disk tier, so that later hits decode and open nothing; its body
is read at each hit, whole (up to ``SMALL_DISK_BODY``) or streamed by the edge. A small body is
checked against its checksum when its file is first read, before it is trusted. Every write goes
to memory when it fits and, with a disk tier, to disk as well, so a restarted node finds its
cache. Disk calls block on file I/O; they are short (one header read, one small body read, or
one small file written) and run on the caller's thread.
"""

from __future__ import annotations

import logging
from typing import cast

from edgeworks.cache import meta
from edgeworks.cache.entry import SMALL_DISK_BODY, Entry
from edgeworks.cache.rules.fields import vary_values
from edgeworks.cache.storage import (
    CorruptObjectError,
    DiskObject,
    DiskTier,
    DiskWriter,
    MemoryTier,
)
from edgeworks.cache.storage.diskfiles import OnLoad
from edgeworks.cache.storage.diskopen import Kept
from edgeworks.cache.variants import matches
from edgeworks.config.model import CacheStorage
from edgeworks.http.headers import Headers

logger = logging.getLogger(__name__)

Record = Entry | meta.Variants


class TieredStore:
    """The facade's view of the tiers: entries and variant records by key.

    Args:
        config: sizes and the disk directory.
        workers: how many workers of the node each keep a store like this one; the memory and
            disk bounds are divided between them, so the node as a whole stays within them.
        on_load: told the key and record of each object the disk tier finds at start-up.
    """

    def __init__(
        self, config: CacheStorage, workers: int = 1, *, on_load: OnLoad | None = None
    ) -> None:
        """Open the memory tier and, when ``config.disk_path`` is set, the disk tier."""
        self.memory: MemoryTier[Record] = MemoryTier(max(config.memory_bytes // workers, 1))
        # A memory tier too small for any entry (MemorySize 0) holds nothing: reads skip it.
        self._memory_holds = self.memory.accepts(0)
        self.disk: DiskTier | None = None
        if config.disk_path:
            share = max(config.disk_bytes // workers, 1)
            # Not synced per file: a killed process loses nothing the kernel already holds,
            # and a half-written file is never installed (the tier renames on commit).
            self.disk = DiskTier(
                config.disk_path,
                share,
                max_object_bytes=min(config.disk_bytes // 8, share),
                durable=False,
                workers=workers,
                on_load=on_load,
            )

    def select(self, key: bytes, request_headers: Headers) -> Entry | None:
        """Return the stored variant of ``key`` that matches the request (RFC 9111 §4.1)."""
        found = self.fetch(key)
        if isinstance(found, Entry):
            return found if matches(found, request_headers) else None
        if found is None:
            return None
        for names in found.name_sets:
            if b"*" in names:
                continue  # §4.1: Vary: * never matches
            values = vary_values(names, request_headers)
            entry = self.fetch(meta.variant_key(key, found.epoch, values, names))
            if isinstance(entry, Entry) and entry.vary == names and entry.vary_values == values:
                return entry
        return None

    def storage_key(self, key: bytes, entry: Entry) -> tuple[bytes, str | None]:
        """Return where ``entry`` would be stored, and the variants epoch it depends on."""
        if not entry.vary:
            return key, None
        epoch = self.variants_epoch(key) or meta.new_epoch()
        return meta.variant_key(key, epoch, entry.vary_values, entry.vary), epoch

    def variants_epoch(self, key: bytes) -> str | None:
        """Return the epoch of the variants record under ``key``, or None when there is none."""
        found = self.fetch(key)
        return found.epoch if isinstance(found, meta.Variants) else None

    def install(self, key: bytes, entry: Entry, epoch: str | None) -> bool:
        """Record ``entry``'s variant under ``key``; False when the key changed meanwhile.

        The epoch chosen when the writer opened must still be the key's: a record removed and
        created again since (an invalidation) makes this variant outdated.
        """
        if epoch is None:
            return True
        found = self.fetch(key)
        if isinstance(found, meta.Variants):
            if found.epoch != epoch:
                return False  # removed and re-created since: this variant is outdated
            record = found.with_names(entry.vary)
        else:
            record = meta.Variants(epoch, (entry.vary,))
        self.put(key, record, meta.encode_variants(record), b"")
        return True

    def put(self, skey: bytes, value: Record, record: bytes, body: bytes) -> bool:
        """Store a decoded record in memory and its bytes on disk; True when one kept it."""
        kept = self.keep_in_memory(skey, value)
        if self.disk is not None:
            writer = self.disk.open_writer(skey, record, len(body))
            if writer is not None and writer.write(body) and writer.commit():
                kept = True
        return kept

    def keep_in_memory(self, skey: bytes, value: Record) -> bool:
        """Keep a decoded record on the memory tier, charged what it holds."""
        return self.memory.keep(skey, value, charge(skey, value))

    def rewrite(self, key: bytes, entry: Entry) -> None:
        """Store ``entry`` again under its current storage key, with its new metadata."""
        skey, _ = self.storage_key(key, entry)
        record = meta.encode_entry(entry)
        if entry.body is not None:
            self.put(skey, entry, record, entry.body)
            return
        if entry.disk is None:
            return
        # A large body on disk is copied by the kernel into a new file with the new metadata.
        self.memory.delete(skey)
        writer = self.disk_writer(skey, record, entry.length)
        if writer is not None and writer.copy_body(entry.disk):
            writer.commit()

    def copy_on_disk(self, source: bytes, skey: bytes, record: bytes) -> bool:
        """Store the disk body under ``source`` again under ``skey``, with ``record``."""
        found = self.disk.get(source) if self.disk is not None else None
        if found is None:
            return False
        writer = self.disk_writer(skey, record, found.body_length)
        return writer is not None and writer.copy_body(found) and writer.commit()

    def disk_writer(self, skey: bytes, record: bytes, expected: int | None) -> DiskWriter | None:
        """Open a streaming writer on the disk tier, or None without one."""
        if self.disk is None:
            return None
        return self.disk.open_writer(skey, record, expected)

    def surely_lacks(self, skey: bytes) -> bool:
        """Whether nothing is stored under ``skey``, when that is known without a read.

        Only a node without a disk tier knows it from memory alone: another process may have
        stored a file under any key.
        """
        return self.disk is None and skey not in self.memory

    def fetch(self, skey: bytes) -> Record | None:
        """Return the entry or variants record under a storage key, or None."""
        found = self.memory.get(skey) if self._memory_holds else None
        if found is not None or self.disk is None:
            return found
        kept = self.disk.find(skey)
        if kept is None:
            return None
        if kept.decoded is not None:
            return cast(Record, kept.decoded)
        return self._from_disk(kept)

    def remove(self, skey: bytes) -> bool:
        """Remove a storage key from every tier; True when one held it."""
        removed = self.memory.delete(skey)
        if self.disk is not None:
            removed = self.disk.delete(skey) or removed
        return removed

    def _from_disk(self, kept: Kept) -> Record | None:
        found = kept.obj
        promote = self.memory.accepts(found.size)
        if promote or found.body_length <= SMALL_DISK_BODY:
            # The body is trusted once it passed its checksum (read whole here, once per file).
            try:
                body = found.read_body()
            except (CorruptObjectError, OSError) as exc:
                logger.warning("could not read cache object %s: %s", found.path, exc)
                return None
            if promote:
                record = _decode(found.meta, body, len(body), None)
                if record is not None:
                    self.keep_in_memory(found.key, record)
                return record
        record = _decode(found.meta, None, found.body_length, found)
        kept.decoded = record
        return record


def charge(skey: bytes, value: Record) -> int:
    """Return the bytes a record is charged on the memory tier, beside the tier's overhead.

    That is the key, the prepared head (the entry's only copy of its fields), the body, and the
    entry object with its floats (measured by bench/cache_memory.py).
    """
    if isinstance(value, meta.Variants):
        return len(skey) + 64 + 48 * len(value.name_sets)
    body = len(value.body) if value.body is not None else 0
    return len(skey) + len(value.head) + body + ENTRY_BYTES


# The entry object, its three floats and its share of what entries hold in common, rounded up
# from the figure bench/cache_memory.py measures.
ENTRY_BYTES = 256


def _decode(
    record: bytes, body: bytes | None, length: int, disk: DiskObject | None
) -> Record | None:
    if record.startswith(meta.VARIANTS_TAG):
        return meta.decode_variants(record)
    return meta.decode_entry(record, body, length, disk)


def with_body(entry: Entry, body: bytes | None, length: int) -> Entry:
    """Return ``entry`` with its body and length filled in (the head follows the length)."""
    return entry.evolve(body=body, length=length)
