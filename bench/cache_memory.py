"""Memory cost per cached object, bodies excluded: through the cache facade, and in the tiers.

The first figure is the one that counts: 100,000 small responses stored through
``Cache.open_writer`` / ``commit`` and looked up once, measured with tracemalloc over everything
the cache then holds for them (entries with their prepared heads, the memory tier's index, the
URL index for invalidation), plus each object's key. It also times a tight loop of
``lookup`` + ``answer`` on one fresh entry, the hit path.

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
import timeit
import tracemalloc

from edgeworks.cache import Cache
from edgeworks.cache.storage import ENTRY_OVERHEAD, DiskTier, MemoryTier, StoredObject
from edgeworks.config.model import CachePolicy, CacheStorage
from edgeworks.http.headers import Headers

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


POLICY = CachePolicy(id="bench", name="bench", min_ttl=0, default_ttl=86400, max_ttl=31536000)
REQUEST: Headers = [
    (b"host", b"www.example.com"),
    (b"accept", b"*/*"),
    (b"user-agent", b"bench"),
    (b"accept-encoding", b"gzip, br"),
]
STORED_AT = 1733241600.0


def response_for(i: int) -> Headers:
    """Return seven response fields of a typical small asset, one of them unique (ETag)."""
    return [
        (b"content-type", b"image/png"),
        (b"content-length", b"512"),
        (b"cache-control", b"public, max-age=86400"),
        (b"etag", b'"%08x-200"' % i),
        (b"last-modified", b"Tue, 03 Dec 2024 10:00:00 GMT"),
        (b"date", b"Tue, 03 Dec 2024 16:00:00 GMT"),
        (b"server", b"origin"),
    ]


def measure_facade(count: int) -> tuple[float, Cache, bytes]:
    """Return bytes per object the cache holds (key included), the cache and one stored key."""
    keys = [b"GET\x00www.example.com\x00/assets/img/%08d.png\x00v=2" % i for i in range(count)]
    paths = [b"/assets/img/%08d.png" % i for i in range(count)]
    responses = [response_for(i) for i in range(count)]
    key_bytes = sum(sys.getsizeof(key) for key in keys) / count
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    cache = Cache(CacheStorage(memory_bytes=1 << 40))
    for key, path, response in zip(keys, paths, responses, strict=True):
        writer = cache.open_writer(
            key, "GET", REQUEST, 200, response, POLICY, STORED_AT, STORED_AT,
            host=b"www.example.com", path=path,
        )  # fmt: skip
        if writer is None:
            raise SystemExit(f"object {key!r} was not storable")
        writer.write(BODY)
        if writer.commit() is None:
            raise SystemExit(f"object {key!r} was not stored")
    for key in keys:
        if cache.lookup(key, "GET", REQUEST, POLICY, STORED_AT + 1).kind != "hit":
            raise SystemExit(f"object {key!r} is not a hit")
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / count + key_bytes, cache, keys[0]


def time_hits(cache: Cache, key: bytes, rounds: int = 200_000) -> float:
    """Return microseconds per lookup + answer of one fresh entry (best of five runs)."""
    now = STORED_AT + 10

    def hit() -> None:
        found = cache.lookup(key, "GET", REQUEST, POLICY, now)
        cache.answer(found, "GET", REQUEST, now, b"Hit from edgeworks")

    return min(timeit.repeat(hit, number=rounds, repeat=5)) / rounds * 1e6


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
    per_object, cache, key = measure_facade(args.objects)
    print(f"facade: bytes per object (no body, key included): {per_object:,.0f}")
    print(f"  under 1 KiB:                {'yes' if per_object < 1024 else 'no'}")
    print(f"  lookup + answer of a hit:   {time_hits(cache, key):.2f} µs")
    del cache
    gc.collect()
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
