"""Variant selection (RFC 9111 §4.1): does a stored variant fit this request?

Each stored variant remembers the names its response listed in Vary and the normalised values
those request fields had. A later request matches when its own normalised values are the same.
"""

from __future__ import annotations

from edgeworks.cache.entry import Entry
from edgeworks.cache.rules.fields import vary_values
from edgeworks.http.headers import Headers


def matches(entry: Entry, request_headers: Headers) -> bool:
    """Return whether ``entry`` was selected by the same request values (RFC 9111 §4.1)."""
    if not entry.vary:
        return True
    if b"*" in entry.vary:
        return False  # §4.1: Vary: * always fails to match.
    return vary_values(entry.vary, request_headers) == entry.vary_values
