"""Entries on the storage tiers: memory first, disk when configured.

Responses without Vary live directly under their cache key. Responses with Vary leave a
variants record under the cache key and live under one key per variant (see
``edgeworks.cache.meta``), so any number of variants of one URL coexist (RFC 9111 §4.1).

Reads try the memory tier, then the disk tier; a disk object small enough for memory is read
whole and promoted. A larger one is handed out with its file open so that the edge streams it.
Every write goes to memory when it fits and, with a disk tier, to disk as well, so a restarted
node finds its cache. Disk calls block on file I/O; they are short (one header read, or one
small file written) and run on the caller's thread.
"""

from __future__ import annotations

import dataclasses
import logging

from edgeworks.cache import meta
from edgeworks.cache.entry import Entry
from edgeworks.cache.rules.fields import vary_values
from edgeworks.cache.storage import (
    CorruptObjectError,
    DiskObject,
    DiskTier,
    DiskWriter,
    MemoryTier,
    StoredObject,
)
from edgeworks.cache.variants import matches
from edgeworks.config.model import CacheStorage
from edgeworks.http.headers import Headers

logger = logging.getLogger(__name__)

Record = Entry | meta.Variants


class TieredStore:
    """The facade's view of the tiers: entries and variant records by key."""

    def __init__(self, config: CacheStorage) -> None:
        """Open the memory tier and, when ``config.disk_path`` is set, the disk tier."""
        self.memory = MemoryTier(config.memory_bytes)
        self.disk: DiskTier | None = None
        if config.disk_path:
            # Not synced per file: a killed process loses nothing the kernel already holds,
            # and a half-written file is never installed (the tier renames on commit).
            self.disk = DiskTier(config.disk_path, config.disk_bytes, durable=False)
        self._decoded: dict[bytes, tuple[StoredObject, Record]] = {}

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
        self.put_small(key, meta.encode_variants(record), b"")
        return True

    def put_small(self, skey: bytes, record: bytes, body: bytes) -> bool:
        """Store a whole object on every tier; True when at least one kept it."""
        kept = self.memory.put(StoredObject(skey, record, body))
        self._decoded.pop(skey, None)
        if self.disk is not None:
            writer = self.disk.open_writer(skey, record, len(body))
            if writer is not None and writer.write(body) and writer.commit():
                kept = True
        return kept

    def rewrite(self, key: bytes, entry: Entry) -> None:
        """Store ``entry`` again under its current storage key, with its new metadata."""
        skey, _ = self.storage_key(key, entry)
        record = meta.encode_entry(entry)
        if entry.body is not None:
            self.put_small(skey, record, entry.body)
            return
        if entry.disk is None:
            return
        # A large body on disk is copied into a new file with the new metadata.
        writer = self.disk_writer(skey, record, entry.length)
        if writer is None:
            return
        try:
            for chunk in entry.disk.read_chunks():
                if not writer.write(chunk):
                    return
        except (CorruptObjectError, OSError) as exc:
            logger.warning("could not copy cache object %s: %s", entry.disk.path, exc)
            writer.abort()
            return
        writer.commit()

    def disk_writer(self, skey: bytes, record: bytes, expected: int | None) -> DiskWriter | None:
        """Open a streaming writer on the disk tier, or None without one."""
        if self.disk is None:
            return None
        return self.disk.open_writer(skey, record, expected)

    def fetch(self, skey: bytes) -> Record | None:
        """Return the entry or variants record under a storage key, or None."""
        obj = self.memory.get(skey)
        if obj is not None:
            return self._decode(obj)
        if self.disk is None:
            return None
        found = self.disk.get(skey)
        return None if found is None else self._from_disk(found)

    def remove(self, skey: bytes) -> bool:
        """Remove a storage key from every tier; True when one held it."""
        self._decoded.pop(skey, None)
        removed = self.memory.delete(skey)
        if self.disk is not None:
            removed = self.disk.delete(skey) or removed
        return removed

    def _decode(self, obj: StoredObject) -> Record | None:
        cached = self._decoded.get(obj.key)
        if cached is not None and cached[0] is obj:
            return cached[1]
        record = _decode(obj.meta, obj.body, len(obj.body), None)
        if record is not None:
            self._remember(obj, record)
        return record

    def _from_disk(self, found: DiskObject) -> Record | None:
        if not self.memory.accepts(found.size):
            return _decode(found.meta, None, found.body_length, found)
        with found:
            try:
                body = found.read_body()
            except (CorruptObjectError, OSError) as exc:
                logger.warning("could not read cache object %s: %s", found.path, exc)
                return None
        obj = StoredObject(found.key, found.meta, body)
        self.memory.put(obj)
        return self._decode(obj)

    def _remember(self, obj: StoredObject, record: Record) -> None:
        # Decoded records are kept beside the memory tier so a hit decodes nothing; entries
        # the tier evicted are swept out once they outnumber the live ones.
        self._decoded[obj.key] = (obj, record)
        if len(self._decoded) > 2 * len(self.memory) + 1024:
            self._decoded = {k: v for k, v in self._decoded.items() if self.memory.peek(k) is v[0]}


def _decode(
    record: bytes, body: bytes | None, length: int, disk: DiskObject | None
) -> Record | None:
    if record.startswith(meta.VARIANTS_TAG):
        if disk is not None:
            disk.close()
        return meta.decode_variants(record)
    entry = meta.decode_entry(record, body, length, disk)
    if entry is None and disk is not None:
        disk.close()
    return entry


def with_body(entry: Entry, body: bytes | None, length: int) -> Entry:
    """Return ``entry`` with its body and length filled in (the head follows the length)."""
    return dataclasses.replace(entry, body=body, length=length)
