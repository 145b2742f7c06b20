"""The shared HTTP cache: RFC 9111 rules as a pure core, memory and disk storage around it.

``edgeworks.cache.rules`` holds the rules (no clock, no I/O); :class:`Cache` is the facade the
edge calls. See docs/caching.md for every rule and its section.
"""

from edgeworks.cache.entry import Entry
from edgeworks.cache.facade import Cache, Lookup
from edgeworks.cache.writer import Writer

__all__ = ["Cache", "Entry", "Lookup", "Writer"]
