"""The shared HTTP cache: RFC 9111 rules as a pure core, memory and disk storage around it.

``edgeworks.cache.rules`` holds the rules (no clock, no I/O); :class:`Cache` is the facade the
edge calls; ``edgeworks.cache.storage`` holds the tiers. See docs/caching.md for every rule and
its section, and ``edgeworks.cache.errors`` for the error tree.
"""

from edgeworks.cache.entry import Entry
from edgeworks.cache.errors import CacheError
from edgeworks.cache.facade import Cache, Lookup
from edgeworks.cache.streaming import Streamed
from edgeworks.cache.writer import Writer

__all__ = ["Cache", "CacheError", "Entry", "Lookup", "Streamed", "Writer"]
