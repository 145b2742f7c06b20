"""A restarted node still invalidates what it stored before (RFC 9111 §4.4)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from cache_support import FOLLOW, T0, hdrs, store

from edgeworks.cache import Cache
from edgeworks.config.model import CacheStorage

CC60 = ("Cache-Control", "max-age=60")


def disk_cache(tmp_path: Path) -> Cache:
    return Cache(CacheStorage(memory_bytes=1 << 20, disk_path=str(tmp_path)))


def test_unsafe_method_after_restart_invalidates_stored_entry_rfc9111_4_4(
    tmp_path: Path,
) -> None:
    store(disk_cache(tmp_path), hdrs(CC60), b"before the change")
    again = disk_cache(tmp_path)
    assert again.lookup(b"k", "GET", [], FOLLOW, T0).kind == "hit"
    assert again.invalidate("POST", 200, b"H", b"/p", []) >= 1
    assert again.lookup(b"k", "GET", [], FOLLOW, T0).kind == "miss"
    assert disk_cache(tmp_path).lookup(b"k", "GET", [], FOLLOW, T0).kind == "miss"


def test_variants_invalidated_after_restart_rfc9111_4_4(tmp_path: Path) -> None:
    vary = hdrs(CC60, ("Vary", "Accept-Language"))
    cache = disk_cache(tmp_path)
    for language in ("en", "fr"):
        store(cache, vary, language.encode(), request=hdrs(("Accept-Language", language)))
    again = disk_cache(tmp_path)
    assert again.invalidate("DELETE", 204, b"h", b"/p", []) >= 2
    for language in ("en", "fr"):
        found = again.lookup(b"k", "GET", hdrs(("Accept-Language", language)), FOLLOW, T0)
        assert found.kind == "miss", language


def test_location_named_url_invalidated_after_restart_rfc9111_4_4(tmp_path: Path) -> None:
    store(disk_cache(tmp_path), hdrs(CC60), key=b"k")
    again = disk_cache(tmp_path)
    assert again.invalidate("POST", 201, b"h", b"/other", hdrs(("Location", "/p"))) == 1
    assert again.lookup(b"k", "GET", [], FOLLOW, T0).kind == "miss"


def test_other_urls_survive_invalidation_after_restart(tmp_path: Path) -> None:
    store(disk_cache(tmp_path), hdrs(CC60))
    again = disk_cache(tmp_path)
    assert again.invalidate("POST", 200, b"h", b"/unrelated", []) == 0
    assert again.lookup(b"k", "GET", [], FOLLOW, T0).kind == "hit"


# A node process that stores one response, says so, and waits to be killed.
CHILD = """
import sys, time
from edgeworks.cache import Cache
from edgeworks.config.model import CachePolicy, CacheStorage

policy = CachePolicy(id="p", name="p", min_ttl=0, default_ttl=0, max_ttl=31536000)
cache = Cache(CacheStorage(disk_path=sys.argv[1]))
writer = cache.open_writer(
    b"k", "GET", [], 200, [(b"cache-control", b"max-age=600")], policy,
    time.time(), time.time(), host=b"h", path=b"/p",
)
writer.write(b"stored before the kill")
print("stored" if writer.commit() is not None else "refused", flush=True)
time.sleep(60)
"""


def test_invalidation_after_a_killed_node_rfc9111_4_4(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "stored"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()

    again = disk_cache(tmp_path)
    now = time.time()
    assert again.lookup(b"k", "GET", [], FOLLOW, now).kind == "hit"
    assert again.invalidate("PATCH", 200, b"h", b"/p", []) == 1
    assert again.lookup(b"k", "GET", [], FOLLOW, now).kind == "miss"
