"""How the node builds the pipeline: the one place that knows its constructor."""

from __future__ import annotations

from edgeworks.cache import Cache
from edgeworks.config.model import Distribution
from edgeworks.edge.proxy import EdgeApp
from edgeworks.edge.siblings import SiblingLink
from edgeworks.edge.trace import Tracer


def build_edge_app(
    dist: Distribution,
    tracer: Tracer,
    cache: Cache | None = None,
    siblings: SiblingLink | None = None,
) -> EdgeApp:
    """Return the request pipeline for ``dist``, with its own origin pools.

    Args:
        dist: The distribution to serve.
        tracer: Where finished requests are reported.
        cache: The cache to keep using (a reload passes the old pipeline's); None makes one.
        siblings: The node's other workers, told of every invalidation; None when alone.
    """
    return EdgeApp(dist, tracer=tracer, cache=cache, siblings=siblings)
