"""Entry and variant records as bytes (RFC 9111 §4.1 variant keys)."""

from __future__ import annotations

from cache_support import hdrs, memory_cache, store
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeworks.cache import meta


def test_entry_record_round_trip() -> None:
    entry = store(
        memory_cache(),
        hdrs(("Cache-Control", "max-age=60"), ("Vary", "Accept"), ("X-Bin", "\u00ff")),
        request=hdrs(("Accept", "text/html")),
    )
    assert entry is not None
    back = meta.decode_entry(meta.encode_entry(entry), entry.body, entry.length)
    assert back is not None
    assert back.stored == entry.stored and back.head == entry.head
    assert (back.freshness, back.vary, back.vary_values) == (
        entry.freshness,
        entry.vary,
        entry.vary_values,
    )
    assert back.initial_age == entry.initial_age and back.ttls == entry.ttls


def test_variant_keys_separate_values_and_epochs_rfc9111_4_1() -> None:
    names = (b"accept",)
    one = meta.variant_key(b"k", "e1", (b"a",), names)
    assert one == meta.variant_key(b"k", "e1", (b"a",), names)
    assert one != meta.variant_key(b"k", "e1", (b"b",), names)
    assert one != meta.variant_key(b"k", "e2", (b"a",), names)
    assert meta.variant_key(b"k", "e1", (None,), names) != meta.variant_key(
        b"k", "e1", (b"",), names
    )


def test_variants_record_round_trip_keeps_newest_first() -> None:
    record = meta.Variants("e", ((b"accept",),)).with_names((b"accept-language",))
    back = meta.decode_variants(meta.encode_variants(record))
    assert back == record and back.name_sets[0] == (b"accept-language",)


@settings(deadline=None)
@given(st.binary(max_size=64))
def test_garbage_records_decode_to_none(data: bytes) -> None:
    entry = meta.decode_entry(b"E" + data, b"", 0)
    variants = meta.decode_variants(b"V" + data)
    assert entry is None or entry.status >= 0
    assert variants is None or isinstance(variants.epoch, str)
