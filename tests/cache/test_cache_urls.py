"""The URL index behind invalidation (RFC 9111 §4.4)."""

from __future__ import annotations

from edgeworks.cache.urls import UrlIndex, url_of


def test_keys_of_a_url_collected_and_popped_rfc9111_4_4() -> None:
    index = UrlIndex()
    index.add(url_of(b"H", b"/a"), b"k1")
    index.add(url_of(b"h", b"/a"), b"k2")
    index.add(url_of(b"h", b"/a"), b"k1")
    index.add(url_of(b"h", b"/b"), b"k3")
    assert index.pop(b"h", b"/a") == {b"k1", b"k2"}
    assert index.pop(b"h", b"/a") == set()
    assert index.pop(b"H", b"/b") == {b"k3"}


def test_index_is_bounded() -> None:
    index = UrlIndex(max_urls=2)
    for number in range(5):
        index.add(url_of(b"h", b"/%d" % number), b"k%d" % number)
    assert len(index) == 2
    assert index.pop(b"h", b"/0") == set()
    assert index.pop(b"h", b"/4") == {b"k4"}


def test_invalidations_counted_per_url_rfc9111_4_4() -> None:
    index = UrlIndex()
    before = index.generation
    index.pop(b"h", b"/a")
    assert not index.unchanged_since(b"H", b"/a", before)
    assert index.unchanged_since(b"h", b"/b", before)
    assert index.unchanged_since(b"h", b"/a", index.generation)
