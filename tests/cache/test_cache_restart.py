"""A restarted node still invalidates what it stored before (RFC 9111 §4.4)."""

from __future__ import annotations

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
