"""Memory cost per cached object in the memory tier, bodies excluded.

Fills a :class:`MemoryTier` with small objects (every object shares one body, so the body costs
nothing) and measures with tracemalloc what the tier holds for them: the key, the facade's
serialised metadata, and the index around them (dict slot, S3-FIFO node, queue slot, object
header, and the ghost queue's share once the tier evicts). Prints the figure per object while
the tier fills and once it evicts all along, and the index share alone, which is what
``edgeworks.cache.storage.memory.ENTRY_OVERHEAD`` must cover.

It also measures the disk tier's in-memory index per entry (the disk tier keeps key and file
name in memory, metadata stays on disk) after rebuilding it from a directory of small files,
and how long that rebuild takes.

Usage::

    python bench/cache_memory.py                    # 100,000 objects, 20,000 on disk
    python bench/cache_memory.py --objects 20000 --disk-objects 0
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc

from edgeworks.cache.storage import ENTRY_OVERHEAD, DiskTier, MemoryTier, StoredObject

BODY = b"x" * 512


def key_for(i: int) -> bytes:
    """Return a variant key of the length the facade builds for a typical asset URL."""
    return b"GET\x00www.example.com\x00/assets/img/%08d.png\x00v=2\x00accept-encoding=br" % i


def meta_for(i: int) -> bytes:
    """Return metadata the size of a typical serialised response head with its times."""
    return (
        b"200\n1733241600.25\n1733241600.31\n"
        b"content-type: image/png\ncontent-length: 512\n"
        b"cache-control: public, max-age=86400\n"
        b'etag: "%08x-200"\nlast-modified: Tue, 03 Dec 2024 10:00:00 GMT\n'
        b"date: Tue, 03 Dec 2024 16:00:00 GMT\nvary: accept-encoding\n" % i
    )


def measure(count: int, *, churn: bool) -> tuple[float, float, float]:
    """Return bytes per object held: total (index + key + meta), key + meta alone, index alone.

    Without churn the tier is unbounded and takes ``count`` objects. With churn it is sized for
    ``count`` objects and offered twice as many one-off objects, so that it evicts all along
    and its ghost queue is full: the steady state of a busy node.
    """
    offered = 2 * count if churn else count
    keys = [key_for(i) for i in range(offered)]
    metas = [meta_for(i) for i in range(offered)]
    payload = (sys.getsizeof(keys[0]) + sys.getsizeof(metas[0])) * 1.0
    charge = len(keys[0]) + len(metas[0]) + len(BODY) + ENTRY_OVERHEAD
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tier = MemoryTier(count * charge if churn else 1 << 40, max_object_bytes=2 * charge)
    for key, meta in zip(keys, metas, strict=True):
        tier.put(StoredObject(key, meta, BODY))
    gc.collect()
    index_bytes = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    if len(tier) < count * 0.99:
        raise SystemExit(f"tier holds {len(tier)} objects, expected about {count}")
    per_index = index_bytes / len(tier)
    return per_index + payload, payload, per_index


def measure_disk(count: int) -> tuple[float, float]:
    """Return the disk index's bytes per entry and the seconds its rebuild took."""
    with tempfile.TemporaryDirectory(prefix="edgeworks-bench-") as directory:
        tier = DiskTier(directory, 1 << 40, durable=False)
        for i in range(count):
            writer = tier.open_writer(key_for(i), meta_for(i), len(BODY))
            if writer is None or not writer.write(BODY) or not writer.commit():
                raise SystemExit(f"disk tier refused object {i}")
        del tier
        gc.collect()
        started = time.perf_counter()
        rebuilt = DiskTier(directory, 1 << 40, durable=False)
        seconds = time.perf_counter() - started
        del rebuilt
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        rebuilt = DiskTier(directory, 1 << 40, durable=False)
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        if len(rebuilt) != count:
            raise SystemExit(f"disk tier rebuilt {len(rebuilt)} entries, expected {count}")
        return used / count, seconds


def main() -> None:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--disk-objects", type=int, default=20_000)
    args = parser.parse_args()
    print(f"objects:                      {args.objects:,}")
    for label, churn in (("filling", False), ("evicting", True)):
        total, payload, index = measure(args.objects, churn=churn)
        print(f"{label}: bytes per object (no body): {total:,.0f}")
        print(f"  key + metadata objects:     {payload:,.0f}")
        print(f"  index and object headers:   {index:,.0f}  (charged: {ENTRY_OVERHEAD})")
        print(f"  under 1 KiB:                {'yes' if total < 1024 else 'no'}")
    if args.disk_objects:
        per_entry, seconds = measure_disk(args.disk_objects)
        print(f"disk entries:                 {args.disk_objects:,}")
        print(f"disk index bytes per entry:   {per_entry:,.0f}  (key and file name included)")
        print(f"disk index rebuild:           {seconds:.2f} s")


if __name__ == "__main__":
    main()
